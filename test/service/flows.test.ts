/**
 * The three ways a wallet answers, end to end through the HTTP API, with the sandbox holder wallet:
 *   - Apple: DC API org-iso-mdoc (ISO 18013-7 Annex C), posted by the page to dcapi-response;
 *   - Google: DC API openid4vp-v1-signed (dc_api.jwt), posted the same way;
 *   - any OpenID4VP wallet by QR: request_uri (GET or POST), response_uri with direct_post.jwt.
 * Each reaches "verified" with the minimal result; then tampering, replay and a second answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import type { DigitalCredentialAnswer } from '../../src/sandbox/wallet-dcapi.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import type { RequestRefs } from '../../src/service/verifications/wallet-protocols.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { answerAnnexC, type AnnexCRequestData } from '../../src/sandbox/wallet-annex-c.js';
import { TrustStore } from '../../src/trust/index.js';
import { freePort } from './helpers.js';

const KEY = 'flows-test-key-0123456789-QwErTyUi';
let svc: StartedService;
let adult: DemoWallet;
let minor: DemoWallet;
let base: string;
let origin: string;

beforeAll(async () => {
  adult = await DemoWallet.create(new Date());
  minor = await DemoWallet.create(new Date(), { birthDate: '2012-05-05' });
  const trust = TrustStore.merge(TrustStore.fromCertificates([adult.iaca.der], { set: 'sandbox', test: true }), TrustStore.fromCertificates([minor.iaca.der], { set: 'sandbox', test: true }));
  svc = await startServe(['--port', String(await freePort()), '--api-keys', KEY], { env: { KAKUNIN_REVOCATION: 'off' }, logger: createLogger('silent'), extraTrust: trust });
  base = `http://localhost:${(svc.server.address() as { port: number }).port}`;
  origin = new URL(svc.url).origin;
});
afterAll(async () => svc?.close());

interface Created {
  id: string;
  qr: { uri: string };
  dcapi: { digital: { requests: { protocol: string; data: Record<string, unknown> }[] } };
}

/** The service's public URL is the port it listens on, under another name. */
const local: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/localhost:\d+/, base), init);

async function create(purpose = 'age_over'): Promise<Created> {
  const res = await fetch(`${base}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ purpose }) });
  expect(res.status).toBe(201);
  const v = (await res.json()) as Omit<Created, 'dcapi'>;
  // As a page with the DC API does: its request is made when asked for.
  const { dcapi } = (await (await fetch(`${base}/v1/verifications/${v.id}/dcapi-request`)).json()) as Pick<Created, 'dcapi'>;
  return { ...v, dcapi };
}

const read = async (id: string) => (await (await fetch(`${base}/v1/verifications/${id}`)).json()) as Record<string, any>;

/** As a browser does: the wallet sees only the request in the protocol it speaks. */
function offering(v: Created, protocol: string): Created['dcapi'] {
  return { digital: { requests: v.dcapi.digital.requests.filter((r) => r.protocol === protocol) } };
}

const postDcApi = (id: string, credential: unknown) =>
  fetch(`${base}/v1/verifications/${id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credential) });

/** The wallet's direct_post.jwt body for a QR, without posting it. */
async function redirectAnswer(wallet: DemoWallet, v: Created): Promise<{ responseUri: string; body: string }> {
  let posted: { responseUri: string; body: string } | undefined;
  const capture: typeof fetch = async (input, init) => {
    if (init?.method === 'POST' && String(input).endsWith('/response')) {
      posted = { responseUri: String(input).replace(/^http:\/\/localhost:\d+/, base), body: String(init.body) };
      return new Response('{}');
    }
    return local(input, init);
  };
  await wallet.answerQr(v.qr.uri, capture);
  return posted!;
}

const postForm = (uri: string, body: string) => fetch(uri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

/** Flips one character in the middle of a base64url string (the ciphertext). */
function flip(s: string, at = Math.floor(s.length / 2)): string {
  return s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
}

function expectMinimalVerified(result: Record<string, any>) {
  expect(result.state).toBe('verified');
  expect(Object.keys(result).sort()).toEqual(['decision', 'expires_at', 'id', 'purpose', 'receipt', 'state']);
  expect(result.decision).toMatchObject({ outcome: 'verified', value: { kind: 'age_over', threshold: 20, over: true }, docType: 'org.iso.23220.1.jp.mnc', failureCodes: [] });
  expect(JSON.stringify(result)).not.toMatch(/1990|花子|千代田|131016/);
}

describe.each(['org-iso-mdoc', 'openid4vp-v1-signed'])('DC API %s through POST /v1/verifications/{id}/dcapi-response', (protocol) => {
  it('verifies, with only the decision in the answer', async () => {
    const v = await create();
    const credential = await adult.answerDcApi(offering(v, protocol), origin);
    expect(credential.protocol).toBe(protocol);
    const res = await postDcApi(v.id, credential);
    expect(res.status).toBe(200);
    expectMinimalVerified((await res.json()) as Record<string, any>);
    expectMinimalVerified(await read(v.id));
  });

  it('answers a tampered ciphertext with a coded 400, changes nothing, then takes the real answer', async () => {
    const v = await create();
    const credential = await adult.answerDcApi(offering(v, protocol), origin);
    const response = credential.data.response;
    // Annex C: b64url CBOR; dc_api.jwt: a compact JWE whose 4th part is the ciphertext.
    const tampered =
      protocol === 'org-iso-mdoc'
        ? flip(response, response.length - 20)
        : response
            .split('.')
            .map((p, i) => (i === 3 ? flip(p) : p))
            .join('.');
    const bad = await postDcApi(v.id, { ...credential, data: { response: tampered } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'RESPONSE_DECRYPTION_FAILED' });
    if (protocol === 'org-iso-mdoc') {
      // An honest wallet refuses another page (readerAuth covers the origin); a wallet that skips
      // the check answers, but its answer does not open: HPKE info is the transcript, with the origin.
      await expect(adult.answerDcApi(offering(v, protocol), 'https://evil.example')).rejects.toThrow('readerAuth does not verify');
      const careless = new SandboxWallet({ ...adult.wallet.options, behaviour: { skipRequestChecks: true } });
      const data = offering(v, protocol).digital.requests[0].data as unknown as AnnexCRequestData;
      const wrongOrigin = await postDcApi(v.id, await answerAnnexC(careless, data, 'https://evil.example'));
      expect(wrongOrigin.status).toBe(400);
      expect(await wrongOrigin.json()).toMatchObject({ error: 'RESPONSE_DECRYPTION_FAILED' });
    }
    expect((await read(v.id)).state).toBe('pending');
    const good = await postDcApi(v.id, credential);
    expect(good.status).toBe(200);
    expect((await read(v.id)).state).toBe('verified');
  });

  it('refuses a replay with 409, and the request state is used up for every instance', async () => {
    const v = await create();
    const refs = (await svc.ctx.store.get(v.id)) as { session: { secrets: unknown } };
    const credential = await adult.answerDcApi(offering(v, protocol), origin);
    // Five copies at once: exactly one is taken, the others are refused with a code.
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => postDcApi(v.id, credential)));
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of all.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(['ALREADY_ANSWERED', 'NONCE_REPLAYED']).toContain(((await r.json()) as { error: string }).error);
    }
    expect((await read(v.id)).state).toBe('verified');
    // Past the session's own check, the protocol layer refuses it too: the nonce is single-use.
    await expect(svc.ctx.protocols.receiveDcApi(refs.session.secrets as RequestRefs, credential, { trust: svc.ctx.trust, at: new Date() })).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
  });
});

describe('OpenID4VP by QR: request_uri and response_uri (direct_post.jwt)', () => {
  it('serves the signed request object by GET and by POST with wallet_nonce, and verifies the answer', async () => {
    const v = await create();
    const url = new URL(v.qr.uri);
    expect(url.protocol).toBe('openid4vp:');
    const requestUri = url.searchParams.get('request_uri')!.replace(/^http:\/\/localhost:\d+/, base);
    const got = await fetch(requestUri);
    expect(got.status).toBe(200);
    // RFC 9101 §9.4.1 registers the media type without parameters: a wallet may compare it exactly.
    expect(got.headers.get('content-type')).toBe('application/oauth-authz-req+jwt');
    const claims = decodeJwt(await got.text());
    expect(claims).toMatchObject({ client_id: url.searchParams.get('client_id'), response_mode: 'direct_post.jwt', response_type: 'vp_token' });
    expect(String(claims.response_uri)).toMatch(/\/v1\/wallet\/[A-Za-z0-9_-]+\/response$/);
    expect(JSON.stringify(claims)).not.toContain(v.id);
    expect((await read(v.id)).state).toBe('retrieved');

    const posted = await fetch(requestUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'wallet_nonce=qPmxiNFCR3QTm19POc8u' });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('content-type')).toBe('application/oauth-authz-req+jwt');
    const withNonce = decodeJwt(await posted.text());
    expect(withNonce).toMatchObject({ wallet_nonce: 'qPmxiNFCR3QTm19POc8u', nonce: claims.nonce, client_id: claims.client_id });

    const answer = await adult.answerQr(v.qr.uri, local);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({});
    expectMinimalVerified(await read(v.id));
  });

  it('answers a tampered JWE with a coded 400, changes nothing, then takes the real answer', async () => {
    const v = await create();
    const { responseUri, body } = await redirectAnswer(adult, v);
    const jwe = new URLSearchParams(body).get('response')!;
    const tampered = jwe
      .split('.')
      .map((p, i) => (i === 3 ? flip(p) : p))
      .join('.');
    const bad = await postForm(responseUri, new URLSearchParams({ response: tampered }).toString());
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'RESPONSE_DECRYPTION_FAILED' });
    expect((await read(v.id)).state).toBe('retrieved');
    expect((await postForm(responseUri, body)).status).toBe(200);
    expectMinimalVerified(await read(v.id));
  });

  it('refuses a replay with 409 and a code', async () => {
    const v = await create();
    const refs = (await svc.ctx.store.get(v.id)) as { session: { secrets: unknown } };
    const { responseUri, body } = await redirectAnswer(adult, v);
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => postForm(responseUri, body)));
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of all.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(['ALREADY_ANSWERED', 'NONCE_REPLAYED']).toContain(((await r.json()) as { error: string }).error);
    }
    const later = await postForm(responseUri, body);
    expect(later.status).toBe(409);
    expect(await later.json()).toMatchObject({ error: 'ALREADY_ANSWERED' });
    await expect(
      svc.ctx.protocols.receiveDirectPost(refs.session.secrets as RequestRefs, Object.fromEntries(new URLSearchParams(body)), { trust: svc.ctx.trust, at: new Date() }),
    ).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
    expectMinimalVerified(await read(v.id));
  });
});

describe('a second answer', () => {
  it('gets 409 whichever way it comes, and the first result stands', async () => {
    const v = await create();
    const lookup = await svc.ctx.store.get(v.id);
    if (lookup.status !== 'found') throw new Error('no session');
    const refs = lookup.session.secrets as unknown as RequestRefs;
    // First: a holder under 20, by the Apple path. The check completes: verified, over: false.
    const first = await postDcApi(v.id, await minor.answerDcApi(offering(v, 'org-iso-mdoc'), origin));
    expect(first.status).toBe(200);
    const firstResult = (await first.json()) as Record<string, any>;
    expect(firstResult.decision.value).toEqual({ kind: 'age_over', threshold: 20, over: false });

    const second: DigitalCredentialAnswer = await adult.answerDcApi(offering(v, 'openid4vp-v1-signed'), origin);
    const viaDcApi = await postDcApi(v.id, second);
    expect(viaDcApi.status).toBe(409);
    expect(await viaDcApi.json()).toMatchObject({ error: 'ALREADY_ANSWERED' });
    // The QR path: the wallet cannot even fetch the request any more.
    await expect(adult.answerQr(v.qr.uri, local)).rejects.toThrow('request_uri answered 409');
    const result = await read(v.id);
    expect(result.decision).toEqual(firstResult.decision);
    expect(result.receipt).toBe(firstResult.receipt);
    // Every request state of the session was used up with the first answer, not only the one it used.
    await expect(svc.ctx.protocols.requestObject(refs)).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
    await expect(svc.ctx.protocols.receiveDcApi(refs, second, { trust: svc.ctx.trust, at: new Date() })).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
  });

  it('refuses a protocol the session did not offer, and the wallet errors are coded', async () => {
    const v = await create();
    const unsigned = await postDcApi(v.id, { protocol: 'openid4vp-v1-unsigned', data: { response: 'x' } });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ error: 'PROTOCOL_UNSUPPORTED' });
    const garbage = await postDcApi(v.id, { protocol: 'org-iso-mdoc', data: { response: '!!!' } });
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: 'RESPONSE_MALFORMED' });
    expect((await read(v.id)).state).toBe('pending');
  });

  it('the protocol answered is the protocol asked: real answers relabelled are refused with a code, change nothing, and the real one verifies', async () => {
    const v = await create();
    const signed = await adult.answerDcApi(offering(v, 'openid4vp-v1-signed'), origin);
    const annexC = await adult.answerDcApi(offering(v, 'org-iso-mdoc'), origin);
    const refused = [
      [{ ...signed, protocol: 'openid4vp-v1-unsigned' }, 'PROTOCOL_UNSUPPORTED'],
      [{ ...signed, protocol: 'org-iso-mdoc' }, 'PROTOCOL_MISMATCH'],
      [{ ...annexC, protocol: 'openid4vp-v1-signed' }, 'PROTOCOL_MISMATCH'],
    ] as const;
    for (const [relabelled, code] of refused) {
      const res = await postDcApi(v.id, relabelled);
      expect(res.status, relabelled.protocol).toBe(400);
      expect(await res.json()).toMatchObject({ error: code });
    }
    expect((await read(v.id)).state).toBe('pending');
    const res = await postDcApi(v.id, signed);
    expect(res.status).toBe(200);
    expectMinimalVerified((await res.json()) as Record<string, any>);
  });
});

describe('the OpenAPI document', () => {
  it('names every code these flows answer with', async () => {
    const doc = await (await fetch(`${base}/openapi.json`)).text();
    for (const code of [
      'ALREADY_ANSWERED',
      'NONCE_REPLAYED',
      'REQUEST_EXPIRED',
      'RESPONSE_DECRYPTION_FAILED',
      'RESPONSE_MALFORMED',
      'PROTOCOL_UNSUPPORTED',
      'org-iso-mdoc',
      'openid4vp-v1-signed',
      'wallet_nonce',
    ]) {
      expect(doc).toContain(code);
    }
  });
});
