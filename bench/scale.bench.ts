/**
 * `npm run bench:scale`: how kakunin's cost grows with the size of what it works on, every size
 * measured in the same run, each against the smallest size of its dimension:
 *
 *   trust anchors 1 / 100 / 1,000 / 10,000        verification CPU, memory of the store
 *   CRL entries 10 / 100,000 / 1,000,000           load and refresh in the service (time, peak memory,
 *                                                  longest event-loop block), lookup per verification
 *   status list entries 1,000 .. 1,000,000         the same; and a status list at the size limit (10 MB)
 *   documents in one response 1 / 2 / 5            verification CPU
 *   response size: no portrait, 50 KB, 100 KB      verification CPU, against SHA-256 of the same bytes
 *   pending verifications (bench/scale-pending.ts) service CPU per flow, bytes each, p99 of a flow
 *
 * Per-verification costs are measured in alternating slices (as `npm run bench` does), so that a
 * change of machine load during the run touches every size alike; loads run in a child process each
 * (peak memory is a process's own). The column `beyond` divides out what must grow: documents
 * verified, bytes hashed, entries read (per byte of list), anchors held (per anchor). The last lines:
 *   longest event-loop block while loading: N ms
 *   worst growth beyond the intrinsic: N
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyDeviceResponse, type VerifyDeviceResponseOptions } from '../src/mdoc/verify.js';
import { MNC_DOCTYPE } from '../src/sandbox/index.js';
import { RevocationLists } from '../src/trust/revocation-lists.js';
import { MAX_LIST_BYTES } from '../src/trust/status-list.js';
import { TrustStore } from '../src/trust/store.js';
import { rates as measureRates } from './measure.js';
import { pendingRows, type ScaleRow } from './scale-pending.js';
import {
  createScaleIssuer,
  fillerAnchors,
  fillerRevoked,
  largeCrl,
  largeStatusList,
  SCALE_AT,
  statusListAtLimit,
  SCALE_TRANSCRIPT,
  scaleMdoc,
  scaleResponse,
  type ScaleIssuer,
} from './scale-fixtures.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const QUICK = process.env.BENCH_QUICK === '1';
const ANCHORS = QUICK ? [1, 100] : [1, 100, 1_000, 10_000];
const CRL_SIZES = QUICK ? [10, 100_000] : [10, 100_000, 1_000_000];
const LIST_SIZES = QUICK ? [1_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000];
const DOCS = [1, 2, 5];
const PORTRAITS = [0, 50_000, 100_000];
const WINDOW = { thisUpdate: new Date(SCALE_AT.getTime() - 86_400_000), nextUpdate: new Date(SCALE_AT.getTime() + 7 * 86_400_000) };
const GOOD_INDEX = 1;

type Row = ScaleRow;
const rows: Row[] = [];
let longestBlock = 0;
let longestWall = 0;

/** Operations per second of each function, in alternating 100 ms slices for SECONDS each (bench/measure.ts). */
const rates = (fns: Array<() => unknown>) => measureRates(fns, { seconds: SECONDS, warmMs: 200 });

function gc(): void {
  if (!globalThis.gc) throw new Error('run with --expose-gc (npm run bench:scale does)');
  globalThis.gc();
}
const heap = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

function checkValid(bytes: Uint8Array, options: VerifyDeviceResponseOptions, what: string): void {
  const r = verifyDeviceResponse(bytes, options);
  if (!r.valid || r.documents.some((d) => d.checks.some((c) => c.status !== 'pass'))) throw new Error(`${what}: does not verify with every check passing: ${JSON.stringify(r.errors)}`);
}

/** Cost per verification of each case, interleaved, as µs and as ratio to the first. */
async function perVerification(dimension: string, cases: { size: string; bytes: Uint8Array; options: VerifyDeviceResponseOptions; intrinsic?: (costUs: number) => number }[]): Promise<number[]> {
  for (const c of cases) checkValid(c.bytes, c.options, `${dimension} ${c.size}`);
  const measured = await rates(cases.map((c) => () => verifyDeviceResponse(c.bytes, c.options)));
  const us = measured.map((r) => 1e6 / r);
  cases.forEach((c, i) => {
    const ratio = us[i] / us[0];
    rows.push({ dimension, size: c.size, metric: 'verification CPU', value: us[i], unit: 'µs', ratio, beyond: c.intrinsic ? c.intrinsic(us[i]) : ratio });
  });
  return us;
}

/** Anchors held, in all, each time a store size's memory is read: 2,000 one-anchor stores, 20 stores
 * of 100, ... one of 10,000. A single small store is a few kilobytes, below what a heap reading
 * resolves; many copies held at once are megabytes, where that noise is a fraction of a percent. */
const ANCHORS_MEASURED = 2_000;

/** Heap (JS + external) one result of `make` keeps alive: `copies` results built and held while the
 * heap is read after full collections, divided by `copies`; the median of three readings (one when
 * the copies hold 10,000 anchors or more: building them takes seconds, and the noise is then small). */
function retainedBytes(make: () => unknown, copies: number, samples: number): number {
  const readings = Array.from({ length: samples }, () => retainedOnce(make, copies));
  return readings.sort((a, b) => a - b)[samples >> 1];
}

/** One reading. In a function of its own so that the copies of one reading are unreachable once it
 * returns: held in the caller's loop, the previous reading's copies stayed alive until the next
 * reading's were built, and their freeing was subtracted from it (a reading of 3 bytes a store). */
function retainedOnce(make: () => unknown, copies: number): number {
  gc();
  gc();
  const m0 = heap();
  const held = Array.from({ length: copies }, make);
  gc();
  gc();
  return (heap() - m0) / held.length;
}

async function anchors(issuer: ScaleIssuer, bytes: Uint8Array): Promise<void> {
  const fillers = await fillerAnchors(ANCHORS[ANCHORS.length - 1] - 1);
  const build = (n: number) => () => TrustStore.fromCertificates([issuer.iaca.der, ...fillers.slice(0, n - 1)], { set: 'scale', docTypes: [MNC_DOCTYPE] });
  const stores = ANCHORS.map((n) => build(n)());
  const copies = (n: number) => Math.ceil(ANCHORS_MEASURED / n);
  const samples = (n: number) => (copies(n) * n >= 10_000 ? 1 : 3);
  const memory = ANCHORS.map((n) => retainedBytes(build(n), copies(n), samples(n)));
  await perVerification(
    'trust anchors',
    ANCHORS.map((n, i) => ({ size: n.toLocaleString('en'), bytes, options: { trust: stores[i], at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT } })),
  );
  ANCHORS.forEach((n, i) => {
    const perAnchor = memory[i] / n;
    rows.push({
      dimension: 'trust anchors',
      size: n.toLocaleString('en'),
      metric: 'store memory (heap)',
      value: memory[i],
      unit: 'bytes',
      ratio: memory[i] / memory[0],
      beyond: perAnchor / memory[0],
      note: `${Math.round(perAnchor).toLocaleString('en')} B per anchor (${copies(n).toLocaleString('en')} ${copies(n) === 1 ? 'store' : 'stores'} held${samples(n) > 1 ? `, median of ${samples(n)}` : ''})`,
    });
  });
}

/** Load and refresh of one list size in child processes; returns nothing, records rows. */
function loads(dimension: string, kind: 'crl' | 'status_list', sizes: number[], make: (n: number, newer: boolean) => Uint8Array, response: Uint8Array, issuer: ScaleIssuer): void {
  const results: Record<'load' | 'refresh', { ms: number; bytes: number; peakBytes: number; blockMs: number; cpuBlockMs: number; flows: number }[]> = { load: [], refresh: [] };
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-scale-'));
    try {
      writeFileSync(join(dir, 'iaca.der'), issuer.iaca.der);
      writeFileSync(join(dir, 'response.cbor'), response);
      writeFileSync(join(dir, 'older.bin'), make(n, false));
      writeFileSync(join(dir, 'list.bin'), make(n, true));
      writeFileSync(join(dir, 'crl.bin'), largeCrl(issuer.iaca, 10, WINDOW));
      for (const mode of ['load', 'refresh'] as const) {
        const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', fileURLToPath(new URL('./scale-load.ts', import.meta.url)), kind, mode, dir], {
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`${dimension} ${n} ${mode}: ${child.stderr}`);
        results[mode].push(JSON.parse(child.stdout.trim().split('\n').pop()!));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const mode of ['load', 'refresh'] as const) {
    const r = results[mode];
    sizes.forEach((n, i) => {
      const size = n.toLocaleString('en');
      // What must grow with the list: its bytes for a CRL (about 40 per entry); for a status list its
      // entries, since it is deflated (a million unrevoked entries compress to a few hundred bytes
      // more than a thousand, so per compressed byte the inflate looked like runaway growth).
      const units = (k: number) => (kind === 'crl' ? r[k].bytes : sizes[k]);
      const perByte = (v: number, base: number) => v / units(i) / (base / units(0));
      rows.push({ dimension, size, metric: `${mode} time`, value: r[i].ms, unit: 'ms', ratio: r[i].ms / r[0].ms, beyond: perByte(r[i].ms, r[0].ms), note: `${byteSize(r[i].bytes)} list` });
      // The peak is the process's RSS growth while loading, which also holds the verifications running
      // meanwhile and the allocator's own steps: a few hundred kilobytes whatever the list. Set against a
      // list of a megabyte or more it says what the list costs; against a smaller one it is that noise,
      // and neither its multiple of the list nor its ratio to another such reading means anything.
      const meaningful = (k: number) => r[k].bytes >= PEAK_RESOLVES;
      rows.push({
        dimension,
        size,
        metric: `${mode} peak memory`,
        value: r[i].peakBytes / 2 ** 20,
        unit: 'MB',
        ratio: meaningful(i) && meaningful(0) ? r[i].peakBytes / r[0].peakBytes : NaN,
        note: meaningful(i)
          ? `${(r[i].peakBytes / r[i].bytes).toFixed(1)}x the list's size (limit 4x)`
          : `list ${byteSize(r[i].bytes)}: below ${byteSize(PEAK_RESOLVES)} the peak is the process's own noise, not the list`,
      });
      rows.push({
        dimension,
        size,
        metric: `${mode}: longest event-loop block`,
        value: r[i].cpuBlockMs,
        unit: 'ms',
        ratio: r[i].cpuBlockMs / Math.max(r[0].cpuBlockMs, 0.1),
        note: `limit 50 ms (CPU of this process in the gap); wall ${r[i].blockMs.toFixed(0)} ms; ${r[i].flows} verifications ran meanwhile`,
      });
      longestBlock = Math.max(longestBlock, r[i].cpuBlockMs);
      longestWall = Math.max(longestWall, r[i].blockMs);
    });
  }
}

async function crls(issuer: ScaleIssuer, trust: TrustStore): Promise<void> {
  const bytes = scaleResponse([await scaleMdoc(issuer)]);
  const cases = CRL_SIZES.map((n) => {
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    lists.accept({ url: issuer.crlUrl, kind: 'crl', issuer: issuer.iaca.der }, largeCrl(issuer.iaca, n, WINDOW), SCALE_AT);
    return { size: n.toLocaleString('en'), bytes, options: { trust, at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT, revocation: lists } };
  });
  await perVerification('CRL entries', cases);
  cases.length = 0;
  const make = (n: number, newer: boolean) =>
    largeCrl(issuer.iaca, n, { ...(newer ? { thisUpdate: new Date(SCALE_AT.getTime() + 3600_000), nextUpdate: WINDOW.nextUpdate } : WINDOW), crlNumber: newer ? 2 : 1 });
  loads('CRL entries', 'crl', CRL_SIZES, make, bytes, issuer);
}

async function statusLists(issuer: ScaleIssuer, trust: TrustStore): Promise<void> {
  if (fillerRevoked(GOOD_INDEX)) throw new Error('the index used is revoked in the filler');
  const bytes = scaleResponse([await scaleMdoc(issuer, { statusIndex: GOOD_INDEX })]);
  const crl = largeCrl(issuer.iaca, 10, WINDOW);
  const cases = LIST_SIZES.map((n) => {
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    lists.accept({ url: issuer.crlUrl, kind: 'crl', issuer: issuer.iaca.der }, crl, SCALE_AT);
    lists.accept({ url: issuer.statusListUrl, kind: 'status_list', anchor: issuer.iaca.der }, largeStatusList(issuer, n, { iat: WINDOW.thisUpdate }), SCALE_AT);
    return { size: n.toLocaleString('en'), bytes, options: { trust, at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT, revocation: lists } };
  });
  await perVerification('status list entries', cases);
  const iat = (newer: boolean) => (newer ? new Date(SCALE_AT.getTime() + 3600_000) : WINDOW.thisUpdate);
  loads('status list entries', 'status_list', LIST_SIZES, (n, newer) => largeStatusList(issuer, n, { iat: iat(newer) }), bytes, issuer);
  // The largest token accepted (MAX_LIST_BYTES, random bits that do not deflate): its signature check
  // hashes 10 MB, the most one load can ask of the main thread.
  const atLimit = (MAX_LIST_BYTES - 100_000) * 8;
  loads('status list at limit', 'status_list', [atLimit], (_n, newer) => statusListAtLimit(issuer, { iat: iat(newer) }), bytes, issuer);
}

async function documents(issuer: ScaleIssuer, trust: TrustStore): Promise<void> {
  const mdocs = await Promise.all(DOCS.map(() => scaleMdoc(issuer)));
  const options = { trust, at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT };
  let base = 0;
  await perVerification(
    'documents per response',
    DOCS.map((n) => ({
      size: String(n),
      bytes: scaleResponse(mdocs.slice(0, n)),
      options,
      intrinsic: (us: number) => {
        if (n === 1) base = us;
        return us / n / base;
      },
    })),
  );
}

async function portraits(issuer: ScaleIssuer, trust: TrustStore): Promise<void> {
  const responses = await Promise.all(PORTRAITS.map(async (size) => scaleResponse([await scaleMdoc(issuer, { portraitBytes: size })])));
  const hashUs = (await rates(responses.map((b) => () => createHash('sha256').update(b).digest()))).map((r) => 1e6 / r);
  const options = { trust, at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT };
  let base = 0;
  await perVerification(
    'response size',
    PORTRAITS.map((size, i) => ({
      size: size ? `${size / 1000} KB portrait` : 'no portrait',
      bytes: responses[i],
      options,
      // What hashing the extra bytes costs must grow; the rest must not.
      intrinsic: (us: number) => {
        if (i === 0) base = us;
        return (us - (hashUs[i] - hashUs[0])) / base;
      },
    })),
  );
  PORTRAITS.forEach((size, i) => {
    rows.push({
      dimension: 'response size',
      size: size ? `${size / 1000} KB portrait` : 'no portrait',
      metric: 'SHA-256 of the response',
      value: hashUs[i],
      unit: 'µs',
      ratio: hashUs[i] / hashUs[0],
      note: `${responses[i].length} bytes`,
    });
  });
}

/** A list smaller than this is within the noise of a load's RSS peak (see loads). */
const PEAK_RESOLVES = 2 ** 20;

/** Bytes as B, KB or MB, so that a 20 KB list does not read "0.0 MB". */
function byteSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 2 ** 20).toFixed(1)} MB`;
}

function print(): void {
  const fmt = (r: Row) =>
    r.unit === 'bytes' ? Math.round(r.value).toLocaleString('en') : r.unit === 'MB' && r.value < 0.1 ? '<0.1' : r.value < 10 ? r.value.toFixed(2) : r.value.toFixed(r.value < 100 ? 1 : 0);
  console.log(`${'dimension'.padEnd(22)} ${'size'.padEnd(16)} ${'metric'.padEnd(34)} ${'value'.padStart(12)}       ${'ratio'.padStart(8)} ${'beyond'.padStart(7)}  note`);
  for (const r of rows) {
    console.log(
      `${r.dimension.padEnd(22)} ${r.size.padEnd(16)} ${r.metric.padEnd(34)} ${fmt(r).padStart(12)} ${r.unit.padEnd(5)} ${(Number.isNaN(r.ratio) ? '-' : r.ratio.toFixed(2)).padStart(8)} ${(r.beyond === undefined ? '-' : r.beyond.toFixed(2)).padStart(7)}  ${r.note ?? ''}`,
    );
  }
}

console.log(
  `kakunin scale benchmark: node ${process.version}, ${SECONDS}s per per-verification measurement${QUICK ? ', QUICK sizes' : ''}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores: compare within this run`,
);
const issuer = await createScaleIssuer();
const trust = TrustStore.fromCertificates([issuer.iaca.der], { set: 'scale', docTypes: [MNC_DOCTYPE] });
await anchors(issuer, scaleResponse([await scaleMdoc(issuer)]));
await crls(issuer, trust);
await statusLists(issuer, trust);
await documents(issuer, trust);
await portraits(issuer, trust);
if (process.env.BENCH_PENDING !== '0') rows.push(...(await pendingRows(QUICK)));
print();
const worst = rows.filter((r) => r.beyond !== undefined).reduce((w, r) => (r.beyond! > w.beyond! ? r : w));
console.log('');
console.log(`worst: ${worst.dimension} ${worst.size} ${worst.metric}`);
console.log(
  `longest event-loop gap while loading (monitorEventLoopDelay, wall, includes the OS running others; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores): ${longestWall.toFixed(1)} ms`,
);
console.log(`longest event-loop block while loading: ${longestBlock.toFixed(1)} ms`);
console.log(`worst growth beyond the intrinsic: ${worst.beyond!.toFixed(2)}`);
