import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { ReceiptSigner } from '../../src/service/receipts.js';
import { deliverWebhook } from '../../src/service/webhook.js';

const fakeFetch = (statuses: (number | 'error')[], seen: unknown[]) =>
  (async (_url: string, init: RequestInit) => {
    seen.push(JSON.parse(String(init.body)));
    const s = statuses.shift();
    if (s === 'error' || s === undefined) throw new TypeError('fetch failed');
    return new Response(null, { status: s });
  }) as unknown as typeof fetch;

describe('webhook', () => {
  it('retries network errors, 429 and 5xx with doubling delays, then succeeds', async () => {
    const seen: unknown[] = [];
    const delays: number[] = [];
    const out = await deliverWebhook(
      { url: 'https://merchant.example/hook', verificationId: 'v1', receipt: 'jws' },
      { attempts: 5, baseDelayMs: 100, timeoutMs: 1000, fetch: fakeFetch(['error', 503, 429, 204], seen), sleep: async (ms) => void delays.push(ms) },
    );
    expect(out).toEqual({ delivered: true, attempts: 4 });
    expect(delays).toEqual([100, 200, 400]);
    expect(seen[0]).toEqual({ verification_id: 'v1', receipt: 'jws' });
  });

  it('stops on a 4xx and after the last attempt', async () => {
    const opts = { attempts: 3, baseDelayMs: 1, timeoutMs: 1000, sleep: async () => undefined };
    expect(await deliverWebhook({ url: 'https://m/h', verificationId: 'v', receipt: 'r' }, { ...opts, fetch: fakeFetch([400], []) })).toEqual({ delivered: false, attempts: 1, reason: 'HTTP 400' });
    expect(await deliverWebhook({ url: 'https://m/h', verificationId: 'v', receipt: 'r' }, { ...opts, fetch: fakeFetch([500, 500, 500], []) })).toEqual({ delivered: false, attempts: 3, reason: 'HTTP 500' });
  });
});

describe('receipt', () => {
  it('is an ES256 JWS with the decision and nothing more', async () => {
    const signer = ReceiptSigner.ephemeral('https://verifier.example');
    const jws = await signer.sign(
      'id123',
      { purpose: 'kyc', outcome: 'verified', value: { kind: 'attributes', attributes: { name: 'A B' } }, docType: 'org.iso.18013.5.1.mDL', issuer: { subject: 'CN=DS', country: 'US', trustSet: 'us-aamva', anchor: 'x' }, failureCodes: [] },
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: signer.kid, typ: 'kakunin-receipt+jwt' });
    expect(await signer.verify(jws)).toEqual({
      iss: 'https://verifier.example', sub: 'id123', jti: 'id123', iat: 1767225600, purpose: 'kyc', outcome: 'verified',
      decision: { name: 'A B' }, doc_type: 'org.iso.18013.5.1.mDL', issuer: { subject: 'CN=DS', country: 'US', trust_set: 'us-aamva' }, failure_codes: [],
    });
    const tampered = jws.slice(0, -4) + (jws.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(signer.verify(tampered)).rejects.toThrow();
  });
});
