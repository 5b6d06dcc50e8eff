/**
 * `npm run bench:http-parts`: where a flow's service CPU goes, request by request. One service
 * process per build (bench/http-server.mjs from dist/, memory store, the flags of bench:http) gets
 * BENCH_N requests of one kind at a time, BENCH_CONNECTIONS at once, and its own CPU time (user +
 * system, all threads, asked over IPC) before and after each kind gives the CPU per request:
 *   create         POST /v1/verifications (the merchant's backend, a kept-alive connection)
 *   request object POST request_uri with a wallet_nonce (the wallet, a connection of its own)
 *   answer         POST response_uri, direct_post.jwt (the wallet, a connection of its own); also
 *                  printed less one core verification, measured in the same process
 *   result read    GET /v1/verifications/{id} (kept alive)
 *   connection     GET /healthz over a new connection less GET /healthz kept alive: what a
 *                  connection of its own adds to a request (accept, the socket, its close)
 *   flow           the four in a row, as bench:http runs them (bench/flow.ts)
 * The wallet's own work (checking the request object, building and encrypting the DeviceResponse)
 * runs in this process between the requests, never inside a measured span of the service's CPU.
 *
 * BENCH_SERVERS compares builds in one run: `label=path/to/http-server.mjs,...` (a copy of this
 * script's http-server.mjs in another checkout, with its own dist/). The builds take turns kind by
 * kind in every round (BENCH_ROUNDS), so a change in machine load touches them alike; the table
 * gives each build's CPU per request over all rounds, the lowest and highest round, and the median
 * of the rounds' ratios. BENCH_WARMUP flows (200) run first against each service.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerOpenID4VPRedirect, requestUriInit } from '../src/sandbox/wallet-openid4vp.js';
import { DemoWallet } from '../src/service/startup/demo-wallet.js';
import { ownConnectionFetch } from '../src/service/startup/own-connection-fetch.js';
import { benchServeArgs, coreCpuOf, coreDocument, cpuOf, flow, HTTP_SERVER, startService } from './flow.js';

const N = Number(process.env.BENCH_N ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const KEY = 'bench-api-key-0123456789-QwErTyUiO';
const SERVERS = (process.env.BENCH_SERVERS ?? `this=${HTTP_SERVER}`).split(',').map((s) => {
  const at = s.indexOf('=');
  return { label: s.slice(0, at), script: s.slice(at + 1) };
});

const KINDS = ['create', 'request object', 'answer', 'result read', 'healthz kept alive', 'healthz own connection', 'flow'] as const;
type Kind = (typeof KINDS)[number];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** `count` calls of `one`, CONCURRENCY at a time. */
async function many<T>(count: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) out[i] = await one(i);
    }),
  );
  return out;
}

const ok = async (r: Response, status: number, what: string): Promise<Response> => {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${await r.text()}`);
  return r;
};

/** The service's CPU (µs) while `work` runs. */
async function measured(child: ChildProcess, work: () => Promise<unknown>): Promise<number> {
  const before = await cpuOf(child);
  await work();
  return (await cpuOf(child)) - before;
}

/**
 * One round's work against one service: a function per kind, N requests each, to be run in KINDS'
 * order (the request objects are those of the verifications created before, the answers theirs).
 */
function phases(base: string, wallet: DemoWallet): Record<Kind, () => Promise<unknown>> {
  let created: { id: string; qr: { uri: string } }[] = [];
  let answers: { responseUri: string; body: string }[] = [];
  return {
    create: async () => {
      created = await many(N, async () => {
        const r = await ok(
          await fetch(`${base}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: '{"purpose":"age_over"}' }),
          201,
          'create',
        );
        return (await r.json()) as { id: string; qr: { uri: string } };
      });
    },
    // The wallet fetches each request object (over a connection of its own, as DemoWallet.answerQr)
    // and builds its answer; only the fetch is the service's work.
    'request object': async () => {
      answers = await many(N, (i) =>
        answerOpenID4VPRedirect(wallet.wallet, created[i].qr.uri, async (uri, walletNonce) => (await ok(await ownConnectionFetch(uri, requestUriInit(walletNonce)), 200, 'request object')).text()),
      );
    },
    answer: () =>
      many(N, async (i) => {
        const r = await ownConnectionFetch(answers[i].responseUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answers[i].body });
        await ok(r, 200, 'answer');
      }),
    'result read': () =>
      many(N, async (i) => {
        const view = (await (await ok(await fetch(`${base}/v1/verifications/${created[i].id}`), 200, 'result')).json()) as { state: string };
        if (view.state !== 'verified') throw new Error(`result: ${view.state}`);
      }),
    'healthz kept alive': () => many(N, async () => (await ok(await fetch(`${base}/healthz`), 200, 'healthz')).arrayBuffer()),
    'healthz own connection': () => many(N, async () => (await ok(await ownConnectionFetch(`${base}/healthz`), 200, 'healthz')).arrayBuffer()),
    flow: () => many(N, () => flow(base, wallet, KEY)),
  };
}

const wallet = await DemoWallet.create(new Date());
const trustDir = mkdtempSync(join(tmpdir(), 'kakunin-bench-'));
mkdirSync(join(trustDir, 'bench'));
writeFileSync(join(trustDir, 'bench', 'iaca.pem'), wallet.iaca.pem);
writeFileSync(join(trustDir, 'bench', 'iaca.json'), JSON.stringify({ name: 'bench sandbox IACA', docTypes: ['org.iso.23220.1.jp.mnc'] }));

const services = await Promise.all(
  SERVERS.map(async (s, i) => {
    const port = 18_720 + i;
    const child = await startService({
      args: [s.script, ...benchServeArgs(port, trustDir, KEY)],
      env: { KAKUNIN_STORE_KEY: randomBytes(32).toString('base64url') },
      ...(process.env.BENCH_CPU_PROF ? { profileDir: process.env.BENCH_CPU_PROF } : {}),
    });
    return { ...s, child, base: `http://127.0.0.1:${port}`, rounds: [] as Record<Kind, number>[] };
  }),
);
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`${N} requests of each kind per round, ${CONCURRENCY} at once, ${ROUNDS} rounds; builds take turns: ${services.map((s) => s.label).join(', ')}`);
try {
  // Warm-up: the figures are a running service's, after V8 has compiled its code (the core
  // verification it is divided by is measured warm too).
  for (const s of services) for (let i = 0; i < WARMUP; i++) await flow(s.base, wallet, KEY);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...services].reverse() : services;
    const work = new Map(order.map((s) => [s, phases(s.base, wallet)]));
    const cpu = new Map(order.map((s) => [s, {} as Record<Kind, number>]));
    // Kind by kind, the builds one after the other: a change of load hits both of a pair alike.
    for (const kind of KINDS) for (const s of order) cpu.get(s)![kind] = await measured(s.child, work.get(s)![kind]);
    for (const s of services) s.rounds.push(cpu.get(s)!);
  }
  const doc = coreDocument(wallet);
  const core = new Map<string, number>();
  for (const s of services) core.set(s.label, (await coreCpuOf(s.child, doc)).cpuMs);
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const ms = (s: (typeof services)[number], k: Kind) => s.rounds.reduce((a, r) => a + r[k], 0) / 1000 / (N * s.rounds.length);
  const range = (s: (typeof services)[number], k: Kind) => {
    const each = s.rounds.map((r) => r[k] / 1000 / N);
    return `${Math.min(...each).toFixed(3)}-${Math.max(...each).toFixed(3)}`;
  };
  const cell = (v: number) => v.toFixed(3).padStart(8);
  const rows: [string, (s: (typeof services)[number]) => number, Kind | undefined][] = [
    ...KINDS.map((k) => [k, (s: (typeof services)[number]) => ms(s, k), k] as [string, (s: (typeof services)[number]) => number, Kind]),
    ['answer less core verification', (s) => ms(s, 'answer') - core.get(s.label)!, undefined],
    ['connection of its own (own - kept alive)', (s) => ms(s, 'healthz own connection') - ms(s, 'healthz kept alive'), undefined],
    ['sum of the four requests', (s) => ms(s, 'create') + ms(s, 'request object') + ms(s, 'answer') + ms(s, 'result read'), undefined],
    ['core verification', (s) => core.get(s.label)!, undefined],
    ['flow / core verification', (s) => ms(s, 'flow') / core.get(s.label)!, undefined],
  ];
  console.log(`\nservice CPU per request, ms (all rounds; lowest-highest round)`);
  const pair = `${services.at(-1)!.label}/${services[0].label}`;
  console.log(`${'kind'.padEnd(42)}${services.map((s) => s.label.padStart(10).padEnd(28)).join('')}${services.length > 1 ? `${pair.padEnd(8)}median of the rounds' ${pair}` : ''}`);
  for (const [name, value, kind] of rows) {
    const cells = services.map((s) => `${cell(value(s))}${kind ? ` (${range(s, kind)})` : ''}`.padEnd(28)).join('');
    const ratio = services.length > 1 ? (value(services.at(-1)!) / value(services[0])).toFixed(2) : '';
    // Each round's ratio of the two builds (run one after the other) and their median: a change in
    // load between rounds moves both builds of a round alike.
    const perRound = services.length > 1 && kind ? median(services[0].rounds.map((r, i) => services.at(-1)!.rounds[i][kind] / r[kind])).toFixed(2) : '';
    console.log(`${name.padEnd(42)}${cells}${ratio.padEnd(8)}${perRound}`);
  }
} finally {
  for (const s of services) s.child.kill('SIGTERM');
}
process.exit(0);
