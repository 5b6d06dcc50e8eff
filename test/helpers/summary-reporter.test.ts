import { afterEach, describe, expect, it, vi } from 'vitest';
import SummaryReporter from './summary-reporter.js';

/** The parts of vitest's TestModule the reporter reads. */
function module(state: string, tests: string[]) {
  return { state: () => state, children: { allTests: () => tests.map((t) => ({ result: () => ({ state: t }) })) } };
}

function summary(modules: ReturnType<typeof module>[], unhandled: unknown[] = []): string {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  new SummaryReporter().onTestRunEnd(modules as never, unhandled);
  spy.mockRestore();
  return out.trim();
}

describe('the plain closing line', () => {
  afterEach(() => vi.restoreAllMocks());
  it('counts tests', () => {
    expect(summary([module('passed', ['passed', 'passed', 'skipped']), module('failed', ['passed', 'failed'])])).toBe('Tests: 3 passed, 1 failed, 1 skipped');
  });
  it('a file whose setup failed is a failure, though its tests read as skipped', () => {
    expect(summary([module('failed', ['skipped', 'skipped', 'skipped', 'skipped'])])).toBe('Tests: 0 passed, 1 failed, 4 skipped');
  });
  it('a file that failed to load, and unhandled errors, are failures', () => {
    expect(summary([module('failed', [])], [new Error('x')])).toBe('Tests: 0 passed, 2 failed, 0 skipped');
  });
});
