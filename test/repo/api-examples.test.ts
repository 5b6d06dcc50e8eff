/**
 * Every exported function and class of kakunin, kakunin/service and kakunin/sandbox has an
 * @example, and every example compiles as a user's module importing the package's public names
 * (scripts/api-examples.ts). The examples that need nothing from outside run as written. A fixture
 * checks that the check sees each way an example goes wrong.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkExamples, standaloneExamples } from '../../scripts/api-examples.js';
import { packageEntries } from '../../scripts/api-surface.js';

const ROOT = join(import.meta.dirname, '../..');
const TSCONFIG = join(ROOT, 'tsconfig.json');
const FIXTURE = join(import.meta.dirname, 'example-fixtures');

/** Standalone examples that are not run, and why: each needs something a checkout does not have. */
const NOT_RUN: Record<string, string> = {
  'kakunin loadVerifierIdentity': "reads the verifier's certificate and key files (secrets/)",
  'kakunin loadPurposes': 'reads a purposes.json',
  'kakunin parseQrEngagement': "shows a shortened QR text ('mdoc:owBjMS4wAY...')",
  'kakunin/service runServe': 'listens on port 8080 (test/service starts the service)',
  'kakunin/service runDemo': 'starts the whole demo service (test/service starts it)',
};

describe('the public examples', () => {
  it('every exported function and class has an @example, and each compiles against the public entries', () => {
    const problems = checkExamples(packageEntries(ROOT), TSCONFIG);
    expect(problems.map((p) => `${p.symbol}: ${p.message}`)).toEqual([]);
  }, 120_000);

  it('the examples that need no input run as written, in one process, with the public names resolved to src/', () => {
    const entries = packageEntries(ROOT);
    const examples = standaloneExamples(entries, TSCONFIG);
    expect(Object.keys(NOT_RUN).filter((label) => !examples.some((e) => e.label === label))).toEqual([]);
    const toRun = examples.filter((e) => !(e.label in NOT_RUN));
    expect(toRun.length).toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-examples-'));
    const files = toRun.map((example, i) => {
      const file = join(dir, `example-${i}.mts`);
      let code = example.code;
      for (const e of entries) code = code.replaceAll(`from '${e.name}'`, `from '${pathToFileURL(e.file).href}'`);
      writeFileSync(file, code);
      return { label: example.label, url: pathToFileURL(file).href };
    });
    const results = join(dir, 'results.json');
    // One process imports them in turn; what an example prints is kept for its failure message.
    writeFileSync(
      join(dir, 'run.mts'),
      `import { writeFileSync } from 'node:fs';
const failures = [];
const printed = [];
console.log = (...args) => printed.push(args.map(String).join(' '));
for (const { label, url } of ${JSON.stringify(files)}) {
  printed.length = 0;
  try { await import(url); } catch (e) { failures.push(label + ': ' + (e?.stack ?? String(e)) + (printed.length ? '\\nprinted: ' + printed.join('\\n') : '')); }
}
writeFileSync(${JSON.stringify(results)}, JSON.stringify(failures));
process.exit(0);
`,
    );
    try {
      execFileSync(process.execPath, ['--import', 'tsx', join(dir, 'run.mts')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 100_000 });
      expect(JSON.parse(readFileSync(results, 'utf8'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the check reports a missing example, one that does not compile, one without code and one reaching into src/', () => {
    const problems = checkExamples(packageEntries(FIXTURE), join(FIXTURE, 'tsconfig.json'));
    expect(problems.map((p) => `${p.symbol}: ${p.message}`)).toEqual([
      'fixture Plain: exported class without an @example',
      'fixture triple (example 2): @example without a ```ts block',
      expect.stringMatching(/^fixture half: line 2: TS2345 Argument of type 'string' is not assignable to parameter of type 'number'/),
      "fixture triple (example 1): imports '../src/index.js': an example imports only the package's public names (fixture) and node: modules",
      "fixture triple (example 1): does not import triple from 'fixture'",
    ]);
  }, 60_000);
});
