/**
 * `npm run bench:http`: complete OpenID4VP flows against one service process on loopback, with
 * the memory store, the Redis store and a Redis Cluster (3 masters, 3 replicas, started here from
 * redis-server); then 1, 2 and 4 instances on one Redis (each pinned to a core with taskset where
 * there is one, the flows spread over them round robin). One flow = create (POST /v1/verifications), fetch the
 * signed request (GET request_uri), post the encrypted DeviceResponse (direct_post.jwt), read the
 * result (GET /v1/verifications/{id}). The wallet side (DeviceResponse, JWE) runs in this process,
 * the service in a child process, so each has a core of the two.
 *
 * Prints flows/s, p50 and p99 flow latency, and the service process's own CPU time (user + system,
 * from process.cpuUsage() in the child) per timed flow, against the CPU time of one core
 * verification of the same kind of DeviceResponse measured in that same process after its flows
 * (bench/http-server.mjs): the issue's goal is at most 6.
 * The last line is the memory store's `ratio server CPU per flow / core verification: N`.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { verifyDeviceResponse } from '../src/mdoc/index.js';
import { DemoWallet } from '../src/service/startup/demo-wallet.js';
import { TrustStore } from '../src/trust/index.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { benchServeArgs, coreCpuOf, coreDocument, cpuOf, flow as oneFlow, HTTP_SERVER, startService } from './flow.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 8);
// Flows before the timed ones. V8 is still compiling the service's code for the first few hundred
// (docs/performance.md); 20 is what every figure so far used.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'bench-api-key-0123456789-QwErTyUiO';
const STORE_KEY = randomBytes(32).toString('base64url');
const PREFIX = `kakunin-bench-${randomBytes(4).toString('hex')}:`;
const TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

type Store = { kind: 'memory' } | { kind: 'redis'; url: string; cluster?: boolean };

function startServer(port: number, trustDir: string, store: Store, cpu?: number): Promise<ChildProcess> {
  // The service runs from dist/ (the script builds it first), as `npm start` and the image run it.
  // Redis values are sealed (KAKUNIN_STORE_KEY, required by serve with Redis, the same for every
  // instance): the figures include it. `taskset -c N` pins an instance to core N where it exists.
  return startService({
    args: [HTTP_SERVER, ...benchServeArgs(port, trustDir, KEY), ...(store.kind === 'redis' ? ['--redis-url', store.url, '--redis-prefix', PREFIX, ...(store.cluster ? ['--redis-cluster'] : [])] : [])],
    env: { KAKUNIN_STORE_KEY: STORE_KEY },
    ...(cpu !== undefined && TASKSET ? { cpu } : {}),
    ...(process.env.BENCH_CPU_PROF ? { profileDir: process.env.BENCH_CPU_PROF } : {}),
  });
}

const flow = (base: string, wallet: DemoWallet) => oneFlow(base, wallet, KEY);

/** The child's heap after a full collection, in bytes. */
function heapOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { heap: number }).heap));
    child.send('heap');
  });
}

/** used_memory of the Redis server, or of every master of a cluster (its replicas hold copies). */
async function redisMemory(store: Store): Promise<number> {
  if (store.kind !== 'redis') return 0;
  const urls = store.cluster ? await clusterMasters(store.url) : [store.url];
  let total = 0;
  for (const url of urls) {
    const redis = new Redis(url);
    total += Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    redis.disconnect();
  }
  return total;
}

async function clusterMasters(seeds: string): Promise<string[]> {
  const redis = new Redis(seeds.split(',')[0]);
  const nodes = String(await redis.call('CLUSTER', 'NODES'));
  redis.disconnect();
  return nodes
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2].includes('master'))
    .map((f) => `redis://${f[1].split('@')[0]}`);
}

/**
 * Bytes per kept result (the timed flows' results, all still within their TTL) and per pending
 * verification (PENDING more, created and left unanswered): the service's heap, and with Redis what
 * Redis holds (sealed sessions, tombstones, aliases, request states).
 */
async function memory(label: string, base: string, child: ChildProcess, store: Store, before: { heap: number; redis: number }, flows: number): Promise<void> {
  const afterFlows = { heap: await heapOf(child), redis: await redisMemory(store) };
  const PENDING = 2000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < PENDING) {
        const r = await fetch(`${base}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: '{"purpose":"age_over"}' });
        if (r.status !== 201) throw new Error(`create: ${r.status}`);
        await r.body?.cancel();
      }
    }),
  );
  const afterPending = { heap: await heapOf(child), redis: await redisMemory(store) };
  const perResult = (afterFlows.heap - before.heap + afterFlows.redis - before.redis) / flows;
  const perPending = (afterPending.heap - afterFlows.heap + afterPending.redis - afterFlows.redis) / PENDING;
  const where = store.kind === 'redis' ? `service heap + Redis used_memory${store.cluster ? ' of the masters' : ''}` : 'service heap';
  console.log(`${label.padEnd(14)} bytes per kept result: ${Math.round(perResult)}   per pending verification: ${Math.round(perPending)} (${where})`);
  console.log(`${''.padEnd(14)} 100,000 pending verifications: ${((perPending * 100_000) / 2 ** 20).toFixed(0)} MiB`);
}

/** Timed flows for SECONDS, CONCURRENCY at a time, spread round robin over `bases`. */
async function timedFlows(bases: string[], wallet: DemoWallet): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let turn = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await flow(bases[turn++ % bases.length], wallet);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((x, y) => x - y);
}

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);

async function run(label: string, base: string, wallet: DemoWallet, child: ChildProcess, store: Store): Promise<{ rate: number; cpuMsPerFlow: number }> {
  for (let i = 0; i < WARMUP; i++) await flow(base, wallet); // warm-up
  const before = { heap: await heapOf(child), redis: await redisMemory(store) };
  const cpuBefore = await cpuOf(child);
  const latencies = await timedFlows([base], wallet);
  const cpuMsPerFlow = ((await cpuOf(child)) - cpuBefore) / 1000 / latencies.length;
  const rate = latencies.length / SECONDS;
  console.log(
    `${label.padEnd(14)} flows/s: ${rate.toFixed(1).padStart(7)}   p50: ${quantile(latencies, 0.5)} ms   p99: ${quantile(latencies, 0.99)} ms   (${latencies.length} flows, ${CONCURRENCY} concurrent)`,
  );
  console.log(`${''.padEnd(14)} server CPU per flow: ${cpuMsPerFlow.toFixed(2)} ms`);
  await memory(label, base, child, store, before, latencies.length);
  return { rate, cpuMsPerFlow };
}

/** 1, 2 and 4 instances on one Redis, each pinned to a core (round robin over the cores) where taskset exists. */
async function scaling(wallet: DemoWallet, trustDir: string): Promise<void> {
  const cores = availableParallelism();
  for (const n of [1, 2, 4]) {
    const ports = Array.from({ length: n }, (_, i) => 18_710 + i);
    const children = await Promise.all(ports.map((port, i) => startServer(port, trustDir, { kind: 'redis', url: REDIS_URL }, i % cores)));
    try {
      const bases = ports.map((p) => `http://127.0.0.1:${p}`);
      for (let i = 0; i < 20; i++) await flow(bases[i % n], wallet);
      const latencies = await timedFlows(bases, wallet);
      console.log(
        `${`${n} instance${n > 1 ? 's' : ''}`.padEnd(14)} flows/s: ${(latencies.length / SECONDS).toFixed(1).padStart(7)}   p50: ${quantile(latencies, 0.5)} ms   p99: ${quantile(latencies, 0.99)} ms`,
      );
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r)))));
    }
  }
  console.log(`${''.padEnd(14)} (${cores} cores${TASKSET ? ', instances pinned with taskset' : ', taskset missing: not pinned'}; the wallet side runs in this process on the same cores)`);
}

/** How the denominator was measured before 2026-12-06, printed for comparison only: wall time, in
 * this process (TypeScript through tsx), which on a loaded machine runs ahead of CPU time. */
function benchProcessWallMs(doc: ReturnType<typeof coreDocument>): number {
  const trust = TrustStore.fromCertificates([doc.iaca], { set: 'bench', docTypes: doc.docTypes });
  const at = new Date();
  let n = 0;
  const end = performance.now() + 3000;
  while (performance.now() < end) {
    if (!verifyDeviceResponse(doc.response, { trust, at, sessionTranscript: doc.sessionTranscript }).valid) throw new Error('core verification failed');
    n++;
  }
  return 3000 / n;
}

const wallet = await DemoWallet.create(new Date());
const trustDir = mkdtempSync(join(tmpdir(), 'kakunin-bench-'));
mkdirSync(join(trustDir, 'bench'));
writeFileSync(join(trustDir, 'bench', 'iaca.pem'), wallet.iaca.pem);
// The demo's document is a My Number Card, which only an anchor that lists its docType may sign.
writeFileSync(join(trustDir, 'bench', 'iaca.json'), JSON.stringify({ name: 'bench sandbox IACA', docTypes: ['org.iso.23220.1.jp.mnc'] }));
const doc = coreDocument(wallet);
console.log(`core verifyDeviceResponse in this bench process, wall clock (the denominator before 2026-12-06, for comparison): ${benchProcessWallMs(doc).toFixed(3)} ms each`);
console.log('one flow = 4 HTTP requests: create, the wallet fetches the signed request, posts its encrypted answer, the result is read');
console.log('service: kakunin serve on 127.0.0.1, revocation off (the sandbox IACA has no CRL), rate limits off; wallet in this process');
let memoryRatio = NaN;
const cluster = process.env.BENCH_CLUSTER === '0' ? undefined : await startRedisCluster();
const stores: [string, Store][] = [
  ['memory store', { kind: 'memory' }],
  ['redis store', { kind: 'redis', url: REDIS_URL }],
  ...(cluster ? ([['redis cluster', { kind: 'redis', url: cluster.url, cluster: true }]] as [string, Store][]) : []),
];
try {
  for (const [i, [label, store]] of stores.entries()) {
    const port = 18_700 + i;
    const child = await startServer(port, trustDir, store);
    try {
      const { cpuMsPerFlow } = await run(label, `http://127.0.0.1:${port}`, wallet, child, store);
      const core = await coreCpuOf(child, doc);
      console.log(
        `${''.padEnd(14)} core verification in the service process: ${core.cpuMs.toFixed(3)} ms of CPU (${core.verifications} runs)   server CPU per flow / core verification: ${(cpuMsPerFlow / core.cpuMs).toFixed(1)}`,
      );
      if (store.kind === 'memory') memoryRatio = cpuMsPerFlow / core.cpuMs;
    } finally {
      child.kill('SIGTERM');
    }
  }
  if (process.env.BENCH_SCALING !== '0') await scaling(wallet, trustDir);
} finally {
  await cluster?.stop();
}
console.log(`ratio server CPU per flow / core verification: ${memoryRatio.toFixed(1)}`);
process.exit(0);
