/**
 * The fuzzing engine: fast-check generates inputs (mutated seeds, structure-aware CBOR rewrites,
 * random CBOR values, random bytes), each input goes through `exercise`, which adds the time and
 * memory checks to the target's own. fast-check shrinks whatever fails to a small reproducer.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { decodeCbor, embed, encodeCbor, EncodedCbor } from '../../src/cbor/index.js';
import { Finding, TIME_LIMIT_MS, type FuzzTarget } from './targets.js';

/** Wall clock an input may take on its fastest attempt: only an input that waits rather than computes gets near it. */
const WALL_LIMIT_MS = 60_000;

const INTERESTING = [0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x3f, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd8, 0xf4, 0xf6, 0xf7, 0xf9, 0xfb, 0xff];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; data: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'splice'; at: number; other: number; from: number; length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(255)) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 512 }) }),
);

function applyMutation(input: Uint8Array, m: Mutation, seeds: Uint8Array[]): Uint8Array {
  const n = input.length;
  const at = n === 0 ? 0 : m.at % (n + (m.kind === 'insert' ? 1 : 0));
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return input;
      const out = input.slice();
      out[at] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return input;
      const out = input.slice();
      out[at] = m.value;
      return out;
    }
    case 'insert':
      return concatBytes(input.subarray(0, at), m.data, input.subarray(at));
    case 'delete':
      return concatBytes(input.subarray(0, at), input.subarray(at + m.length));
    case 'duplicate':
      return concatBytes(input.subarray(0, at + m.length), input.subarray(at, at + m.length), input.subarray(at + m.length));
    case 'splice': {
      const other = seeds[m.other % seeds.length];
      const from = other.length ? m.from % other.length : 0;
      return concatBytes(input.subarray(0, at), other.subarray(from, from + m.length), input.subarray(at + m.length));
    }
  }
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Random CBOR data items, including the kinds mdoc uses (tag 24, dates, byte strings, int-keyed maps). */
const cborValueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.constantFrom(0, -1, 23, 24, 255, 256, 65535, 65536, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER),
    fc.double(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('docType', 'nameSpaces', 'issuerAuth', 'deviceSigned', 'elementValue', 'digestID', 'org.iso.23220.1', 'age_over_20', 'dcapi', 'enc', 'cipherText'),
    fc.uint8Array({ maxLength: 80 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -4, max: 40 }), fc.string({ maxLength: 12 })), tie('value')), { maxLength: 5 }).map((entries) => new Map(entries)),
    tie('value').map((v) => embed(v)),
  ),
})).value;

interface StructuralEdit {
  target: number;
  action: number;
  replacement: unknown;
}

/** Decodes `seed`, rewrites one node (descending into tag-24 items), re-encodes. */
function structuralMutation(seed: Uint8Array, edit: StructuralEdit): Uint8Array {
  let root: unknown;
  try {
    root = decodeCbor(seed);
  } catch {
    return seed;
  }
  let counter = 0;
  let total = 0;
  const countNodes = (v: unknown): void => {
    total++;
    if (Array.isArray(v)) v.forEach(countNodes);
    else if (v instanceof Map)
      for (const [k, x] of v) {
        countNodes(k);
        countNodes(x);
      }
    else if (v instanceof EncodedCbor) {
      try {
        countNodes(decodeCbor(v.bytes));
      } catch {
        /* opaque */
      }
    }
  };
  countNodes(root);
  const chosen = edit.target % total;
  const rewrite = (v: unknown): unknown => {
    const here = counter++;
    if (here === chosen) {
      switch (edit.action % 4) {
        case 0:
          return edit.replacement;
        case 1:
          return Array.isArray(v) ? v.slice(1) : v instanceof Map ? new Map([...v].slice(1)) : edit.replacement;
        case 2:
          return Array.isArray(v) && v.length ? [...v, v[0]] : v instanceof Map ? new Map([...v, [edit.replacement as never, [...v.values()][0]]]) : edit.replacement;
        default:
          return typeof v === 'string' ? v + 'x' : typeof v === 'number' ? v + 1 : v instanceof Uint8Array ? Uint8Array.of(...v, 0) : edit.replacement;
      }
    }
    if (Array.isArray(v)) return v.map(rewrite);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [rewrite(k), rewrite(x)]));
    if (v instanceof EncodedCbor) {
      let inner: unknown;
      try {
        inner = decodeCbor(v.bytes);
      } catch {
        return v;
      }
      const before = counter;
      const out = rewrite(inner);
      // Untouched embedded items keep their exact bytes, as a wallet's would.
      return chosen >= before && chosen < counter ? embed(out) : v;
    }
    return v;
  };
  try {
    return encodeCbor(rewrite(root));
  } catch {
    return seed;
  }
}

export function inputArbitrary(seeds: Uint8Array[], text = false): fc.Arbitrary<Uint8Array> {
  const seedIndex = fc.nat(Math.max(0, seeds.length - 1));
  const mutated = fc.tuple(seedIndex, fc.array(mutationArb, { minLength: 1, maxLength: 6 })).map(([i, ms]) => ms.reduce((b, m) => applyMutation(b, m, seeds), seeds[i]));
  const structural = fc.tuple(seedIndex, fc.record({ target: fc.nat(), action: fc.nat(), replacement: cborValueArb })).map(([i, edit]) => structuralMutation(seeds[i], edit));
  const randomCbor = cborValueArb.map((v) => {
    try {
      return encodeCbor(v);
    } catch {
      return new Uint8Array(0);
    }
  });
  // Text inputs (JWE, forms): mutate characters, keeping to the alphabet a parser expects.
  const textMutated = fc
    .tuple(seedIndex, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=&{}":,[]'.split(''))), { minLength: 1, maxLength: 6 }))
    .map(([i, edits]) => {
      const s = Buffer.from(seeds[i]).toString('utf8').split('');
      for (const [at, ch] of edits) if (s.length) s[at % s.length] = ch;
      return new Uint8Array(Buffer.from(s.join(''), 'utf8'));
    });
  const choices: { weight: number; arbitrary: fc.Arbitrary<Uint8Array> }[] = [
    { weight: 5, arbitrary: mutated },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 1024 }) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds) },
  ];
  if (text) choices.push({ weight: 5, arbitrary: textMutated });
  else choices.push({ weight: 4, arbitrary: structural }, { weight: 2, arbitrary: randomCbor });
  return fc.oneof(...choices);
}

/**
 * One input through the target, with the 100 ms and memory checks. Time is this process's CPU time
 * (user + system, every thread), not the wall clock: a run at `nice 19` on a shared machine waits for
 * the CPU far longer than it uses it, and a 2-byte input "took" 265 ms that way. A slow input is
 * retried twice (a GC pause, a first call's warm-up is not a finding); the fastest run counts. A wall
 * clock over a minute on every attempt is a finding too (an input that waits on something rather than
 * computes); a busy machine's first request took 15 s of wall clock for 0.3 s of CPU.
 */
export async function exercise(target: FuzzTarget, input: Uint8Array): Promise<void> {
  let best = Infinity;
  let bestWall = Infinity;
  for (let attempt = 0; attempt < 3 && (best > TIME_LIMIT_MS || bestWall > WALL_LIMIT_MS); attempt++) {
    const before = process.memoryUsage();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await target.run(input);
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    best = Math.min(best, ms);
    bestWall = Math.min(bestWall, wall);
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    // Out of proportion: more than 64 MiB beyond 256 times the input's size.
    if (grown > 64 * 1024 * 1024 + 256 * input.length) throw new Finding('memory', `heap grew ${Math.round(grown / 1048576)} MiB for a ${input.length}-byte input`);
  }
  if (bestWall > WALL_LIMIT_MS) throw new Finding('slow', `${bestWall.toFixed(0)} ms of wall clock for a ${input.length}-byte input (${best.toFixed(1)} ms of CPU)`);
  if (best > TIME_LIMIT_MS) throw new Finding('slow', `${best.toFixed(1)} ms of CPU for a ${input.length}-byte input (limit ${TIME_LIMIT_MS} ms)`);
}

export interface FuzzOutcome {
  target: string;
  runs: number;
  seed: number;
  ms: number;
  failure?: { input: Uint8Array; message: string };
}

export interface FuzzOptions {
  seed?: number;
  text?: boolean;
  extraSeeds?: Uint8Array[];
  /** Hears the number of generated inputs run so far, every `progressEvery` (a long run says how far it got). */
  onProgress?: (runs: number) => void;
  progressEvery?: number;
}

export async function fuzz(target: FuzzTarget, runs: number, options: FuzzOptions = {}): Promise<FuzzOutcome> {
  const seeds = [...target.seeds, ...(options.extraSeeds ?? [])];
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = performance.now();
  let done = 0;
  // Every seed first, as it is.
  for (const s of seeds) {
    try {
      await exercise(target, s);
    } catch (e) {
      return { target: target.name, runs: 0, seed, ms: performance.now() - started, failure: { input: s, message: (e as Error).message } };
    }
  }
  const details = await fc.check(
    fc.asyncProperty(inputArbitrary(seeds, options.text), async (input) => {
      await exercise(target, input);
      if (options.onProgress && ++done % (options.progressEvery ?? 50_000) === 0) options.onProgress(done);
    }),
    { numRuns: runs, seed, endOnFailure: true, markInterruptAsFailure: false },
  );
  const ms = performance.now() - started;
  if (details.failed && details.counterexample) {
    const [input] = details.counterexample;
    return { target: target.name, runs: details.numRuns, seed, ms, failure: { input, message: (details.errorInstance as Error)?.message ?? String(details.errorInstance) } };
  }
  return { target: target.name, runs: details.numRuns, seed, ms };
}

export function inputName(input: Uint8Array): string {
  return createHash('sha256').update(input).digest('hex').slice(0, 16);
}
