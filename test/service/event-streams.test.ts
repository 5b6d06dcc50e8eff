/**
 * Issue 12 item 4: event streams cannot exhaust the service. Streams are capped per verification and
 * per client (429) and overall (503), and a client that goes away during setup leaves no listener,
 * subscription or timer behind (with Redis, where subscribing takes a round trip).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { StreamCounter } from '../../src/service/http/stream-counter.js';
import { capturingLogger, freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let svc: StartedService;
let store: RedisSessionStore;

/** Redis whose SUBSCRIBE answers 50 ms late, so a client can go away in the middle of it every time. */
class SlowSubscribe extends RedisSessionStore {
  override async subscribe(id: string, listener: Parameters<RedisSessionStore['subscribe']>[1]): Promise<() => void> {
    await new Promise((r) => setTimeout(r, 50));
    return super.subscribe(id, listener);
  }
}

beforeAll(async () => {
  const { Redis } = await import('ioredis');
  store = new SlowSubscribe(new Redis(REDIS_URL), StoreCipher.fromKey(randomBytes(32)), `kakunin-sse-${randomUUID().slice(0, 8)}:`);
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: capturingLogger().logger, store });
});
afterAll(async () => svc?.close());

async function create(): Promise<string> {
  const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
  return ((await res.json()) as { id: string }).id;
}

/** Opens a stream and returns its status and a way to drop it. */
async function open(id: string): Promise<{ status: number; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${svc.url}/v1/verifications/${id}/events`, { signal: controller.signal });
  return { status: res.status, close: () => controller.abort() };
}

async function settle(check: () => boolean): Promise<void> {
  await waitFor('the stream counts to settle', check).catch(() => undefined);
}

describe('event streams', () => {
  it('at most 4 per verification: the 5th gets 429; closing one frees its slot', async () => {
    const id = await create();
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await open(id));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const fifth = await open(id);
    expect(fifth.status).toBe(429);
    streams[0].close();
    await settle(() => svc.ctx.streams.total === 3);
    const again = await open(id);
    expect(again.status).toBe(200);
    for (const s of [...streams.slice(1), again]) s.close();
    await settle(() => svc.ctx.streams.total === 0);
    expect(svc.ctx.streams.total).toBe(0);
  });

  it('per client and overall limits: 429 and 503', () => {
    const counter = new StreamCounter({ perVerification: 10, perClient: 2, total: 3 });
    counter.acquire('v1', 'a');
    counter.acquire('v2', 'a');
    expect(() => counter.acquire('v3', 'a')).toThrow(expect.objectContaining({ status: 429 }));
    const release = counter.acquire('v3', 'b');
    expect(() => counter.acquire('v4', 'c')).toThrow(expect.objectContaining({ status: 503 }));
    release();
    release(); // once only
    expect(counter.total).toBe(2);
  });

  it('300 clients that go away during setup leave no subscription, listener or slot behind (Redis)', async () => {
    const ids = await Promise.all(Array.from({ length: 75 }, () => create()));
    const { port } = new URL(svc.url);
    await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const req = request({ host: '127.0.0.1', port, path: `/v1/verifications/${ids[i % ids.length]}/events` });
            req.on('error', () => resolve());
            req.on('close', () => resolve());
            // Gone while the service waits for the subscription.
            req.end(() => setTimeout(() => req.destroy(), 20));
          }),
      ),
    );
    await settle(() => svc.ctx.streams.total === 0 && store.subscriptions === 0);
    expect(svc.ctx.streams.total).toBe(0);
    expect(store.subscriptions).toBe(0);
  }, 30_000);
});
