/**
 * The pending-verifications dimension of `npm run bench:scale`: a service process (bench/
 * scale-server.ts) holding 1,000, 100,000 and 1,000,000 unanswered verifications, in the memory
 * store and in Redis, and complete OpenID4VP flows against it at each level: the service's CPU per
 * flow, the p99 of a flow, and the bytes each pending verification takes (service heap, plus Redis
 * used_memory with Redis: both after a full collection, the delta over the records written, divided
 * by their number). The store is filled inside the service through its own API (bench/
 * scale-server.ts: one verification made by createVerification, the rest that record written again
 * with their own ids, nonces and URLs); flows go over HTTP on loopback as in `npm run bench:http`.
 * Redis records go under a prefix of this run's own, deleted at the end. BENCH_PENDING_MAX caps the
 * levels (default: all); BENCH_PENDING_STORES=memory (or redis) measures one store only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DemoWallet } from '../src/service/startup/demo-wallet.js';
import { benchServeArgs, flow as oneFlow } from './flow.js';

export interface ScaleRow {
  dimension: string;
  size: string;
  metric: string;
  value: number;
  unit: 'ms' | 'µs' | 'bytes' | 'MB';
  /** To the smallest size of the dimension; NaN where a reading is noise and a ratio would mean nothing (printed '-'). */
  ratio: number;
  beyond?: number;
  note?: string;
}

const FLOW_SECONDS = Number(process.env.BENCH_FLOW_SECONDS ?? 5);
const CONCURRENCY = 8;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = randomBytes(24).toString('base64url');
const PREFIX = `kakunin-scale-${randomBytes(4).toString('hex')}:`;

type Store = 'memory' | 'redis';

async function startServer(port: number, trustDir: string, store: Store): Promise<ChildProcess> {
  const args = [
    '--expose-gc',
    '--max-old-space-size=8192',
    '--import',
    'tsx',
    fileURLToPath(new URL('./scale-server.ts', import.meta.url)),
    ...benchServeArgs(port, trustDir, KEY),
    // Pending verifications must outlive the fill and the flows (an hour, the most allowed).
    '--pending-ttl',
    '3600',
    ...(store === 'redis' ? ['--redis-url', REDIS_URL, '--redis-prefix', PREFIX] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, REDIS_URL: '', KAKUNIN_STORE_KEY: randomBytes(32).toString('base64url') } });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return child;
}

function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: Record<string, unknown>) => {
      if ('error' in m) {
        child.off('message', on);
        reject(new Error(String(m.error)));
      } else if (key in m) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}
const cpuOf = async (c: ChildProcess) => {
  const u = await ask<NodeJS.CpuUsage>(c, { op: 'cpu' }, 'user');
  return u.user + u.system;
};
const heapOf = async (c: ChildProcess) => (await ask<{ heap: number }>(c, { op: 'heap' }, 'heap')).heap;
const delayOf = async (c: ChildProcess) => (await ask<{ delayMs: number }>(c, { op: 'delay' }, 'delayMs')).delayMs;

async function redisMemory(store: Store): Promise<number> {
  if (store !== 'redis') return 0;
  const redis = new Redis(REDIS_URL);
  const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  redis.disconnect();
  return used;
}

/** Deletes what this run wrote to the shared Redis (its own prefix only). */
async function cleanRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

const flow = (base: string, wallet: DemoWallet) => oneFlow(base, wallet, KEY);

async function timedFlows(base: string, wallet: DemoWallet): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + FLOW_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await flow(base, wallet);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies.sort((x, y) => x - y);
}

export async function pendingRows(quick: boolean): Promise<ScaleRow[]> {
  const levels = quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000];
  const max = Number(process.env.BENCH_PENDING_MAX ?? Infinity);
  const wallet = await DemoWallet.create(new Date());
  const trustDir = mkdtempSync(join(tmpdir(), 'kakunin-scale-trust-'));
  mkdirSync(join(trustDir, 'bench'));
  writeFileSync(join(trustDir, 'bench', 'iaca.pem'), wallet.iaca.pem);
  writeFileSync(join(trustDir, 'bench', 'iaca.json'), JSON.stringify({ name: 'bench sandbox IACA', docTypes: ['org.iso.23220.1.jp.mnc'] }));
  const rows: ScaleRow[] = [];
  const skipped: string[] = [];
  try {
    const stores = (['memory', 'redis'] as Store[]).filter((s) => (process.env.BENCH_PENDING_STORES ?? 'memory,redis').split(',').includes(s));
    for (const [i, store] of stores.entries()) {
      const child = await startServer(18_760 + i, trustDir, store);
      const base = `http://127.0.0.1:${18_760 + i}`;
      const measured: { n: number; cpuMs: number; p99: number; bytesEach: number; fillMs: number; delayMs: number }[] = [];
      try {
        for (let w = 0; w < 20; w++) await flow(base, wallet);
        let held = 0;
        for (const n of levels) {
          if (n > max) {
            skipped.push(`${store} ${n.toLocaleString('en')}`);
            continue;
          }
          const before = (await heapOf(child)) + (await redisMemory(store));
          const { ms: fillMs } = await ask<{ ms: number }>(child, { op: 'fill', count: n - held }, 'filled');
          const after = (await heapOf(child)) + (await redisMemory(store));
          await ask<{ checked: number }>(child, { op: 'check' }, 'checked');
          const bytesEach = (after - before) / (n - held);
          held = n;
          await delayOf(child);
          const cpu0 = await cpuOf(child);
          const latencies = await timedFlows(base, wallet);
          const cpuMs = ((await cpuOf(child)) - cpu0) / 1000 / latencies.length;
          const delayMs = await delayOf(child);
          const p99 = latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))];
          measured.push({ n, cpuMs, p99, bytesEach, fillMs, delayMs });
          console.error(
            `pending ${store} ${n}: filled in ${(fillMs / 1000).toFixed(1)} s, ${Math.round(bytesEach)} B each, CPU/flow ${cpuMs.toFixed(2)} ms, p99 ${p99.toFixed(1)} ms (${latencies.length} flows), longest event-loop delay ${delayMs.toFixed(0)} ms`,
          );
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
        if (store === 'redis') await cleanRedis();
      }
      const dimension = `pending (${store === 'memory' ? 'memory store' : 'Redis'})`;
      for (const m of measured) {
        const size = m.n.toLocaleString('en');
        const b = measured[0];
        rows.push({ dimension, size, metric: 'service CPU per flow', value: m.cpuMs, unit: 'ms', ratio: m.cpuMs / b.cpuMs, beyond: m.cpuMs / b.cpuMs });
        rows.push({
          dimension,
          size,
          metric: 'p99 of a flow',
          value: m.p99,
          unit: 'ms',
          ratio: m.p99 / b.p99,
          beyond: m.p99 / b.p99,
          note: `${CONCURRENCY} flows at a time; service's longest event-loop delay meanwhile ${m.delayMs.toFixed(0)} ms`,
        });
        rows.push({
          dimension,
          size,
          metric: 'bytes per pending verification',
          value: m.bytesEach,
          unit: 'bytes',
          ratio: m.bytesEach / b.bytesEach,
          beyond: m.bytesEach / b.bytesEach,
          note: `${store === 'redis' ? 'heap + Redis used_memory' : 'heap'}; filled in ${(m.fillMs / 1000).toFixed(1)} s`,
        });
      }
    }
  } finally {
    rmSync(trustDir, { recursive: true, force: true });
  }
  if (skipped.length) console.log(`pending verifications not measured (BENCH_PENDING_MAX=${max}): ${skipped.join(', ')}`);
  return rows;
}
