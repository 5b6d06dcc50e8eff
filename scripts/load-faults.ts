/**
 * npm run load:faults -- [--seconds 60] [--workers 8] [--redis-server /usr/bin/redis-server]
 *
 * Two kakunin instances on one Redis under a sustained load of complete OpenID4VP flows (create ->
 * the sandbox wallet fetches the signed request and posts its encrypted answer -> the result and
 * receipt are read), on loopback only, while faults happen:
 *   - at 20% of the run one instance is killed (SIGKILL) mid-flow, and restarted 5 s later;
 *   - at 40% Redis is restarted (SIGTERM, started again with the same data directory);
 *   - at 60% Redis is unreachable for 10 s (a TCP proxy in front of it refuses and drops connections).
 * Redis here is a private redis-server on a free port with an append-only file (as production
 * should run it), never the machine's main Redis. Clients behave as a browser, a wallet and a
 * load balancer would: a refused connection goes to the other instance; 503 is retried after
 * Retry-After; a wallet re-sends its answer when the first POST got no reply.
 *
 * One flow in ten is a decline instead: the wallet fetches the request object (POST with wallet_nonce)
 * and answers with an OpenID4VP error response carrying its state; it must end `declined`, once, with
 * its webhook, through the same faults.
 *
 * Every verification has a webhook, to a receiver in this script that answers one delivery in ten
 * with 503 (retried). Deliveries go through the Redis queue, across the kill and the outages.
 *
 * Reported: flows completed and failed (failures by code; any 5xx but 503 fails the run), 503s seen, and two invariants:
 * no verification silently lost (a wallet answer accepted with 200, or a 409 after a lost reply,
 * always ends as a final result) and none given two results (every read of a finished
 * verification returns the same receipt). Webhooks: every verified flow's event delivered at least
 * once, never under two event ids; deliveries sent more than once are counted. After the faults, a last batch must all complete:
 * the service recovered by itself. Exit code 0 when all invariants hold.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { newKeyPair } from '../src/cose/key-pair.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDocumentSigner, createIaca, issueMdoc, MNC_DOCTYPE, createMyNumberCardElements } from '../src/sandbox/index.js';
import { answerOpenID4VPRedirect, requestUriInit } from '../src/sandbox/wallet-openid4vp.js';
import { SandboxWallet } from '../src/sandbox/wallet.js';
import { freePort } from '../test/service/helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const API_KEY = 'load-test-key-0123456789abcdef-QwE';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SECONDS = Number(flag('seconds', '60'));
const WORKERS = Number(flag('workers', '8'));
const REDIS_SERVER = flag('redis-server', 'redis-server');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
let t0 = performance.now();

// --- Redis (private) and the TCP proxy in front of it --------------------------------------------
class PrivateRedis {
  proc?: ChildProcess;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  async start(): Promise<void> {
    this.proc = spawn(
      REDIS_SERVER,
      ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--logfile', join(this.dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      await sleep(50);
    }
    throw new Error('private redis-server did not start');
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Forwards 127.0.0.1:port to Redis; `cut(ms)` drops every connection and refuses new ones for ms. */
class RedisProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    readonly target: number,
  ) {}
  listen(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = () => (client.destroy(), upstream.destroy(), this.sockets.delete(client), this.sockets.delete(upstream));
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    return new Promise((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
  }
  async cut(ms: number): Promise<void> {
    // close() waits for open connections: destroy them, then wait.
    const closed = new Promise<void>((r) => this.server!.close(() => r()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
    await sleep(ms);
    await this.listen();
  }
  close(): Promise<void> {
    const closed = new Promise<void>((r) => (this.server?.listening ? this.server.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    return closed;
  }
}

// --- service instances --------------------------------------------------------------------------
class Instance {
  proc?: ChildProcess;
  constructor(
    readonly name: string,
    readonly port: number,
    readonly env: Record<string, string>,
  ) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }
  async start(): Promise<void> {
    this.proc = fork(join(ROOT, 'scripts', 'load-instance.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      this.proc!.once('message', () => resolve());
      this.proc!.once('exit', (code) => reject(new Error(`${this.name} exited with ${code} at start`)));
    });
  }
  kill(): void {
    this.proc?.kill('SIGKILL');
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || !this.alive) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
  }
}

// --- the client side: load balancer, wallet, merchant --------------------------------------------
const stats = {
  flows: 0,
  completed: 0,
  failed: new Map<string, number>(),
  /** Decline flows that ended declined. */
  declined: 0,
  status503: 0,
  retryAfterMissing: 0,
  connectionRetries: 0,
  /** Wallet answers whose POST was sent again (no reply, or 503) and then got 200 / 409. */
  answersResent: { finished: 0, alreadyAnswered: 0 },
  lost: [] as string[],
  doubled: [] as string[],
  noCode: [] as string[],
  /** 5xx other than 503: a bug, even with a code (INTERNAL says only that something broke). */
  internal: [] as string[],
};
const fail = (code: string) => stats.failed.set(code, (stats.failed.get(code) ?? 0) + 1);

let instances: Instance[] = [];
let publicUrl = '';
let rr = 0;

/** A load balancer in front of both instances: round robin over live ones, a refused or reset
 * connection is retried on the other, 503 is retried after Retry-After (at most 45 s in all). */
async function lb(url: string, init: RequestInit = {}, trace?: { resent: number }): Promise<Response> {
  const deadline = performance.now() + 45_000;
  for (let attempt = 0; ; attempt++) {
    const inst = instances[rr++ % instances.length];
    const target = url.replace(publicUrl, inst.url);
    let res: Response;
    try {
      res = await fetch(target, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch {
      stats.connectionRetries++;
      if (trace) trace.resent++;
      if (performance.now() > deadline) throw new Error('NO_INSTANCE');
      await sleep(100);
      continue;
    }
    if (res.status === 503) {
      stats.status503++;
      if (trace) trace.resent++;
      const ra = res.headers.get('retry-after');
      if (!ra) stats.retryAfterMissing++;
      await res.body?.cancel();
      if (performance.now() > deadline) return res;
      await sleep(Math.min(Number(ra ?? 1), 5) * 1000 * (0.5 + Math.random() / 2));
      continue;
    }
    return res;
  }
}

async function errorCode(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (res.status >= 500 && res.status !== 503) stats.internal.push(`HTTP ${res.status} ${String(body.error)}`);
    if (typeof body.error === 'string') return body.error;
  } catch {
    /* not JSON */
  }
  stats.noCode.push(`HTTP ${res.status}`);
  return `HTTP_${res.status}_WITHOUT_CODE`;
}

interface Finished {
  id: string;
  receipt?: string;
  walletAccepted: boolean;
  declined?: boolean;
}

/** The merchant reads the result (as its page or SSE would) until one of `final`, or once when the wallet's answer was not accepted. */
async function readResult(id: string, final: readonly string[], wait: boolean): Promise<{ state: string; receipt?: string }> {
  let last: { state: string; receipt?: string } = { state: '' };
  for (let i = 0; i < 60; i++) {
    const r = await lb(`${publicUrl}/v1/verifications/${id}`);
    if (r.status !== 200) return { state: await errorCode(r) };
    last = (await r.json()) as { state: string; receipt?: string };
    if (final.includes(last.state) || !wait) break;
    await sleep(250);
  }
  return last;
}

/** A wallet that fetched the request object (wallet_nonce) says no, with the request's state. */
async function declineFlow(v: { id: string; qr: { uri: string } }): Promise<void> {
  const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
  const state = new URL(requestUri).pathname.split('/')[3];
  let walletAccepted = false;
  let failure: string | undefined;
  const fetched = await lb(requestUri, requestUriInit(randomBytes(16).toString('base64url')));
  if (fetched.status !== 200) failure = await errorCode(fetched);
  else {
    await fetched.body?.cancel();
    for (let attempt = 0; attempt < 3 && !walletAccepted; attempt++) {
      const r = await lb(requestUri.replace(/request$/, 'response'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `error=access_denied&state=${state}` });
      if (r.status === 200 || r.status === 409) {
        walletAccepted = true;
        await r.body?.cancel();
      } else {
        failure = await errorCode(r);
        if (r.status < 500) break;
      }
    }
  }
  const lastState = (await readResult(v.id, ['declined'], walletAccepted)).state;
  finished.push({ id: v.id, walletAccepted, declined: true });
  if (lastState === 'declined') stats.declined++;
  else if (walletAccepted) stats.lost.push(`${v.id}: decline accepted, state ${lastState}`);
  else fail(failure ?? lastState);
}
const finished: Finished[] = [];

async function oneFlow(wallet: SandboxWallet): Promise<void> {
  stats.flows++;
  const created = await lb(`${publicUrl}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ purpose: 'age_over' }),
  });
  if (created.status !== 201) {
    fail(await errorCode(created));
    return;
  }
  const v = (await created.json()) as { id: string; qr: { uri: string } };
  if (stats.flows % 10 === 5) return declineFlow(v);
  let walletAccepted = false;
  let postFailure: string | undefined;
  const postTrace: string[] = [];
  try {
    const posted = await answerOpenID4VPRedirect(wallet, v.qr.uri, async (uri, walletNonce) => {
      const r = await lb(uri, requestUriInit(walletNonce));
      if (r.status !== 200) throw Object.assign(new Error('request_uri'), { code: await errorCode(r) });
      return r.text();
    });
    // The wallet posts; with no reply (instance died) it posts again. A 409 then means the first one landed.
    for (let attempt = 0; attempt < 3; attempt++) {
      const sent = ((performance.now() - t0) / 1000).toFixed(1);
      const trace = { resent: 0 };
      const r = await lb(posted.responseUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: posted.body }, trace);
      postTrace.push(`POST at ${sent} s${trace.resent ? ` (sent again ${trace.resent}x)` : ''} -> ${r.status}`);
      if (trace.resent > 0 && r.status === 200) stats.answersResent.finished++;
      if (trace.resent > 0 && r.status === 409) stats.answersResent.alreadyAnswered++;
      if (r.status === 200 || r.status === 409) {
        walletAccepted = true;
        await r.body?.cancel();
        break;
      }
      postFailure = await errorCode(r);
      if (r.status < 500) break;
    }
  } catch (e) {
    postFailure = (e as { code?: string }).code ?? (e as Error).message;
  }
  // The merchant reads the result (as its page or SSE would), waiting for a final state.
  const result = await readResult(v.id, ['verified', 'failed'], walletAccepted);
  const lastState = result.state;
  const receipt = lastState === 'verified' || lastState === 'failed' ? result.receipt : undefined;
  finished.push({ id: v.id, receipt, walletAccepted });
  if (lastState === 'verified') stats.completed++;
  else if (walletAccepted) stats.lost.push(`${v.id}: wallet answer accepted, state ${lastState} (${postTrace.join(', ')})`);
  else fail(postFailure ?? lastState);
}

async function worker(wallet: SandboxWallet, until: number): Promise<void> {
  while (performance.now() < until) {
    try {
      await oneFlow(wallet);
    } catch (e) {
      fail((e as Error).message);
    }
  }
}

/** The merchant's webhook endpoint: event ids by verification, deliveries counted; one in ten gets 503. */
const hooks = { byVerification: new Map<string, Set<string>>(), deliveries: 0, refused: 0 };
async function webhookReceiver(): Promise<{ url: string; close: () => void }> {
  const server = createHttpServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (Math.random() < 0.1) {
        hooks.refused++;
        return void res.writeHead(503).end();
      }
      const body = JSON.parse(text) as { event_id: string; verification_id: string };
      hooks.deliveries++;
      const ids = hooks.byVerification.get(body.verification_id) ?? new Set<string>();
      ids.add(body.event_id);
      hooks.byVerification.set(body.verification_id, ids);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, close: () => server.close() };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-load-'));
  const hook = await webhookReceiver();
  const redis = new PrivateRedis(await freePort(), dir);
  await redis.start();
  const proxy = new RedisProxy(await freePort(), redis.port);
  await proxy.listen();

  const at = new Date();
  const day = 86_400_000;
  const iaca = await createIaca({ notBefore: new Date(at.getTime() - day) });
  const ds = await createDocumentSigner(iaca);
  const mnc = await issueMdoc({
    docType: MNC_DOCTYPE,
    nameSpaces: createMyNumberCardElements(undefined, at),
    signer: ds,
    validity: { signed: new Date(at.getTime() - day), validFrom: new Date(at.getTime() - day), validUntil: new Date(at.getTime() + 30 * day) },
  });
  writeFileSync(join(dir, 'iaca.der'), iaca.der);
  writeFileSync(join(dir, 'receipt.pem'), newKeyPair('P-256').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  publicUrl = `http://127.0.0.1:${await freePort()}`; // the load balancer's name; never listened on
  const env = {
    PUBLIC_URL: publicUrl,
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    KAKUNIN_API_KEYS: API_KEY,
    KAKUNIN_STORE_KEY: randomBytes(32).toString('base64url'),
    KAKUNIN_RECEIPT_KEY_FILE: join(dir, 'receipt.pem'),
    LOAD_IACA_FILE: join(dir, 'iaca.der'),
    KAKUNIN_REVOCATION: 'warn',
    KAKUNIN_WEBHOOK_URL: hook.url,
    KAKUNIN_WEBHOOK_ALLOW_PRIVATE: 'true',
    KAKUNIN_WEBHOOK_TAKEOVER_SECONDS: '5',
  };
  instances = [new Instance('A', await freePort(), env), new Instance('B', await freePort(), env)];
  await Promise.all(instances.map((i) => i.start()));
  const wallet = new SandboxWallet({ credentials: [mnc], now: () => new Date() });

  t0 = performance.now();
  log(`load: ${WORKERS} workers for ${SECONDS} s against instances A and B on one Redis (private, port ${redis.port}, via proxy ${proxy.port})`);
  const until = t0 + SECONDS * 1000;
  const load = Promise.all(Array.from({ length: WORKERS }, () => worker(wallet, until)));
  const faults = (async () => {
    await sleep(SECONDS * 200);
    log(`fault: instance B killed (SIGKILL) with ${stats.flows - finished.length} flows in flight`);
    instances[1].kill();
    await sleep(5000);
    await instances[1].start();
    log('instance B restarted');
    await sleep(Math.max(0, t0 + SECONDS * 400 - performance.now()));
    log('fault: Redis restarted');
    await redis.stop();
    await sleep(500);
    await redis.start();
    log('Redis is back');
    await sleep(Math.max(0, t0 + SECONDS * 600 - performance.now()));
    log('fault: Redis unreachable for 10 s');
    await proxy.cut(10_000);
    log('Redis reachable again');
  })();
  await Promise.all([load, faults]);
  const underLoad = { ...stats, failed: new Map(stats.failed), answersResent: { ...stats.answersResent } };
  log(`load over: ${stats.flows} flows, ${stats.completed} completed`);

  // Recovery: both instances ready, and a last batch completes without a single failure.
  const ready = await Promise.all(instances.map(async (i) => (await fetch(`${i.url}/readyz`)).status));
  const before = { completed: stats.completed, declined: stats.declined, flows: stats.flows, failed: [...stats.failed.values()].reduce((a, b) => a + b, 0), lost: stats.lost.length };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 5; i++) await oneFlow(wallet);
    }),
  );
  const recovered = stats.completed - before.completed + (stats.declined - before.declined) === stats.flows - before.flows;

  // No verification given two results: every finished one, read twice more from each instance.
  for (const f of finished.filter((x) => x.receipt || x.declined)) {
    for (const inst of instances) {
      const r = await fetch(`${inst.url}/v1/verifications/${f.id}`);
      if (r.status !== 200) continue; // results live for the result TTL only
      const body = (await r.json()) as { receipt?: string; state: string };
      if (f.declined ? body.state !== 'declined' : body.receipt !== f.receipt) stats.doubled.push(f.id);
    }
  }

  // Webhooks: wait (up to 60 s: retries and takeovers take time) for every verified flow's event.
  const verified = finished.filter((f) => f.receipt || (f.declined && f.walletAccepted)).map((f) => f.id);
  for (let i = 0; i < 120 && verified.some((id) => !hooks.byVerification.has(id)); i++) await sleep(500);
  const undelivered = verified.filter((id) => !hooks.byVerification.has(id));
  const twoEventIds = [...hooks.byVerification.values()].filter((ids) => ids.size > 1).length;
  const sentAgain = hooks.deliveries - hooks.byVerification.size;

  const failedTotal = [...underLoad.failed.values()].reduce((a, b) => a + b, 0);
  console.log('');
  console.log('load and faults: results');
  console.log(`  flows under load:         ${underLoad.flows} (${(underLoad.flows / SECONDS).toFixed(1)} per second, ${WORKERS} concurrent)`);
  console.log(`  completed (verified):     ${underLoad.completed}`);
  console.log(`  declined (a wallet's error response with the request's state): ${underLoad.declined}`);
  console.log(`  failed, visibly, by code: ${failedTotal}${failedTotal ? ' — ' + [...underLoad.failed].map(([k, v]) => `${k} ${v}`).join(', ') : ''}`);
  console.log(`  503 answers seen (retried): ${underLoad.status503}, without Retry-After: ${underLoad.retryAfterMissing}`);
  console.log(`  refused connections (retried on the other instance): ${underLoad.connectionRetries}`);
  console.log(`  answers sent again (no reply or 503), then finished: ${underLoad.answersResent.finished}, then 409 (result already written): ${underLoad.answersResent.alreadyAnswered}`);
  console.log(`  failures without a code:  ${stats.noCode.length}`);
  console.log(`  internal errors (5xx but 503): ${stats.internal.length}${stats.internal.length ? ' — ' + stats.internal.slice(0, 5).join(', ') : ''}`);
  console.log(`  silently lost:            ${stats.lost.length}${stats.lost.length ? '\n    ' + stats.lost.slice(0, 10).join('\n    ') : ''}`);
  console.log(`  given two results:        ${stats.doubled.length}`);
  console.log(
    `  webhooks: ${verified.length} verified or declined, ${verified.length - undelivered.length} delivered, ${undelivered.length} never delivered; ${sentAgain} sent again with the same event id; ${twoEventIds} under two event ids; ${hooks.refused} answered 503 by the receiver and retried`,
  );
  console.log(
    `  recovered by itself:      /readyz ${ready.join(', ')}; after the faults ${stats.flows - before.flows} flows, ${stats.completed - before.completed} completed, ${stats.declined - before.declined} declined`,
  );

  await Promise.all(instances.map((i) => i.stop()));
  await proxy.close();
  await redis.stop();
  hook.close();
  const ok =
    undelivered.length === 0 &&
    twoEventIds === 0 &&
    stats.lost.length === 0 &&
    stats.doubled.length === 0 &&
    stats.noCode.length === 0 &&
    stats.internal.length === 0 &&
    underLoad.retryAfterMissing === 0 &&
    recovered &&
    ready.every((s) => s === 200);
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
