/**
 * While Redis is away, clients get 503 STORE_UNAVAILABLE with Retry-After (never a bare 500), and
 * /readyz says not ready; once Redis is there, the same instance serves again without a restart.
 * A private TCP proxy in front of the machine's Redis plays "away" (the real Redis is not touched).
 * A Redis that accepts connections and never answers (a loopback server that reads and says
 * nothing) is the same: each command gives up after the command timeout.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { freePort } from '../service/helpers.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_PORT = Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379);
let proxy: Server | undefined;
const sockets = new Set<Socket>();
let proxyPort: number;
let svc: StartedService;

function openProxy(): Promise<void> {
  proxy = createServer((c) => {
    const up = connect(REDIS_PORT, '127.0.0.1');
    sockets.add(c).add(up);
    const drop = () => (c.destroy(), up.destroy(), sockets.delete(c), sockets.delete(up));
    c.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    c.pipe(up).pipe(c);
  });
  return new Promise((r) => proxy!.listen(proxyPort, '127.0.0.1', () => r()));
}

function closeProxy(): Promise<void> {
  const closed = new Promise<void>((r) => (proxy?.listening ? proxy.close(() => r()) : r()));
  for (const s of sockets) s.destroy();
  sockets.clear();
  return closed;
}

beforeAll(async () => {
  proxyPort = await freePort();
  await openProxy();
  svc = await startDemo(['--port', String(await freePort())], {
    env: {},
    quiet: true,
    logger: createLogger('silent'),
    store: RedisSessionStore.connect(`redis://127.0.0.1:${proxyPort}`, StoreCipher.generate(), `kakunin-hardening:${randomUUID()}:`),
  });
});
afterAll(async () => {
  await closeProxy();
  await svc?.close();
});

const create = () => fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });

describe('Redis away', () => {
  it('503 STORE_UNAVAILABLE with Retry-After while it is away; serves again when it is back', async () => {
    const before = await create();
    expect(before.status).toBe(201);
    const { id } = (await before.json()) as { id: string };

    await closeProxy();
    const started = performance.now();
    const during = await create();
    expect(during.status).toBe(503);
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await during.json()).toMatchObject({ error: 'STORE_UNAVAILABLE' });
    const read = await fetch(`${svc.url}/v1/verifications/${id}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).not.toBeNull();
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);
    // Answers rather than hanging the client: ioredis gives up on a command after two reconnect
    // attempts (up to ~2 s apart once it has been retrying for a while), so about 4 s per request.
    const elapsed = performance.now() - started;
    console.log(`store away: 3 requests answered 503 in ${Math.round(elapsed)} ms`);
    expect(elapsed).toBeLessThan(20_000);

    await openProxy();
    let after = 0;
    for (let i = 0; i < 50 && after !== 201; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await create()).status;
    }
    expect(after).toBe(201);
    expect((await fetch(`${svc.url}/v1/verifications/${id}`)).status).toBe(200);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  });
});

describe('Redis that accepts connections but never answers', () => {
  it('503 STORE_UNAVAILABLE with Retry-After after the command timeout, not a hang', async () => {
    const held = new Set<Socket>();
    const mute = createServer((c) => {
      held.add(c);
      c.on('error', () => undefined).on('close', () => held.delete(c));
      c.resume(); // reads every command, answers none
    });
    const port = await freePort();
    await new Promise<void>((r) => mute.listen(port, '127.0.0.1', () => r()));
    const store = RedisSessionStore.connect(`redis://127.0.0.1:${port}`, StoreCipher.generate(), `kakunin-mute:${randomUUID()}:`, undefined, { commandTimeoutMs: 300 });
    const silent = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent'), store });
    try {
      // Connected: the TCP side is fine (the store connects in the background; startDemo does not wait for it).
      await waitFor('the store to connect to the mute server', () => held.size > 0);
      const started = performance.now();
      const created = await fetch(`${silent.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
      const read = await fetch(`${silent.url}/v1/verifications/${'A'.repeat(22)}`);
      const ready = await fetch(`${silent.url}/readyz`);
      const elapsed = performance.now() - started;
      console.log(`mute Redis: 3 requests answered in ${Math.round(elapsed)} ms (command timeout 300 ms)`);
      expect(created.status).toBe(503);
      expect(Number(created.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await created.json()).toMatchObject({ error: 'STORE_UNAVAILABLE' });
      expect(read.status).toBe(503);
      expect(read.headers.get('retry-after')).not.toBeNull();
      expect(ready.status).toBe(503);
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      for (const c of held) c.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
      await silent.close();
    }
  }, 30_000);
});
