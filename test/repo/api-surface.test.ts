/**
 * The public-surface check (scripts/api-surface.ts, run by `npm run lint:api` in npm test): it must
 * see every way a user reaches a type the package does not export, or the check passes silently.
 * `npm run lint:api` runs it on the package's entries and compares docs/api.md.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiSurface } from '../../scripts/api-surface.js';

const FIXTURE = join(import.meta.dirname, 'api-fixtures');

describe('the public-surface check', () => {
  it('finds types reachable through a parameter, an inferred result, a base, an optional alias; not through private members', () => {
    const [surface] = apiSurface([{ name: 'fixture', file: join(FIXTURE, 'src/index.ts') }], FIXTURE);
    expect(surface.exports.map((e) => `${e.kind} ${e.name}`)).toEqual(['function gives', 'interface Holder', 'class Service', 'interface Shown', 'function takes']);
    expect(surface.forgotten.map((f) => [f.name, f.declaredIn])).toEqual([
      ['Hidden', 'src/types.ts'],
      ['HiddenAlias', 'src/types.ts'],
      ['HiddenBase', 'src/types.ts'],
      ['HiddenResult', 'src/types.ts'],
    ]);
    expect(surface.forgotten.find((f) => f.name === 'Hidden')!.via).toBe('takes(options) > Hidden');
    expect(surface.reachable).toEqual(['Hidden', 'HiddenAlias', 'HiddenBase', 'HiddenResult', 'Holder', 'Service', 'Shown']);
  }, 60_000);
});
