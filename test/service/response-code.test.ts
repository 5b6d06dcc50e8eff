/**
 * The same-device OpenID4VP flow's way back to the merchant's page (OpenID4VP 1.0 §8.2, §13.3): a
 * verification created with `options.redirect_uri` answers the wallet's direct_post with that URI and
 * a fresh response_code; the page hands the code back before it trusts the result, once, and only for
 * its own verification. Without a redirect_uri the wallet gets `{}` as before.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { TrustStore } from '../../src/trust/index.js';
import { freePort } from './helpers.js';

const KEY = 'response-code-test-key-0123456789-';
const SHOP = 'https://shop.example';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let svc: StartedService;
let wallet: DemoWallet;

interface Created {
  id: string;
  qr: { uri: string };
}

async function create(options: Record<string, string>): Promise<Response> {
  return fetch(`${svc.url}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ purpose: 'age_over', options }),
  });
}

async function created(options: Record<string, string>): Promise<Created> {
  const res = await create(options);
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

/** The sandbox wallet opens the link and posts its answer; what the service answered it. */
async function walletAnswers(v: Created): Promise<{ status: number; body: Record<string, string> }> {
  const res = await wallet.answerQr(v.qr.uri);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const redeem = (id: string, code: string) =>
  fetch(`${svc.url}/v1/verifications/${id}/response-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_code: code }) });

const codeOf = (redirectUri: string) => new URL(redirectUri).hash.replace(/^#response_code=/, '');

// In memory, and in Redis (where instances share the codes and "once" must hold across them).
describe.each(['memory', 'redis'] as const)('redirect_uri and response_code (%s store)', (kind) => {
  beforeAll(async () => {
    wallet = await DemoWallet.create(new Date());
    const trust = TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox', test: true });
    const store = kind === 'redis' ? { store: RedisSessionStore.connect(REDIS_URL, StoreCipher.generate(), `kakunin-rc:${randomUUID()}:`) } : {};
    svc = await startServe(['--port', String(await freePort()), '--api-keys', KEY], { env: { KAKUNIN_REVOCATION: 'off' }, logger: createLogger('silent'), extraTrust: trust, ...store });
  });
  afterAll(async () => svc?.close());

  it('the wallet is sent back to the page with a fresh code; the page redeems it once for the result', async () => {
    const v = await created({ origin: SHOP, redirect_uri: `${SHOP}/checkout?step=age` });
    const answered = await walletAnswers(v);
    expect(answered.status).toBe(200);
    expect(answered.body.redirect_uri).toMatch(/^https:\/\/shop\.example\/checkout\?step=age#response_code=[A-Za-z0-9_-]{22}$/);
    const code = codeOf(answered.body.redirect_uri);

    const first = await redeem(v.id, code);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ id: v.id, state: 'verified', decision: { value: { over: true } } });
    // Single use: the same code again is refused, with a code of its own.
    const again = await redeem(v.id, code);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'RESPONSE_CODE_INVALID' });
  });

  it("a code is bound to its verification: another verification's id does not take it, nor burn it", async () => {
    const v = await created({ origin: SHOP, redirect_uri: `${SHOP}/checkout` });
    const other = await created({ origin: SHOP, redirect_uri: `${SHOP}/checkout` });
    const code = codeOf((await walletAnswers(v)).body.redirect_uri);
    const wrong = await redeem(other.id, code);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'RESPONSE_CODE_INVALID' });
    expect((await redeem(v.id, code)).status).toBe(200);
  });

  it('of several pages redeeming one code at once, one gets the result', async () => {
    const v = await created({ origin: SHOP, redirect_uri: `${SHOP}/checkout` });
    const code = codeOf((await walletAnswers(v)).body.redirect_uri);
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => redeem(v.id, code)))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 400, 400, 400, 400, 400]);
  });

  it('a made-up or malformed code is refused; an unknown verification is 404', async () => {
    const v = await created({ origin: SHOP, redirect_uri: `${SHOP}/checkout` });
    expect((await redeem(v.id, 'A'.repeat(22))).status).toBe(400);
    expect((await redeem(v.id, 'not a code')).status).toBe(400);
    expect((await redeem('B'.repeat(22), 'A'.repeat(22))).status).toBe(404);
  });

  it("the wallet's error response (declined) also sends the customer back, with a code for the declined result", async () => {
    const v = await created({ origin: SHOP, redirect_uri: `${SHOP}/checkout` });
    const handle = new URL(new URL(v.qr.uri).searchParams.get('request_uri')!).pathname.split('/')[3];
    const res = await fetch(`${svc.url}/v1/wallet/${handle}/response`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ error: 'access_denied', state: handle }).toString(),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { redirect_uri: string };
    const result = await redeem(v.id, codeOf(body.redirect_uri));
    expect(await result.json()).toMatchObject({ state: 'declined', reason: { code: 'DECLINED' } });
  });

  it('without a redirect_uri the wallet gets {} (a cross-device QR has nowhere to go back to)', async () => {
    const v = await created({ origin: SHOP });
    const answered = await walletAnswers(v);
    expect(answered).toEqual({ status: 200, body: {} });
  });

  it('a redirect_uri off the verification origin, with a fragment, or not http(s) is refused at creation', async () => {
    const cases: Record<string, string>[] = [
      { origin: SHOP, redirect_uri: 'https://elsewhere.example/checkout' },
      { redirect_uri: `${SHOP}/checkout` },
      { origin: SHOP, redirect_uri: `${SHOP}/checkout#top` },
      { origin: SHOP, redirect_uri: 'javascript:alert(1)' },
    ];
    for (const options of cases) {
      const res = await create(options);
      expect(res.status, JSON.stringify(options)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^(INVALID_REQUEST|BAD_REQUEST)$/);
    }
  });
});
