/**
 * Webhook deliveries through Redis (BullMQ): at least once, with the same event id on every attempt
 * and every instance, retried with backoff, dead-lettered when they fail for good, and taken over by
 * another instance when the one delivering is killed mid-delivery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { VerificationSession } from '../../src/service/verifications/session.js';
import { outboxKeyFor, RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import type { WebhookDelivery, WebhookOutcome } from '../../src/service/webhooks/delivery.js';
import { RedisWebhookQueue } from '../../src/service/webhooks/redis-queue.js';
import { freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(import.meta.dirname, '../..');

interface Received {
  eventId: string;
  header: string | undefined;
  body: Record<string, unknown>;
}

/** A merchant's webhook endpoint answering each POST with the next status of `script` (then 204), or
 * never ('hang'). */
async function receiver(script: (number | 'hang')[] = []) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      received.push({ eventId: String(body.event_id), header: req.headers['webhook-id'] as string | undefined, body });
      for (const w of waiters.splice(0)) w();
      const next = script.shift() ?? 204;
      if (next !== 'hang') res.writeHead(next).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  const count = async (n: number, ms: number) => {
    const until = Date.now() + ms;
    while (received.length < n && Date.now() < until)
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    return received.length;
  };
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return { received, url, count, close, script };
}

function delivery(url: string, id = randomUUID()): WebhookDelivery {
  return { url, eventId: `evt_${randomUUID().replace(/-/g, '')}`, verificationId: id, state: 'verified', receipt: `receipt-for-${id}` };
}

const queues: RedisWebhookQueue[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  for (const p of prefixes) {
    // The store's keys start with the prefix; BullMQ's with it in braces (one cluster slot).
    const keys = [...(await redis.keys(`${p}*`)), ...(await redis.keys(`{${p.slice(0, -1)}}*`))];
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});
function queueOn(prefix: string, cipher: StoreCipher, reports: { d: WebhookDelivery; outcome: WebhookOutcome }[], extra: Partial<ConstructorParameters<typeof RedisWebhookQueue>[0]> = {}) {
  prefixes.push(prefix);
  const q = new RedisWebhookQueue({
    redisUrl: REDIS_URL,
    prefix,
    cipher,
    report: (d, outcome) => reports.push({ d, outcome }),
    onProblem: () => undefined,
    baseDelayMs: 50,
    attempts: 4,
    takeoverMs: 2000,
    ...extra,
  });
  queues.push(q);
  return q;
}
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close(1000)));
});

describe('webhook deliveries through Redis', () => {
  it('deliver once, with the event id in the body and the webhook-id header; the same event enqueued on two instances is sent once', async () => {
    const hook = await receiver();
    const prefix = `kakunin-wh:${randomUUID()}:`;
    const cipher = StoreCipher.generate();
    const reports: { d: WebhookDelivery; outcome: WebhookOutcome }[] = [];
    const a = queueOn(prefix, cipher, reports);
    const b = queueOn(prefix, cipher, reports);
    const d = delivery(hook.url);
    await a.enqueue(d);
    await b.enqueue(d);
    expect(await hook.count(1, 5000)).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received).toEqual([{ eventId: d.eventId, header: d.eventId, body: { event_id: d.eventId, verification_id: d.verificationId, state: 'verified', receipt: d.receipt } }]);
    expect(reports).toEqual([{ d, outcome: { delivered: true, attempts: 1 } }]);
    // The body is what the OpenAPI document's webhook promises.
    const openapi = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(openapi.webhooks.verificationFinished.post.requestBody.content['application/json'].schema);
    expect(validate(hook.received[0].body), JSON.stringify(validate.errors)).toBe(true);
    await hook.close();
  });

  it('retry 503 and 429 with backoff, the same event id each time', async () => {
    const hook = await receiver([503, 429]);
    const reports: { d: WebhookDelivery; outcome: WebhookOutcome }[] = [];
    const q = queueOn(`kakunin-wh:${randomUUID()}:`, StoreCipher.generate(), reports);
    const d = delivery(hook.url);
    await q.enqueue(d);
    expect(await hook.count(3, 10_000)).toBe(3);
    expect(new Set(hook.received.map((r) => r.eventId))).toEqual(new Set([d.eventId]));
    await waitFor('the delivery report', () => reports.length > 0);
    expect(reports.map((r) => r.outcome)).toEqual([{ delivered: true, attempts: 3 }]);
    await hook.close();
  });

  it('keep a delivery that fails for good (a 4xx, or the last attempt) as a dead-letter record, sealed', async () => {
    const hook = await receiver([400, 500, 500, 500, 500]);
    const prefix = `kakunin-wh:${randomUUID()}:`;
    const reports: { d: WebhookDelivery; outcome: WebhookOutcome }[] = [];
    const q = queueOn(prefix, StoreCipher.generate(), reports);
    const refused = delivery(hook.url);
    await q.enqueue(refused);
    expect(await hook.count(1, 5000)).toBe(1);
    const exhausted = delivery(hook.url);
    await q.enqueue(exhausted);
    expect(await hook.count(5, 10_000)).toBe(5);
    await waitFor('both dead-letter reports', () => reports.length >= 2);
    expect(reports.map((r) => [r.d.eventId, r.outcome])).toEqual([
      [refused.eventId, { delivered: false, attempts: 1, reason: 'HTTP 400' }],
      [exhausted.eventId, { delivered: false, attempts: 4, reason: 'HTTP 500' }],
    ]);
    const inspect = new Queue('webhooks', { connection: { url: REDIS_URL }, prefix: `{${prefix.slice(0, -1)}}` });
    try {
      const failed = await inspect.getFailed();
      expect(failed.map((j) => [j.id, j.failedReason]).sort()).toEqual(
        [
          [refused.eventId, 'HTTP 400'],
          [exhausted.eventId, 'HTTP 500'],
        ].sort(),
      );
      // What Redis holds: no verification id, no receipt, in any key or value of the queue.
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`{${prefix.slice(0, -1)}}*`);
      expect(keys.length).toBeGreaterThan(0);
      const dump = (await Promise.all(keys.map(async (k) => `${k} ${JSON.stringify((await redis.type(k)) === 'hash' ? await redis.hgetall(k) : '')}`))).join('\n');
      for (const d of [refused, exhausted]) {
        expect(dump).not.toContain(d.verificationId);
        expect(dump).not.toContain(d.receipt);
      }
      redis.disconnect();
    } finally {
      await inspect.close();
    }
    await hook.close();
  });
});

describe('the outbox: a result is never written without its delivery', () => {
  it('an instance that dies (or loses Redis) between writing the result and queueing the delivery: a sweep queues it, and it is delivered once', async () => {
    const hook = await receiver();
    const prefix = `kakunin-wh:${randomUUID()}:`;
    const cipher = StoreCipher.generate();
    const store = RedisSessionStore.connect(REDIS_URL, cipher, prefix);
    const reports: { d: WebhookDelivery; outcome: WebhookOutcome }[] = [];
    const q = queueOn(prefix, cipher, reports, { sweepMs: 200 });
    try {
      const id = randomUUID();
      const pending: VerificationSession = { id, purpose: 'age_over', state: 'pending', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 300_000).toISOString(), secrets: {} };
      await store.create(pending, 300);
      expect(await store.claim(id, 'digest-a')).toBe(true);
      const d = delivery(hook.url, id);
      // Another answer's write is refused, and leaves no outbox entry behind.
      expect(await store.complete({ ...pending, state: 'failed' }, 120, 'digest-b', q.outboxEntry({ ...d, eventId: 'evt_other' }))).toBe('taken');
      // The result and its outbox entry, in one step; then "the instance dies": enqueue never runs.
      expect(await store.complete({ ...pending, state: 'verified' }, 120, 'digest-a', q.outboxEntry(d))).toBe('written');
      expect(await hook.count(1, 5000)).toBe(1);
      await new Promise((r) => setTimeout(r, 600)); // more sweeps: nothing is queued again
      expect(hook.received.map((r) => r.eventId)).toEqual([d.eventId]);
      const redis = new Redis(REDIS_URL);
      expect(await redis.hlen(outboxKeyFor(prefix, cipher.name(id)))).toBe(0);
      expect(await redis.keys(`${prefix}*outbox`)).toEqual([]);
      redis.disconnect();
    } finally {
      await store.close();
      await hook.close();
    }
  });
});

describe('an instance killed with a delivery under way', () => {
  let children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  /** `kakunin demo` from the sources, in its own process, on Redis. */
  async function instance(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'demo', '--port', String(port)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance did not start: ${out}`)), 30_000);
      const on = (c: Buffer) => {
        out += c.toString();
        if (out.includes('kakunin demo is running')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', on);
      child.stderr.on('data', on);
      child.once('exit', (code) => reject(new Error(`instance exited ${code}: ${out}`)));
    });
    return { url: `http://localhost:${port}`, child };
  }

  it('another instance delivers it, with the same event id; nothing else is sent twice', async () => {
    const hook = await receiver(['hang']); // A's attempt reaches the merchant and gets no answer
    const prefix = `kakunin-kill-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const env = {
      REDIS_URL,
      KAKUNIN_REDIS_PREFIX: prefix,
      KAKUNIN_STORE_KEY: Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('base64url'),
      KAKUNIN_WEBHOOK_ALLOW_PRIVATE: 'true',
      KAKUNIN_WEBHOOK_TAKEOVER_SECONDS: '2',
      KAKUNIN_REVOCATION: 'off',
      LOG_LEVEL: 'warn',
    };
    const a = await instance(env);
    const created = await fetch(`${a.url}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ purpose: 'age_over', options: { webhook_url: hook.url } }),
    });
    const v = (await created.json()) as { id: string; qr: { uri: string } };
    const scan = await fetch(`${a.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(scan.status).toBe(200);
    expect(await hook.count(1, 10_000)).toBe(1);
    a.child.kill('SIGKILL'); // mid-delivery: the merchant has the request, A never hears back
    await new Promise((r) => a.child.once('exit', r));

    const b = await instance(env);
    expect(await hook.count(2, 20_000)).toBe(2);
    await new Promise((r) => setTimeout(r, 4000)); // a third would come within two takeover periods
    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received;
    expect(second.eventId).toBe(first.eventId);
    expect(second.header).toBe(first.eventId);
    expect(second.body).toEqual(first.body);
    expect(second.body).toMatchObject({ verification_id: v.id, state: 'verified', receipt: expect.any(String) });
    b.child.kill('SIGTERM');
    await new Promise((r) => b.child.once('exit', r));
    children = [];
    await hook.close();
  }, 90_000);
});
