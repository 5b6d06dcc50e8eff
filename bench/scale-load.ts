/**
 * One load of a CRL or status list by the service's revocation machinery (ServiceRevocation: the
 * refresher, RevocationLists, the on-disk cache of last good copies), in a process of its own so
 * that its peak memory is its own. Run by bench/scale.bench.ts:
 *
 *   node --expose-gc --import tsx bench/scale-load.ts <crl|status_list> <load|refresh> <dir>
 *
 * <dir> holds iaca.der, response.cbor (a small response whose document names the list), list.bin
 * (the copy to load), older.bin (the copy held before, for `refresh`) and, with a status list, crl.bin
 * (the IACA's CRL, which the service also loads). While the copy loads,
 * a verification of response.cbor runs every 2 ms (the service answering wallets) and
 * perf_hooks.monitorEventLoopDelay records how long the event loop was held (wall time, which on a
 * loaded machine includes time the OS ran other processes), and the CPU the main thread used within
 * the longest gap (its own work). Prints one JSON line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { verifyDeviceResponse } from '../src/mdoc/verify.js';
import { createLogger } from '../src/service/observability/logger.js';
import { Metrics } from '../src/service/observability/metrics.js';
import { ServiceRevocation } from '../src/service/startup/revocation.js';
import { TrustStore } from '../src/trust/store.js';
import { MNC_DOCTYPE } from '../src/sandbox/index.js';
import { SCALE_AT, SCALE_TRANSCRIPT } from './scale-fixtures.js';

const [kind, mode, dir] = process.argv.slice(2) as ['crl' | 'status_list', 'load' | 'refresh', string];
const iaca = new Uint8Array(readFileSync(join(dir, 'iaca.der')));
const response = new Uint8Array(readFileSync(join(dir, 'response.cbor')));
const url = kind === 'crl' ? 'https://crl.scale.invalid/iaca.crl' : 'https://status.scale.invalid/list/1';
const trust = TrustStore.fromCertificates([iaca], { set: 'scale', docTypes: [MNC_DOCTYPE] });
const cacheDir = mkdtempSync(join(tmpdir(), 'kakunin-scale-cache-'));

let file = mode === 'refresh' ? 'older.bin' : 'list.bin';
// The copy measured is current two hours on; a refresh first loads the older copy two hours before
// (refreshed hourly, it is then due).
const LATER = new Date(SCALE_AT.getTime() + 2 * 3600_000);
let now = mode === 'refresh' ? SCALE_AT : LATER;
const revocation = new ServiceRevocation({
  mode: 'fail',
  trust,
  logger: createLogger('error'),
  now: () => now,
  metrics: new Metrics(),
  cacheDir,
  intervalSeconds: 3600,
  allowPrivate: false,
  // The bytes arrive as a fetch would deliver them: read when asked for, held by the caller.
  // With a status list, the IACA's own (small) CRL is crl.bin.
  // Read without blocking, as bytes arriving from the network would be.
  fetch: async (u) => {
    const b = await readFile(join(dir, u === url ? file : 'crl.bin'));
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  },
});
revocation.lists.want(kind === 'crl' ? { url, kind, issuer: iaca } : { url, kind, anchor: iaca });

if (mode === 'refresh') {
  const first = await revocation.refresher.refreshOnce();
  if (!first.every((r) => r.ok)) throw new Error(`first load failed: ${JSON.stringify(first)}`);
  file = 'list.bin';
  now = LATER;
}

/** CPU time of this (the main) thread, ms: Linux's schedstat, precise to the nanosecond; elsewhere
 * the process's, which also counts the thread pool and GC helpers. */
function cpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

const verify = () => verifyDeviceResponse(response, { trust, at: now, sessionTranscript: SCALE_TRANSCRIPT, revocation: revocation.lists });
for (let i = 0; i < 50; i++) verify(); // warm
globalThis.gc?.();
const before = process.memoryUsage.rss();
const rssBefore = process.resourceUsage().maxRSS * 1024;
let peak = before;
let flows = 0;
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
// On a shared machine a gap between two ticks is also time the OS gave other processes. The CPU the
// main thread used within the gap is the part that is its own work holding the loop: both are reported.
let lastWall = performance.now();
let lastCpu = cpuMs();
let cpuBlock = 0;
const ticker = setInterval(() => {
  const wall = performance.now();
  const cpu = cpuMs();
  cpuBlock = Math.max(cpuBlock, Math.min(wall - lastWall, cpu - lastCpu));
  verify();
  flows++;
  peak = Math.max(peak, process.memoryUsage.rss());
  lastWall = performance.now();
  lastCpu = cpuMs();
}, 2);
const start = performance.now();
const results = await revocation.refresher.refreshOnce();
const ms = performance.now() - start;
clearInterval(ticker);
histogram.disable();
if (!results.every((r) => r.ok)) throw new Error(`load failed: ${JSON.stringify(results)}`);
// After the load, the copy answers: the response's document is good in it.
const after = verify();
if (!after.valid) throw new Error(`verification after the load failed: ${JSON.stringify(after.errors)}`);
const maxRss = process.resourceUsage().maxRSS * 1024;
rmSync(cacheDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    ms,
    bytes: readFileSync(join(dir, 'list.bin')).length,
    // Sampled during the load (every 2 ms) and the process's own high-water mark, whichever is higher.
    peakBytes: Math.max(peak, maxRss > rssBefore ? maxRss : 0) - before,
    blockMs: histogram.max / 1e6,
    cpuBlockMs: cpuBlock,
    flows,
  }),
);
process.exit(0);
