/**
 * The crash window of an answer: an instance takes the wallet's answer (uses up the request state,
 * takes the session's claim) and dies, or its Redis fails, before the result is written. The wallet
 * (or the load balancer) sends the same POST again and it lands on the other instance, which must
 * finish the verification: one result, never none and never two. Any other answer stays refused.
 *
 * Two instances on one Redis; instance A's store is made to fail at a chosen step, once, as a
 * SIGKILL or a Redis outage would interrupt it there.
 */
import { randomUUID } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import type { VerificationSession } from '../../src/service/verifications/session.js';
import { type RedisRequestStateStore, RedisSessionStore, StoreCipher, type CompleteOutcome } from '../../src/service/store/index.js';
import { TrustStore } from '../../src/trust/index.js';
import { freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_KEY = 'test-key-0123456789abcdef-QwErTyUi';
const publicUrl = 'http://localhost:65001'; // the "load balancer"; never listened on

type Step = 'after-consume' | 'before-result' | 'after-result';

/** A's store: does the real work in Redis, then fails once at the step armed. */
class InterruptedStore extends RedisSessionStore {
  armed: Step | undefined;

  private fire(step: Step): void {
    if (this.armed !== step) return;
    this.armed = undefined;
    throw new Error(`interrupted ${step}`);
  }

  override async complete(session: VerificationSession, ttlSeconds: number, answerDigest: string): Promise<CompleteOutcome> {
    this.fire('before-result');
    const outcome = await super.complete(session, ttlSeconds, answerDigest);
    this.fire('after-result');
    return outcome;
  }

  override requestStateStore(): RedisRequestStateStore {
    const states = super.requestStateStore();
    const consume = states.consume.bind(states);
    states.consume = async (id, digest) => {
      const value = await consume(id, digest);
      this.fire('after-consume');
      return value;
    };
    return states;
  }
}

const prefix = `kakunin-crash:${randomUUID()}:`;
const redis = new Redis(REDIS_URL);
const cipher = StoreCipher.generate(); // one KAKUNIN_STORE_KEY for both instances
let storeA: InterruptedStore;
let a: StartedService;
let b: StartedService;
let wallet: DemoWallet;

beforeAll(async () => {
  wallet = await DemoWallet.create(new Date());
  const trust = TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox' });
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-crash-'));
  const keyFile = join(dir, 'receipt.pem');
  writeFileSync(keyFile, newKeyPair('P-256').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const start = async (store: RedisSessionStore) =>
    startServe(['--port', String(await freePort()), '--public-url', publicUrl, '--receipt-key', keyFile, '--api-keys', API_KEY], {
      env: { KAKUNIN_REVOCATION: 'off' },
      logger: createLogger('silent'),
      extraTrust: trust,
      store,
    });
  storeA = new InterruptedStore(new Redis(REDIS_URL, { maxRetriesPerRequest: 2 }), cipher, prefix);
  a = await start(storeA);
  b = await start(RedisSessionStore.connect(REDIS_URL, cipher, prefix));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis.quit();
});

const local = (svc: StartedService) => `http://localhost:${(svc.server.address() as { port: number }).port}`;
const via =
  (svc: StartedService): typeof fetch =>
  (input, init) =>
    fetch(String(input).replace(publicUrl, local(svc)), init);

async function create(): Promise<{ id: string; qr: { uri: string }; dcapi: unknown }> {
  const r = await fetch(`${local(b)}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ purpose: 'age_over' }),
  });
  expect(r.status).toBe(201);
  const v = (await r.json()) as { id: string; qr: { uri: string } };
  // As a page with the DC API does: its request is made when asked for.
  const { dcapi } = (await (await fetch(`${local(b)}/v1/verifications/${v.id}/dcapi-request`)).json()) as { dcapi: unknown };
  return { ...v, dcapi };
}

/** The wallet's answer to the QR request, captured on its way out (request_uri served by B). */
async function captureQrAnswer(uri: string): Promise<{ path: string; body: string }> {
  let answer: { path: string; body: string } | undefined;
  await wallet.answerQr(uri, async (input, init) => {
    // The answer's POST (to response_uri) is captured; the request object's GET or POST goes to B.
    if (init?.method !== 'POST' || !String(input).endsWith('/response')) return via(b)(input, init);
    answer = { path: String(input).slice(publicUrl.length), body: String(init.body) };
    return new Response('{}');
  });
  return answer!;
}

const post = (svc: StartedService, answer: { path: string; body: string }) =>
  fetch(`${local(svc)}${answer.path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answer.body });

async function read(id: string): Promise<{ state: string; receipt?: string; decision?: { value: unknown } }> {
  return (await (await fetch(`${local(b)}/v1/verifications/${id}`)).json()) as { state: string; receipt?: string; decision?: { value: unknown } };
}

/** Every published state change of `id`, as seen by both instances' subscribers. */
async function watch(id: string): Promise<string[]> {
  const seen: string[] = [];
  await a.ctx.store.subscribe(id, (e) => seen.push(`A:${e.state}`));
  await b.ctx.store.subscribe(id, (e) => seen.push(`B:${e.state}`));
  return seen;
}

/** The ids of a session's request states (read before its result replaces the secrets). */
async function refsOf(id: string): Promise<string[]> {
  const lookup = await b.ctx.store.get(id);
  if (lookup.status !== 'found') throw new Error('no session');
  const refs = lookup.session.secrets as { oid4vp: string; dcapi: Record<string, string> };
  return [refs.oid4vp, ...Object.values(refs.dcapi)];
}

/** What is left in Redis of those request states (the state and its used-by mark). */
async function stateKeysOf(ids: string[]): Promise<string[]> {
  const keys = ids.flatMap((id) => [`${prefix}rs:${id}`, `${prefix}rs:${id}:used`]);
  const exists = await Promise.all(keys.map((k) => redis.exists(k)));
  return keys.filter((_, i) => exists[i] === 1);
}

describe.each(['after-consume', 'before-result'] as const)('an answer interrupted %s on A', (step) => {
  it('is finished by the same POST on B: exactly one result; other answers stay refused', async () => {
    const v = await create();
    const refs = await refsOf(v.id);
    const events = await watch(v.id);
    const answer = await captureQrAnswer(v.qr.uri);
    // A different answer to the same request, made while the request is still open.
    const other = await captureQrAnswer(v.qr.uri);
    expect(other.body).not.toBe(answer.body);

    storeA.armed = step;
    const interrupted = await post(a, answer);
    expect(interrupted.status).toBe(503);
    expect(interrupted.headers.get('retry-after')).not.toBeNull();
    expect(await interrupted.json()).toMatchObject({ error: 'STORE_UNAVAILABLE' });
    expect(storeA.armed).toBeUndefined(); // it did fail where it was meant to
    expect((await read(v.id)).state).toBe('retrieved');

    // Meanwhile another answer to the same request is a replay of its nonce, on either instance.
    for (const svc of [a, b]) {
      const r = await post(svc, other);
      expect(r.status).toBe(409);
      expect(await r.json()).toMatchObject({ error: 'NONCE_REPLAYED' });
    }
    if (step === 'before-result') {
      // And an answer by another way (the DC API) finds the session claimed by the first answer.
      const dcapi = await wallet.answerDcApi(v.dcapi, new URL(publicUrl).origin);
      const r = await fetch(`${local(b)}/v1/verifications/${v.id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dcapi) });
      expect(r.status).toBe(409);
      expect(await r.json()).toMatchObject({ error: 'ALREADY_ANSWERED' });
    }

    // The wallet's retry of the same POST goes to B and finishes the verification.
    const retried = await post(b, answer);
    expect(retried.status).toBe(200);
    const result = await read(v.id);
    expect(result.state).toBe('verified');
    expect(result.decision?.value).toEqual({ kind: 'age_over', threshold: 20, over: true });
    expect((await b.ctx.receipts.verify(result.receipt!)).sub).toBe(v.id);

    // One result: later copies of the answer, on either instance, are refused and change nothing.
    for (const svc of [a, b]) {
      const again = await post(svc, answer);
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ error: 'ALREADY_ANSWERED' });
    }
    expect((await read(v.id)).receipt).toBe(result.receipt);
    await waitFor('the result event on both instances', () => events.filter((e) => e.endsWith(':verified')).length >= 2);
    expect(events.filter((e) => e.endsWith(':verified')).sort()).toEqual(['A:verified', 'B:verified']); // one change, seen by both
    // Nothing of the session's request states is left in Redis once the result is written.
    expect(await stateKeysOf(refs)).toEqual([]);
  });
});

describe('an answer whose result was written just before A failed', () => {
  it('is not given a second result by its retry', async () => {
    const v = await create();
    const events = await watch(v.id);
    const answer = await captureQrAnswer(v.qr.uri);
    storeA.armed = 'after-result';
    const interrupted = await post(a, answer);
    expect(interrupted.status).toBe(503);
    const first = await read(v.id);
    expect(first.state).toBe('verified');
    const retried = await post(b, answer);
    expect(retried.status).toBe(409);
    expect(await retried.json()).toMatchObject({ error: 'ALREADY_ANSWERED' });
    expect((await read(v.id)).receipt).toBe(first.receipt);
    await waitFor('the result event on both instances', () => events.filter((e) => e.endsWith(':verified')).length >= 2);
    expect(events.filter((e) => e.endsWith(':verified')).sort()).toEqual(['A:verified', 'B:verified']);
  });
});

describe('five copies of one answer at once, on both instances', () => {
  it('give exactly one 200 and one result; the others 409', async () => {
    const v = await create();
    const refs = await refsOf(v.id);
    const events = await watch(v.id);
    const answer = await captureQrAnswer(v.qr.uri);
    const all = await Promise.all([a, b, a, b, a].map((svc) => post(svc, answer)));
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of all.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(['ALREADY_ANSWERED', 'NONCE_REPLAYED']).toContain(((await r.json()) as { error: string }).error);
    }
    await waitFor('the result event on both instances', () => events.filter((e) => e.endsWith(':verified')).length >= 2);
    expect(events.filter((e) => e.endsWith(':verified')).sort()).toEqual(['A:verified', 'B:verified']);
    expect(await stateKeysOf(refs)).toEqual([]);
  });
});
