import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ReceiptAudience } from '../../src/service/http/api-key.js';
import { ReceiptSigner } from '../../src/service/verifications/receipts.js';
import { deliverWebhook } from '../../src/service/webhooks/delivery.js';

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
      { url: 'https://merchant.example/hook', eventId: 'evt_1', verificationId: 'v1', state: 'verified' as const, receipt: 'jws' },
      { attempts: 5, baseDelayMs: 100, timeoutMs: 1000, fetch: fakeFetch(['error', 503, 429, 204], seen), sleep: async (ms) => void delays.push(ms) },
    );
    expect(out).toEqual({ delivered: true, attempts: 4 });
    expect(delays).toEqual([100, 200, 400]);
    expect(seen[0]).toEqual({ event_id: 'evt_1', verification_id: 'v1', state: 'verified', receipt: 'jws' });
  });

  it('stops on a 4xx and after the last attempt', async () => {
    const opts = { attempts: 3, baseDelayMs: 1, timeoutMs: 1000, sleep: async () => undefined };
    expect(await deliverWebhook({ url: 'https://m/h', eventId: 'evt_1', verificationId: 'v', state: 'verified' as const, receipt: 'r' }, { ...opts, fetch: fakeFetch([400], []) })).toEqual({
      delivered: false,
      attempts: 1,
      reason: 'HTTP 400',
    });
    expect(await deliverWebhook({ url: 'https://m/h', eventId: 'evt_1', verificationId: 'v', state: 'verified' as const, receipt: 'r' }, { ...opts, fetch: fakeFetch([500, 500, 500], []) })).toEqual({
      delivered: false,
      attempts: 3,
      reason: 'HTTP 500',
    });
  });
});

describe('receipt', () => {
  it('is an ES256 JWS with the decision and nothing more', async () => {
    const signer = ReceiptSigner.ephemeral('https://verifier.example');
    const jws = await signer.sign(
      'id123',
      {
        purpose: 'kyc',
        outcome: 'verified',
        value: { kind: 'attributes', attributes: { name: 'A B' } },
        docType: 'org.iso.18013.5.1.mDL',
        issuer: { subject: 'CN=DS', country: 'US', trustSet: 'us-aamva', anchor: 'x' },
        failureCodes: [],
      },
      new Date('2026-01-01T00:00:00Z'),
      'kakunin-client:aaaa',
    );
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: signer.kid, typ: 'kakunin-receipt+jwt' });
    expect(await signer.verify(jws)).toEqual({
      iss: 'https://verifier.example',
      sub: 'id123',
      aud: 'kakunin-client:aaaa',
      jti: 'id123',
      iat: 1767225600,
      exp: 1767229200,
      purpose: 'kyc',
      outcome: 'verified',
      decision: { name: 'A B' },
      doc_type: 'org.iso.18013.5.1.mDL',
      issuer: { subject: 'CN=DS', country: 'US', trust_set: 'us-aamva' },
      kyc_record: expect.objectContaining({ 確認番号: 'id123' }),
      failure_codes: [],
    });
    const tampered = jws.slice(0, -4) + (jws.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(signer.verify(tampered)).rejects.toThrow();
  });
});

describe('a receipt a merchant cannot misuse', () => {
  const decision = { purpose: 'age_over', outcome: 'verified' as const, value: { kind: 'age_over' as const, threshold: 20, over: true }, failureCodes: [] };
  const at = new Date('2026-11-25T00:00:00Z');

  it('carries the creating client as aud: replayed to another client it fails the audience check, as documented (JWKS, iss, sub, aud, exp)', async () => {
    const signer = ReceiptSigner.ephemeral('https://verifier.example');
    const audience = ReceiptAudience.fromSecret(signer.deriveSecret('receipt audience'), signer.kid);
    const clientA = audience.of('key-of-merchant-a-0123456789abcdef');
    const clientB = audience.of('key-of-merchant-b-0123456789abcdef');
    expect(clientA).toMatch(/^kakunin-client:[\w-]{8}\.[\w-]{22}$/);
    expect(clientA).not.toBe(clientB);
    expect(clientA).not.toContain('merchant');
    const jws = await signer.sign('v-abc', decision, at, clientA);
    const jwks = createLocalJWKSet(signer.jwks);
    const check = (audience: string, now: Date) =>
      jwtVerify(jws, jwks, { issuer: 'https://verifier.example', audience, subject: 'v-abc', typ: 'kakunin-receipt+jwt', currentDate: now, algorithms: ['ES256'] });
    await expect(check(clientA, at)).resolves.toMatchObject({ payload: { aud: clientA } });
    await expect(check(clientB, at)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
    // Fresh for an hour, then no longer evidence.
    await expect(check(clientA, new Date(at.getTime() + 3601_000))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });
});

describe('the 確認記録 in a KYC receipt (犯収法)', () => {
  it('attests when, how, which document and issuer, which items and which verification: never the My Number', async () => {
    const signer = ReceiptSigner.ephemeral('https://verifier.example');
    const decision = {
      purpose: 'kyc',
      outcome: 'verified' as const,
      value: { kind: 'attributes' as const, attributes: { name: '確認 花子', address: '東京都千代田区千代田1-1', birth_date: '1990-04-01' } },
      docType: 'org.iso.23220.1.jp.mnc',
      issuer: { subject: 'CN=J-LIS DS, C=JP', country: 'JP', trustSet: 'jp-jlis', anchor: 'J-LIS mncmdocRootCA' },
      failureCodes: [],
    };
    const claims = await signer.verify(await signer.sign('v-kyc', decision, new Date('2026-11-25T03:00:00Z'), 'kakunin-client:aaaa'));
    expect(claims.kyc_record).toEqual({
      法令: expect.stringContaining('施行規則 第20条'),
      確認日時: '2026-11-25T03:00:00.000Z',
      確認方法: expect.stringContaining('ISO/IEC 18013-5'),
      本人確認書類: { 種類: expect.stringContaining('個人番号カード'), docType: 'org.iso.23220.1.jp.mnc', 発行者: 'CN=J-LIS DS, C=JP' },
      確認した本人特定事項: ['氏名', '住居', '生年月日'],
      確認番号: 'v-kyc',
    });
    expect(JSON.stringify(claims)).not.toMatch(/individual_number|個人番号\\b/);
    // An age check's receipt carries no record.
    const age = await signer.verify(
      await signer.sign('v-age', { purpose: 'age_over', outcome: 'verified', value: { kind: 'age_over', threshold: 20, over: true }, failureCodes: [] }, new Date(), 'kakunin-client:aaaa'),
    );
    expect(age.kyc_record).toBeUndefined();
  });
});
