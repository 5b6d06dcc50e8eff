/**
 * npm run fuzz -- [--target <name,...|all>] [--runs N] [--seed S] [--progress-every K] [--save-seeds]
 *
 * Runs N generated inputs per target (1,000,000 unless --runs says otherwise; targets in
 * test/fuzz/targets.ts) after every seed and corpus file, printing the count every K runs (50,000). A finding (crash, >100 ms,
 * memory out of proportion, a tampered response accepted, a 5xx) is shrunk by fast-check, written
 * to test/fuzz/crashes/<target>/<sha256-prefix>.bin (test/hardening/fuzz-regressions.test.ts runs
 * every file there) and the process exits 1. --save-seeds writes the sandbox seeds into
 * test/fuzz/corpus/<target>/.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzz, inputName } from '../test/fuzz/engine.js';
import { TARGETS, TEXT_TARGETS } from '../test/fuzz/targets.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS = join(ROOT, 'test', 'fuzz', 'corpus');
export const CRASHES = join(ROOT, 'test', 'fuzz', 'crashes');

function readDir(dir: string): Uint8Array[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

async function main(): Promise<number> {
  const f = flags(process.argv.slice(2));
  const names = !f.target || f.target === 'all' ? Object.keys(TARGETS) : f.target.split(',');
  for (const n of names) if (!TARGETS[n]) throw new Error(`unknown target ${n}; known: ${Object.keys(TARGETS).join(', ')}`);
  const runs = Number(f.runs ?? 1_000_000);
  if (!Number.isInteger(runs) || runs < 0) throw new Error('--runs must be a whole number');
  let failed = false;
  for (const name of names) {
    const target = await TARGETS[name]();
    try {
      if (f['save-seeds']) {
        const dir = join(CORPUS, name);
        mkdirSync(dir, { recursive: true });
        for (const s of target.seeds) writeFileSync(join(dir, `${inputName(s)}.bin`), s);
      }
      const extraSeeds = [...readDir(join(CORPUS, name)), ...readDir(join(CRASHES, name))];
      const outcome = await fuzz(target, runs, {
        seed: f.seed ? Number(f.seed) : undefined,
        text: TEXT_TARGETS.has(name),
        extraSeeds,
        // A run of a million inputs takes hours on a busy machine: say how far it got, so a run stopped
        // early still reports its real count.
        onProgress: (n) => console.log(`${new Date().toISOString()} ${name}: ${n} runs, no finding so far`),
        progressEvery: Number(f['progress-every'] ?? 50_000),
      });
      const rate = outcome.runs / (outcome.ms / 1000);
      if (outcome.failure) {
        failed = true;
        const dir = join(CRASHES, name);
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${inputName(outcome.failure.input)}.bin`);
        writeFileSync(file, outcome.failure.input);
        console.log(`${name}: FINDING after ${outcome.runs} runs (seed ${outcome.seed}): ${outcome.failure.message.split('\n')[0]}\n  reproducer: ${file}`);
        console.log(outcome.failure.message);
      } else {
        console.log(`${name}: ${outcome.runs} runs, no finding (seed ${outcome.seed}, ${extraSeeds.length + target.seeds.length} seeds, ${rate.toFixed(0)} inputs/s)`);
      }
    } finally {
      await target.close?.();
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
