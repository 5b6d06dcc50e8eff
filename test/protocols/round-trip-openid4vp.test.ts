/**
 * OpenID4VP 1.0 by QR code / link (HAIP: signed request by request_uri, direct_post.jwt) end to end
 * with the sandbox wallet.
 */
import { describe, expect, it } from 'vitest';
import { MDL_DOCTYPE, MNC_NS } from '../../src/sandbox/index.js';
import { answerOpenID4VPRedirect } from '../../src/sandbox/wallet-openid4vp.js';
import { SandboxWallet, WalletRefusal } from '../../src/sandbox/wallet.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { createOpenID4VPRequest, getRequestObject, receiveDirectPost } from '../../src/protocols/oid4vp/redirect-flow.js';
import { MemoryRequestStateStore } from '../../src/protocols/state/request-state-store.js';
import { AGE_AND_RESIDENCE, world, type World } from './fixtures.js';

const BASE = 'https://verifier.example';

async function ask(w: World, prefix: 'x509_hash' | 'x509_san_dns' = 'x509_hash', request = AGE_AND_RESIDENCE) {
  return createOpenID4VPRequest({
    request,
    identity: w.identity,
    clientIdPrefix: prefix,
    requestUri: (id) => `${BASE}/request/${id}`,
    responseUri: (id) => `${BASE}/response/${id}`,
    at: w.at,
    store: w.store,
  });
}

/** The wallet's HTTP GET of request_uri, served from the verifier's state. */
const fetcher = (w: World) => async (uri: string) => getRequestObject(w.store, uri.slice(`${BASE}/request/`.length), w.at, { identity: w.identity });

describe('OpenID4VP redirect / QR round trips', () => {
  for (const prefix of ['x509_hash', 'x509_san_dns'] as const) {
    it(`client_id ${prefix}: signed request, direct_post.jwt, verified`, async () => {
      const w = await world();
      const req = await ask(w, prefix);
      expect(req.walletUrl).toMatch(/^openid4vp:\/\/\?client_id=/);
      const claims = JSON.parse(Buffer.from((await fetcher(w)(`${BASE}/request/${req.id}`)).split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ response_type: 'vp_token', response_mode: 'direct_post.jwt', aud: 'https://self-issued.me/v2', state: req.id });
      const posted = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, fetcher(w));
      expect(posted.responseUri).toBe(`${BASE}/response/${req.id}`);
      const r = await receiveDirectPost({ id: req.id, body: posted.body, store: w.store, trust: w.trust, at: w.at });
      expect(r.errors).toEqual([]);
      expect(r.valid).toBe(true);
      expect(r.protocol).toBe('openid4vp');
      expect(r.documents[0].elements.issuerSigned[MNC_NS]).toEqual({ age_over_20: true });
    });
  }

  it('request_uri_method=post (§5.10): the wallet POSTs a wallet_nonce and gets it back in a request object signed for it; one without it is refused', async () => {
    const w = await world();
    const req = await createOpenID4VPRequest({
      request: AGE_AND_RESIDENCE,
      identity: w.identity,
      requestUri: (id) => `${BASE}/request/${id}`,
      responseUri: (id) => `${BASE}/response/${id}`,
      at: w.at,
      store: w.store,
      requestUriMethod: 'post',
    });
    expect(new URL(req.walletUrl).searchParams.get('request_uri_method')).toBe('post');
    const nonces: (string | undefined)[] = [];
    const posting = async (uri: string, walletNonce?: string) => {
      nonces.push(walletNonce);
      return getRequestObject(w.store, uri.slice(`${BASE}/request/`.length), w.at, { identity: w.identity, ...(walletNonce === undefined ? {} : { walletNonce }) });
    };
    const posted = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, posting);
    expect(nonces).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
    const r = await receiveDirectPost({ id: req.id, body: posted.body, store: w.store, trust: w.trust, at: w.at });
    expect(r.valid).toBe(true);
    // A request object without the wallet's nonce (fetched by GET, or replayed from another wallet) is refused.
    const other = await createOpenID4VPRequest({
      request: AGE_AND_RESIDENCE,
      identity: w.identity,
      requestUri: (id) => `${BASE}/request/${id}`,
      responseUri: (id) => `${BASE}/response/${id}`,
      at: w.at,
      store: w.store,
      requestUriMethod: 'post',
    });
    await expect(answerOpenID4VPRedirect(w.wallet(), other.walletUrl, fetcher(w))).rejects.toThrow(/wallet_nonce/);
  });

  it('signs the request object when fetched: each fetch signs anew, nothing signed is kept, and a state that kept one (an older kakunin) still serves', async () => {
    const w = await world();
    const req = await ask(w);
    const kept = JSON.parse((await w.store.get(req.id))!) as { oid4vp: Record<string, unknown> };
    expect(kept.oid4vp.requestObject).toBeUndefined();
    const payload = (jar: string) => JSON.parse(Buffer.from(jar.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    const first = await getRequestObject(w.store, req.id, w.at, { identity: w.identity });
    const later = await getRequestObject(w.store, req.id, new Date(w.at.getTime() + 5000), { identity: w.identity });
    expect(payload(later)).toEqual({ ...payload(first), iat: (payload(first).iat as number) + 5 });
    expect(payload(first)).toMatchObject({ client_id: kept.oid4vp.clientId, nonce: kept.oid4vp.nonce, state: req.id, client_metadata: { jwks: { keys: [{ kid: kept.oid4vp.kid }] } } });
    // Rolling upgrade: the state an earlier version wrote carries its signed object, served as it is.
    const older = new MemoryRequestStateStore();
    await older.put(req.id, JSON.stringify({ ...kept, oid4vp: { ...kept.oid4vp, requestObject: first } }), 60);
    expect(await getRequestObject(older, req.id, new Date(w.at.getTime() + 9000), { identity: w.identity })).toBe(first);
    const forWallet = await getRequestObject(older, req.id, w.at, { identity: w.identity, walletNonce: 'wn-1' });
    expect(payload(forWallet)).toEqual({ ...payload(first), wallet_nonce: 'wn-1' });
    // Another certificate than the request's client_id names (an instance configured differently):
    // refused, rather than signing a request object every wallet would reject.
    const other = await createDevelopmentIdentity('verifier.example', w.at);
    await expect(getRequestObject(w.store, req.id, w.at, { identity: other })).rejects.toThrow(/same KAKUNIN_VERIFIER_CERT_FILE/);
    const posted = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, fetcher(w));
    expect((await receiveDirectPost({ id: req.id, body: posted.body, store: w.store, trust: w.trust, at: w.at })).valid).toBe(true);
  });

  it('falls back to the mDL when the holder has no My Number Card', async () => {
    const w = await world();
    const req = await ask(w);
    const wallet = w.wallet();
    (wallet.options as { credentials: typeof w.credentials }).credentials = w.credentials.filter((c) => c.docType === MDL_DOCTYPE);
    const posted = await answerOpenID4VPRedirect(wallet, req.walletUrl, fetcher(w));
    const r = await receiveDirectPost({ id: req.id, body: posted.body, store: w.store, trust: w.trust, at: w.at });
    expect(r.valid).toBe(true);
    expect(r.credentialIds).toEqual(['mdl']);
  });

  it('another POST to a used request fails with NONCE_REPLAYED; the same POST again only until released', async () => {
    const w = await world();
    const req = await ask(w);
    const posted = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, fetcher(w));
    // A second answer, made before the first is posted (after it, request_uri is closed).
    const second = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, fetcher(w));
    expect(second.body).not.toBe(posted.body);
    const receive = (body: string) => receiveDirectPost({ id: req.id, body, store: w.store, trust: w.trust, at: w.at });
    expect((await receive(posted.body)).valid).toBe(true);
    await expect(receive(second.body)).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
    // The same POST retried (its reply was lost) is the same answer: it verifies again until released.
    expect((await receive(posted.body)).valid).toBe(true);
    await w.store.release(req.id);
    await expect(receive(posted.body)).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
  });

  it('a response posted to another request is refused (other key) and leaves both requests usable', async () => {
    const w = await world();
    const a = await ask(w);
    const b = await ask(w);
    const postedA = await answerOpenID4VPRedirect(w.wallet(), a.walletUrl, fetcher(w));
    await expect(receiveDirectPost({ id: b.id, body: postedA.body, store: w.store, trust: w.trust, at: w.at })).rejects.toMatchObject({ code: 'RESPONSE_ENCRYPTION_MISMATCH' });
    expect((await receiveDirectPost({ id: a.id, body: postedA.body, store: w.store, trust: w.trust, at: w.at })).valid).toBe(true);
    // a is used up (kept for its own retry until released), b still open.
    expect(await w.store.get(a.id)).toBeUndefined();
    expect(await w.store.get(b.id)).toBeDefined();
  });

  it('expired request: REQUEST_EXPIRED', async () => {
    const w = await world();
    const req = await ask(w);
    const posted = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, fetcher(w));
    await expect(receiveDirectPost({ id: req.id, body: posted.body, store: w.store, trust: w.trust, at: new Date(w.at.getTime() + 600_000) })).rejects.toMatchObject({
      code: 'REQUEST_EXPIRED',
    });
  });

  it('a MITM serving a modified request object is refused by the wallet', async () => {
    const w = await world();
    const req = await ask(w);
    const tampering = async (uri: string) => {
      const jws = await fetcher(w)(uri);
      const [h, p, s] = jws.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      claims.response_uri = 'https://attacker.example/collect';
      return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    };
    await expect(answerOpenID4VPRedirect(w.wallet(), req.walletUrl, tampering)).rejects.toBeInstanceOf(WalletRefusal);
  });

  it('plaintext, garbage and wallet-error bodies get their codes and change no state', async () => {
    const w = await world();
    const req = await ask(w);
    await expect(receiveDirectPost({ id: req.id, body: 'vp_token=%7B%7D', store: w.store, trust: w.trust, at: w.at })).rejects.toMatchObject({ code: 'RESPONSE_ENCRYPTION_MISMATCH' });
    await expect(receiveDirectPost({ id: req.id, body: 'response=garbage', store: w.store, trust: w.trust, at: w.at })).rejects.toMatchObject({ code: 'RESPONSE_MALFORMED' });
    await expect(receiveDirectPost({ id: req.id, body: 'error=access_denied', store: w.store, trust: w.trust, at: w.at })).rejects.toMatchObject({ code: 'WALLET_ERROR' });
    expect(w.store.size).toBe(1);
  });

  it('extra elements: ELEMENT_NOT_REQUESTED', async () => {
    const w = await world();
    const req = await ask(w);
    const posted = await answerOpenID4VPRedirect(w.wallet({ extraElements: [{ nameSpace: MNC_NS, elementIdentifier: 'birth_date' }] }), req.walletUrl, fetcher(w));
    const r = await receiveDirectPost({ id: req.id, body: posted.body, store: w.store, trust: w.trust, at: w.at });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(['ELEMENT_NOT_REQUESTED']);
  });

  it('the wallet refuses a request signed by a verifier it does not trust', async () => {
    const w = await world();
    const req = await ask(w);
    const otherRoot = (await createDevelopmentIdentity('other.example', w.at)).rootDer;
    const stranger = new SandboxWallet({ credentials: w.credentials, trustedReaderRoots: [otherRoot], now: () => new Date() });
    await expect(answerOpenID4VPRedirect(stranger, req.walletUrl, fetcher(w))).rejects.toThrow(/trusted reader root/);
  });
});
