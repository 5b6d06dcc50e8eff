/**
 * The fuzz targets of `npm run fuzz`, bounded for CI: every corpus file and every recorded crash
 * (test/fuzz/crashes/) first, then generated inputs with a fixed seed per target. No crash, no input
 * over 100 ms, no memory out of proportion, no tampered response accepted, no 5xx.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exercise, fuzz } from '../fuzz/engine.js';
import { Finding, TARGETS, TEXT_TARGETS, type FuzzTarget } from '../fuzz/targets.js';

const FUZZ_DIR = join(import.meta.dirname, '..', 'fuzz');
// Small counts, so every target runs in CI and none rots; `npm run fuzz` runs a million each.
const RUNS: Record<string, number> = {
  cbor: 20000,
  'device-response': 5000,
  cose: 10000,
  jwe: 3000,
  hpke: 3000,
  engagement: 20000,
  http: 1000,
  'jwe-opener': 5000,
  'dcapi-multisigned': 2000,
  'redis-store': 1000,
};

function files(dir: string): Uint8Array[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.bin'))
        .sort()
        .map((f) => new Uint8Array(readFileSync(join(dir, f))))
    : [];
}

const open: FuzzTarget[] = [];
afterAll(async () => {
  for (const t of open) await t.close?.();
});

describe('fuzz targets (bounded)', () => {
  for (const [name, make] of Object.entries(TARGETS)) {
    it(`${name}: corpus, crashes and ${RUNS[name]} generated inputs, no finding`, async () => {
      expect(RUNS[name], `${name} needs a CI count in RUNS`).toBeGreaterThan(0);
      const target = await make();
      open.push(target);
      const corpus = files(join(FUZZ_DIR, 'corpus', name));
      const crashes = files(join(FUZZ_DIR, 'crashes', name));
      expect(corpus.length).toBeGreaterThan(0);
      const outcome = await fuzz(target, RUNS[name], { seed: 20260601, text: TEXT_TARGETS.has(name), extraSeeds: [...corpus, ...crashes] });
      console.log(`fuzz ${name}: ${outcome.runs} runs + ${target.seeds.length + corpus.length + crashes.length} seeds, ${outcome.failure ? 'FINDING' : 'no finding'}, ${Math.round(outcome.ms)} ms`);
      expect(outcome.failure?.message).toBeUndefined();
      expect(outcome.runs).toBe(RUNS[name]);
    }, 120_000);
  }
});

describe('the fuzz engine finds what it should', () => {
  it('reports a planted crash, a planted slow input and an uncoded error', async () => {
    // A parser with a bug deep in the structure: a TypeError when a map holds the key "boom".
    const planted: FuzzTarget = {
      name: 'planted',
      seeds: [Uint8Array.of(0xa1, 0x61, 0x61, 0x01)],
      async run(input) {
        if (Buffer.from(input).includes(Buffer.from('boom'))) throw new Finding('crash', 'TypeError planted');
        if (input.length > 3 && input[0] === 0xa1 && input[1] === 0x62) {
          // 150 ms of CPU (what the engine measures), however busy the machine is.
          const start = process.cpuUsage();
          while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < 150) {
            /* a slow path */
          }
        }
      },
    };
    const slow = Uint8Array.of(0xa1, 0x62, 0x61, 0x61, 0x01);
    await expect(exercise(planted, slow)).rejects.toThrow(/slow/);
    await expect(exercise(planted, new Uint8Array(Buffer.from('xxboomxx')))).rejects.toThrow(/crash/);
    const outcome = await fuzz(
      {
        ...planted,
        run: async (i) =>
          void (Buffer.from(i).includes(0x62) && Buffer.from(i).includes(0x00)
            ? (() => {
                throw new Finding('crash', 'found');
              })()
            : undefined),
      },
      2000,
      { seed: 1 },
    );
    expect(outcome.failure?.message).toMatch(/crash: found/);
  });
});
