/**
 * Two instances behind one public URL, sharing Redis: the verification is created on A, the wallet's
 * request fetch and answer land on B, and A's SSE stream and GET see the result.
 */
import { randomUUID } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { TrustStore } from '../../src/trust/index.js';
import type { RequestRefs } from '../../src/service/verifications/wallet-protocols.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { capturingLogger, freePort } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let a: StartedService;
let b: StartedService;
let wallet: DemoWallet;
/** An instance on the same Redis with another verifier certificate (a misconfiguration). */
let other: StartedService;
const otherLog = capturingLogger('info');
const publicUrl = 'http://localhost:65000'; // the "load balancer"; never listened on

beforeAll(async () => {
  wallet = await DemoWallet.create(new Date());
  const trust = TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox' });
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-two-'));
  const keyFile = join(dir, 'receipt.pem');
  writeFileSync(keyFile, newKeyPair('P-256').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const prefix = `kakunin-two:${randomUUID()}:`;
  const cipher = StoreCipher.generate(); // one KAKUNIN_STORE_KEY for both instances
  const start = async (env: Record<string, string> = {}, logger = createLogger('silent')) =>
    startServe(['--port', String(await freePort()), '--public-url', publicUrl, '--receipt-key', keyFile, '--api-keys', 'test-key-0123456789abcdef-QwErTyUi'], {
      env: { KAKUNIN_REVOCATION: 'off', ...env },
      logger,
      extraTrust: trust,
      store: RedisSessionStore.connect(REDIS_URL, cipher, prefix),
    });
  a = await start();
  b = await start();
  const elsewhere = await createDevelopmentIdentity('other.example', new Date());
  writeFileSync(join(dir, 'other.pem'), elsewhere.leafPem);
  writeFileSync(join(dir, 'other.key.pem'), elsewhere.keyPem);
  other = await start({ KAKUNIN_VERIFIER_CERT_FILE: join(dir, 'other.pem'), KAKUNIN_VERIFIER_KEY_FILE: join(dir, 'other.key.pem') }, otherLog.logger);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await other?.close();
});

/** A verification for age_over, created on A. */
async function createOnA(): Promise<{ id: string; qr: { uri: string } }> {
  const created = await fetch(`${local(a)}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key-0123456789abcdef-QwErTyUi' },
    body: JSON.stringify({ purpose: 'age_over' }),
  });
  return (await created.json()) as { id: string; qr: { uri: string } };
}

const local = (svc: StartedService) => `http://localhost:${(svc.server.address() as { port: number }).port}`;

describe('two instances on one Redis', () => {
  it('serve one verification: created on A, answered on B, seen on A', async () => {
    const created = await fetch(`${local(a)}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-key-0123456789abcdef-QwErTyUi' },
      body: JSON.stringify({ purpose: 'age_over' }),
    });
    expect(created.status).toBe(201);
    const v = (await created.json()) as { id: string; qr: { uri: string } };

    // A's SSE stream, opened before the answer.
    const events: string[] = [];
    const stream = await fetch(`${local(a)}/v1/verifications/${v.id}/events`);
    const reading = (async () => {
      const reader = stream.body!.getReader();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      for (const m of text.matchAll(/^event: (\w+)$/gm)) events.push(m[1]);
    })();

    // The wallet reaches the load balancer, which sends it to B.
    const viaB: typeof fetch = (input, init) => fetch(String(input).replace(publicUrl, local(b)), init);
    const posted = await wallet.answerQr(v.qr.uri, viaB);
    expect(posted.status).toBe(200);
    await reading;
    expect(events).toEqual(['pending', 'retrieved', 'verified']);

    const onA = (await (await fetch(`${local(a)}/v1/verifications/${v.id}`)).json()) as { state: string; receipt: string; decision: { value: unknown } };
    expect(onA.state).toBe('verified');
    expect(onA.decision.value).toEqual({ kind: 'age_over', threshold: 20, over: true });
    // Both instances sign with the shared key and publish the same JWKS.
    expect(await (await fetch(`${local(a)}/.well-known/jwks.json`)).json()).toEqual(await (await fetch(`${local(b)}/.well-known/jwks.json`)).json());
    expect((await b.ctx.receipts.verify(onA.receipt)).sub).toBe(v.id);

    // A second answer, on A this time, is refused and the first result stands.
    const viaA: typeof fetch = (input, init) => fetch(String(input).replace(publicUrl, local(a)), init);
    await expect(wallet.answerQr(v.qr.uri, viaA)).rejects.toThrow('request_uri answered 409');
    expect((await fetch(`${local(a)}/readyz`)).status).toBe(200);
  });

  it('refuse a replayed answer on the other instance: the nonce is used up in Redis', async () => {
    const v = await createOnA();
    const lookup = await a.ctx.store.get(v.id);
    if (lookup.status !== 'found') throw new Error('the session is not in Redis');
    const refs = lookup.session.secrets as unknown as RequestRefs;
    // The wallet's answer, captured on its way to the load balancer, then sent to both instances at once.
    let answer: { path: string; body: string } | undefined;
    const capture: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST' || !String(input).endsWith('/response')) return fetch(String(input).replace(publicUrl, local(b)), init);
      answer = { path: String(input).slice(publicUrl.length), body: String(init.body) };
      return new Response('{}');
    };
    await wallet.answerQr(v.qr.uri, capture);
    const post = (svc: StartedService) => fetch(`${local(svc)}${answer!.path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answer!.body });
    const [onA, onB] = await Promise.all([post(a), post(b)]);
    expect([onA.status, onB.status].sort()).toEqual([200, 409]);
    const refused = onA.status === 409 ? onA : onB;
    expect(['ALREADY_ANSWERED', 'NONCE_REPLAYED']).toContain(((await refused.json()) as { error: string }).error);
    // Whichever instance took it, the request state is gone for the other one too.
    for (const svc of [a, b]) {
      await expect(svc.ctx.protocols.receiveDirectPost(refs, Object.fromEntries(new URLSearchParams(answer!.body)), { trust: svc.ctx.trust, at: new Date() })).rejects.toMatchObject({
        code: 'NONCE_REPLAYED',
      });
    }
    expect(((await (await fetch(`${local(b)}/v1/verifications/${v.id}`)).json()) as { state: string }).state).toBe('verified');
  });

  it("an instance with another verifier certificate answers the wallet's fetch 503 VERIFIER_IDENTITY_MISMATCH, and logs the keyed ref, no part of the handle", async () => {
    const v = await createOnA();
    const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
    const handle = new URL(requestUri).pathname.split('/')[3];
    const fetched = await fetch(requestUri.replace(publicUrl, local(other)));
    expect(fetched.status).toBe(503);
    const body = (await fetched.json()) as { error: string; message: string };
    expect(body.error).toBe('VERIFIER_IDENTITY_MISMATCH');
    expect(body.message).toContain('KAKUNIN_VERIFIER_CERT_FILE');
    const line = otherLog.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.code === 'VERIFIER_IDENTITY_MISMATCH');
    expect(line).toMatchObject({ ref: expect.any(String), level: expect.anything() });
    for (const text of [...otherLog.lines, body.message]) {
      expect(text).not.toContain(handle.slice(0, 8));
      expect(text).not.toContain(v.id.slice(0, 8));
    }
    // The instance with the right certificate still serves it.
    expect((await fetch(requestUri.replace(publicUrl, local(b)))).status).toBe(200);
  });
});
