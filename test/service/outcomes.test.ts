/**
 * The outcomes a page and a merchant must tell apart: verified, declined (the wallet's OpenID4VP
 * error response, or the page's cancelled Digital Credentials API call), failed, expired. Every final
 * state but verified carries reason {code, ja, en}, for every code of the contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_CODES } from '../../src/codes/failure-codes.js';
import { createAgeOverPurpose } from '../../src/policy/index.js';
import { REASON_CODES, reasonFor, type ReasonCode } from '../../src/service/verifications/reasons.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import type { WebhookDelivery } from '../../src/service/webhooks/delivery.js';
import { capturingLogger, freePort } from './helpers.js';

let svc: StartedService;
const delivered: WebhookDelivery[] = [];
beforeAll(async () => {
  // Webhooks are captured here; their delivery has its own tests.
  const webhooks = { kind: 'memory' as const, underWay: 0, outboxEntry: () => undefined, enqueue: async (d: WebhookDelivery) => void delivered.push(d), close: async () => 'drained' as const };
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: capturingLogger().logger, webhooks });
});
afterAll(async () => svc?.close());

async function create(options: Record<string, unknown> = {}) {
  const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over', ...options }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; qr: { uri: string } };
}
/** The state of the request object (what a wallet that fetched it echoes). */
const stateOf = (qr: string) => new URL(new URL(qr).searchParams.get('request_uri')!).pathname.split('/')[3];
const responseUriOf = (qr: string) => new URL(qr).searchParams.get('request_uri')!.replace(/request$/, 'response');
const form = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
const read = async (id: string) => (await (await fetch(`${svc.url}/v1/verifications/${id}`)).json()) as Record<string, any>;

describe('declined', () => {
  it('a wallet error response (access_denied, with its state) ends the verification at once; a later answer is refused', async () => {
    const v = await create({ options: { webhook_url: 'https://merchant.example/hook' } });
    const res = await form(responseUriOf(v.qr.uri), `error=access_denied&error_description=The%20user%20said%20no&state=${stateOf(v.qr.uri)}`);
    expect(res.status).toBe(200);
    const r = await read(v.id);
    expect(r).toMatchObject({ state: 'declined', reason: { code: 'DECLINED', detail: 'access_denied', ja: 'スマートフォンで提示が中止されました。', retry: true } });
    expect(r.decision).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain('said no'); // the wallet's free text is not repeated
    // The real answer now comes too late: the wallet cannot even fetch the request.
    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(scan.status).toBe(400);
    expect((await read(v.id)).state).toBe('declined');
    // A second error response is refused too.
    expect((await form(responseUriOf(v.qr.uri), `error=access_denied&state=${stateOf(v.qr.uri)}`)).status).toBe(409);
    expect(delivered.filter((d) => d.verificationId === v.id)).toEqual([
      {
        url: 'https://merchant.example/hook',
        eventId: expect.stringMatching(/^evt_[A-Za-z0-9_-]{22}$/),
        verificationId: v.id,
        state: 'declined',
        reason: { code: 'DECLINED', ja: expect.any(String), en: expect.any(String) },
      },
    ]);
  });

  it("an error response without a state, or with another request's, is refused and changes nothing", async () => {
    const v = await create();
    const res = await form(responseUriOf(v.qr.uri), 'error=access_denied&state=someone-else');
    expect(res.status).toBe(400);
    const stateless = await form(responseUriOf(v.qr.uri), 'error=access_denied');
    expect(stateless.status).toBe(400);
    expect(await stateless.json()).toMatchObject({ error: 'RESPONSE_MALFORMED', message: expect.stringContaining('state') });
    expect((await read(v.id)).state).toBe('pending');
    // Neither an answer nor an error: refused.
    expect((await form(responseUriOf(v.qr.uri), 'state=x')).status).toBe(400);
  });

  it("a wallet's error through the Digital Credentials API (OpenID4VP 1.0 A.4) is a decline at once, its reason from the error code: the answer, the result, the stream and the webhook say so", async () => {
    const cases = [
      { error: 'access_denied', reason: { ...reasonFor('DECLINED'), detail: 'access_denied', ja: 'スマートフォンで提示が中止されました。' } },
      { error: 'wallet_unavailable', reason: { ...reasonFor('WALLET_ERROR'), detail: 'wallet_unavailable' } },
    ];
    for (const { error, reason } of cases) {
      const v = await create({ options: { webhook_url: 'https://merchant.example/hook' } });
      const { dcapi } = (await (await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`)).json()) as { dcapi: { digital: { requests: { protocol: string }[] } } };
      const protocol = dcapi.digital.requests.map((r) => r.protocol).find((p) => p.startsWith('openid4vp-v1-'))!;
      // A fulfilled navigator.credentials.get whose data is the wallet's error, as the page posts it.
      const res = await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-response`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ protocol, data: { error, error_description: 'The user said no' } }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ state: 'declined', reason });
      const r = await read(v.id);
      expect(r).toMatchObject({ state: 'declined', reason });
      expect(r.decision).toBeUndefined();
      expect(JSON.stringify(r)).not.toContain('said no');
      const stream = await (await fetch(`${svc.url}/v1/verifications/${v.id}/events`)).text();
      expect(stream).toContain('event: declined');
      expect(stream).toContain(`"code":"${reason.code}"`);
      expect(delivered.filter((d) => d.verificationId === v.id)).toEqual([
        { url: 'https://merchant.example/hook', eventId: expect.any(String), verificationId: v.id, state: 'declined', reason: { code: reason.code, ja: reason.ja, en: reason.en } },
      ]);
      // Nothing can answer it any more.
      const again = await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-response`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ protocol, data: { error } }),
      });
      expect(again.status).toBe(409);
    }
  });

  it("a wallet's error in a protocol the verification did not offer, or labelled org-iso-mdoc (Annex C has no error object: a refusal there rejects the call), changes nothing", async () => {
    const v = await create();
    await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`);
    const post = (protocol: string) =>
      fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-response`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ protocol, data: { error: 'access_denied' } }),
      });
    const unoffered = await post('openid4vp-v1-unsigned');
    expect(unoffered.status).toBe(400);
    expect(await unoffered.json()).toMatchObject({ error: 'PROTOCOL_UNSUPPORTED' });
    const annexC = await post('org-iso-mdoc');
    expect(annexC.status).toBe(400);
    expect(await annexC.json()).toMatchObject({ error: 'PROTOCOL_MISMATCH' });
    expect((await read(v.id)).state).toBe('pending');
  });

  it('an error response other than access_denied by the QR path is the wallet unable to answer, not the person declining', async () => {
    const v = await create();
    expect((await form(responseUriOf(v.qr.uri), `error=invalid_request&state=${stateOf(v.qr.uri)}`)).status).toBe(200);
    expect(await read(v.id)).toMatchObject({ state: 'declined', reason: { code: 'WALLET_ERROR', detail: 'invalid_request', retry: true } });
  });

  it('the page reports a cancelled Digital Credentials API call: declined with its reason', async () => {
    const v = await create();
    const res = await fetch(`${svc.url}/v1/verifications/${v.id}/decline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'user_cancelled' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'declined', reason: { code: 'DECLINED', detail: 'user_cancelled' } });
    const again = await fetch(`${svc.url}/v1/verifications/${v.id}/decline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'user_cancelled' }) });
    expect(again.status).toBe(409);
    const bad = await fetch(`${svc.url}/v1/verifications/${v.id}/decline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: '<script>' }) });
    expect(bad.status).toBe(400);
  });

  it("the clerk's 中止 is recorded as ended by the verifier, not as the customer's decline: the result, the stream and the webhook say so", async () => {
    const v = await create({ options: { webhook_url: 'https://merchant.example/hook' } });
    const res = await fetch(`${svc.url}/v1/verifications/${v.id}/decline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'verifier_cancelled' }) });
    expect(res.status).toBe(200);
    const cancelled = {
      code: 'CANCELLED_BY_VERIFIER',
      ja: '確認する側（窓口やお店のページ）で中止されました。',
      en: 'The check was cancelled by the verifier (at the counter or on the page), not on the phone.',
      retry: true,
    };
    expect(await res.json()).toMatchObject({ state: 'declined', reason: cancelled });
    expect((await read(v.id)).reason).toEqual(cancelled);
    const stream = await (await fetch(`${svc.url}/v1/verifications/${v.id}/events`)).text();
    expect(stream).toContain('event: declined');
    expect(stream).toContain('"code":"CANCELLED_BY_VERIFIER"');
    expect(delivered.filter((d) => d.verificationId === v.id)).toEqual([
      { url: 'https://merchant.example/hook', eventId: expect.any(String), verificationId: v.id, state: 'declined', reason: { code: 'CANCELLED_BY_VERIFIER', ja: cancelled.ja, en: cancelled.en } },
    ]);
  });
});

describe('reasons', () => {
  it("every failure code of the contract, every policy code and the service's own have a sentence in Japanese and English", () => {
    for (const code of [
      ...FAILURE_CODES,
      'DOCUMENT_NOT_ACCEPTED',
      'ISSUER_NOT_ACCEPTED',
      'VERIFICATION_FAILED',
      'DECLINED',
      'CANCELLED_BY_VERIFIER',
      'WALLET_ERROR',
      'REQUEST_EXPIRED',
    ] as ReasonCode[]) {
      expect(REASON_CODES, code).toContain(code);
      const r = reasonFor(code);
      expect(r.code).toBe(code);
      expect(r.ja, code).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(r.en, code).toMatch(/^[A-Z].*\.$/);
      expect(r.ja).not.toContain(code);
      expect(r.en).not.toContain(code);
    }
    expect(REASON_CODES).toHaveLength(FAILURE_CODES.length + 7);
  });

  it('a failed verification carries the reason of its first failure code', async () => {
    // A purpose that accepts J-LIS only: the sandbox wallet's card verifies but its issuer is not accepted.
    svc.ctx.purposes.set('jlis_only', createAgeOverPurpose({ name: 'jlis_only', trustSets: ['jp-jlis'] }));
    const v = await create({ purpose: 'jlis_only' });
    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(scan.status).toBe(200);
    expect(await read(v.id)).toMatchObject({
      state: 'failed',
      decision: { outcome: 'failed', failureCodes: ['ISSUER_NOT_ACCEPTED'] },
      reason: { code: 'ISSUER_NOT_ACCEPTED', ja: 'この確認では、この発行者の証明書は使えません。', retry: false },
    });
  });
});

describe('shutdown', () => {
  it('waits for webhook deliveries under way instead of dropping them', async () => {
    const { createServer } = await import('node:http');
    const received: string[] = [];
    // A merchant's webhook that takes its time to answer.
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () =>
        setTimeout(() => {
          received.push(body);
          res.writeHead(204).end();
        }, 500),
      );
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
    const own = await startDemo(['--port', String(await freePort())], { env: { KAKUNIN_WEBHOOK_ALLOW_PRIVATE: 'true' }, quiet: true, logger: capturingLogger().logger });
    try {
      const res = await fetch(`${own.url}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ purpose: 'age_over', options: { webhook_url: hookUrl } }),
      });
      const v = (await res.json()) as { id: string; qr: { uri: string } };
      const scan = await fetch(`${own.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
      expect(scan.status).toBe(200);
      expect(own.ctx.webhooks.underWay).toBe(1);
    } finally {
      await own.close();
    }
    // close() returned only after the slow receiver had the delivery.
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0])).toMatchObject({ state: 'verified', receipt: expect.any(String) });
    await new Promise<void>((r) => hook.close(() => r()));
  }, 30_000);
});
