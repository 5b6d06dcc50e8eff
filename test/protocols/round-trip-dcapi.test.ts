/**
 * The Digital Credentials API flow end to end with the sandbox wallet: one request offering
 * org-iso-mdoc and openid4vp-v1-signed/-unsigned, answered each way, then tampered with, replayed,
 * answered late, over-disclosed.
 */
import { describe, expect, it } from 'vitest';
import { MNC_JP_NS, MNC_NS } from '../../src/sandbox/index.js';
import { answerAnnexC } from '../../src/sandbox/wallet-annex-c.js';
import { answerOpenID4VPOverDcApi } from '../../src/sandbox/wallet-openid4vp.js';
import { WalletRefusal } from '../../src/sandbox/wallet.js';
import { createDigitalCredentialRequest, type DcApiProtocol } from '../../src/protocols/dcapi/digital-credential-request.js';
import { receiveDigitalCredentialResponse } from '../../src/protocols/dcapi/digital-credential-response.js';
import { AGE_AND_RESIDENCE, ORIGIN, world, type World } from './fixtures.js';

async function ask(w: World, protocols?: DcApiProtocol[], withIdentity = true) {
  return createDigitalCredentialRequest({ request: AGE_AND_RESIDENCE, origin: ORIGIN, identity: withIdentity ? w.identity : undefined, protocols, at: w.at, store: w.store });
}

function offered(req: Awaited<ReturnType<typeof ask>>, protocol: string): Record<string, any> {
  return req.credentialRequestOptions.digital.requests.find((r) => r.protocol === protocol)!.data;
}

describe('DC API request', () => {
  it('offers org-iso-mdoc and openid4vp-v1-signed by default', async () => {
    const w = await world();
    const req = await ask(w);
    expect(req.credentialRequestOptions.digital.requests.map((r) => r.protocol)).toEqual(['org-iso-mdoc', 'openid4vp-v1-signed']);
    const annexC = offered(req, 'org-iso-mdoc');
    expect(Object.keys(annexC).sort()).toEqual(['deviceRequest', 'encryptionInfo']);
    const jws = String(offered(req, 'openid4vp-v1-signed').request);
    const header = JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString());
    expect(header.typ).toBe('oauth-authz-req+jwt');
    expect(header.x5c).toHaveLength(1);
    const claims = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString());
    expect(claims.client_id).toMatch(/^x509_hash:/);
    expect(claims.expected_origins).toEqual([ORIGIN]);
    expect(claims.response_mode).toBe('dc_api.jwt');
    expect(claims.client_metadata.encrypted_response_enc_values_supported).toEqual(['A128GCM', 'A256GCM']);
    expect(claims.client_metadata.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ECDH-ES', use: 'enc' });
    expect(claims.client_metadata.jwks.keys[0].d).toBeUndefined();
    expect(claims.dcql_query.credential_sets).toEqual([{ options: [['mnc'], ['mdl']], required: true }]);
  });
});

describe('DC API round trips with the sandbox wallet', () => {
  it('org-iso-mdoc (Annex C): verified, only the asked elements', async () => {
    const w = await world();
    const req = await ask(w);
    const response = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    const r = await receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.protocol).toBe('org-iso-mdoc');
    expect(r.documents[0].elements.issuerSigned[MNC_NS]).toEqual({ age_over_20: true });
    expect(r.documents[0].elements.issuerSigned[MNC_JP_NS]).toEqual({ local_gov_code_unicode: '131016' });
  });

  for (const protocol of ['openid4vp-v1-signed', 'openid4vp-v1-unsigned'] as const) {
    it(`${protocol}: verified`, async () => {
      const w = await world();
      const req = await ask(w, [protocol], protocol === 'openid4vp-v1-signed');
      const response = await answerOpenID4VPOverDcApi(w.wallet(), protocol, offered(req, protocol), ORIGIN);
      const r = await receiveDigitalCredentialResponse({ id: req.id, response: JSON.stringify(response), store: w.store, trust: w.trust, at: w.at });
      expect(r.errors).toEqual([]);
      expect(r.valid).toBe(true);
      expect(r.credentialIds).toEqual(['mnc']);
    });
  }

  it('A128GCM from a wallet that prefers it is accepted too', async () => {
    const w = await world();
    const req = await ask(w, ['openid4vp-v1-signed']);
    const response = await answerOpenID4VPOverDcApi(w.wallet({ enc: 'A128GCM' }), 'openid4vp-v1-signed', offered(req, 'openid4vp-v1-signed'), ORIGIN);
    expect((await receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at })).valid).toBe(true);
  });

  it('another answer to a used request fails with NONCE_REPLAYED; the same one again only until released', async () => {
    const w = await world();
    const req = await ask(w);
    const response = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    const receive = (r: unknown) => receiveDigitalCredentialResponse({ id: req.id, response: r, store: w.store, trust: w.trust, at: w.at });
    expect((await receive(response)).valid).toBe(true);
    // A second answer (fresh HPKE encapsulation, same wallet and request) is a replay of the nonce.
    const second = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    await expect(receive(second)).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
    // The first answer's own retry (its result may not have been stored) verifies again...
    expect((await receive(response)).valid).toBe(true);
    // ...until the caller, its result stored, releases the request.
    await w.store.release(req.id);
    await expect(receive(response)).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
  });

  it('an answer after the request expired fails with REQUEST_EXPIRED', async () => {
    const w = await world();
    const req = await ask(w);
    const response = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    const late = new Date(w.at.getTime() + 301_000);
    await expect(receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: late })).rejects.toMatchObject({ code: 'REQUEST_EXPIRED' });
  });

  it('extra elements from the wallet fail with ELEMENT_NOT_REQUESTED; withheld ones with ELEMENT_MISSING', async () => {
    const w = await world();
    const req = await ask(w);
    const wallet = w.wallet({ extraElements: [{ nameSpace: MNC_JP_NS, elementIdentifier: 'individual_number_unicode' }], withholdElements: [{ nameSpace: MNC_NS, elementIdentifier: 'age_over_20' }] });
    const response = await answerAnnexC(wallet, offered(req, 'org-iso-mdoc') as any, ORIGIN);
    const r = await receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code).sort()).toEqual(['ELEMENT_MISSING', 'ELEMENT_NOT_REQUESTED']);
  });

  it('a phishing origin: Annex C cannot be opened (HPKE info differs) and the state survives', async () => {
    const w = await world();
    const req = await ask(w);
    // An honest wallet already refuses: readerAuth covers a transcript made with the real origin.
    await expect(answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, 'https://verifier.example.evil')).rejects.toBeInstanceOf(WalletRefusal);
    // A wallet that does not check readerAuth answers; the verifier still cannot open it.
    const evil = await answerAnnexC(w.wallet({ skipRequestChecks: true }), offered(req, 'org-iso-mdoc') as any, 'https://verifier.example.evil');
    await expect(receiveDigitalCredentialResponse({ id: req.id, response: evil, store: w.store, trust: w.trust, at: w.at })).rejects.toMatchObject({ code: 'RESPONSE_DECRYPTION_FAILED' });
    // Bad input changed nothing: the real answer still goes through.
    const good = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    expect((await receiveDigitalCredentialResponse({ id: req.id, response: good, store: w.store, trust: w.trust, at: w.at })).valid).toBe(true);
  });

  it('a phishing origin with OpenID4VP: the signed request is refused by the wallet (expected_origins)', async () => {
    const w = await world();
    const req = await ask(w, ['openid4vp-v1-signed']);
    await expect(answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-signed', offered(req, 'openid4vp-v1-signed'), 'https://evil.example')).rejects.toBeInstanceOf(WalletRefusal);
  });

  it('a relayed unsigned request answered at another origin fails device authentication', async () => {
    const w = await world();
    const req = await ask(w, ['openid4vp-v1-unsigned'], false);
    const response = await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-unsigned', offered(req, 'openid4vp-v1-unsigned'), 'https://evil.example');
    const r = await receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toContain('DEVICE_AUTH_INVALID');
  });

  it('a man in the middle who tampers with the ciphertext or swaps the nonce gets nowhere', async () => {
    const w = await world();
    const req = await ask(w, ['org-iso-mdoc', 'openid4vp-v1-unsigned'], true);
    // Ciphertext bit flip.
    const annexC = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    const raw = Buffer.from(annexC.data.response, 'base64url');
    raw[raw.length - 3] ^= 0x40;
    await expect(
      receiveDigitalCredentialResponse({ id: req.id, response: { protocol: 'org-iso-mdoc', data: { response: raw.toString('base64url') } }, store: w.store, trust: w.trust, at: w.at }),
    ).rejects.toMatchObject({ code: 'RESPONSE_DECRYPTION_FAILED' });
    // Nonce swapped in the unsigned request on the way to the wallet.
    const data = { ...offered(req, 'openid4vp-v1-unsigned'), nonce: 'attacker-nonce' };
    const swapped = await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-unsigned', data, ORIGIN);
    const r = await receiveDigitalCredentialResponse({ id: req.id, response: swapped, store: w.store, trust: w.trust, at: w.at });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toContain('DEVICE_AUTH_INVALID');
  });

  it('a tampered DeviceRequest is refused by the wallet (readerAuth)', async () => {
    const w = await world();
    const req = await ask(w, ['org-iso-mdoc']);
    const data = offered(req, 'org-iso-mdoc');
    // The request relayed to another origin: readerAuth covered the transcript with the real origin.
    await expect(answerAnnexC(w.wallet(), data as any, 'https://evil.example')).rejects.toThrow(/readerAuth does not verify/);
    const other = await ask(w, ['org-iso-mdoc']);
    const mixed = { deviceRequest: data.deviceRequest, encryptionInfo: offered(other, 'org-iso-mdoc').encryptionInfo };
    await expect(answerAnnexC(w.wallet(), mixed, ORIGIN)).rejects.toThrow(/readerAuth does not verify/);
  });

  it('the protocol answered is the protocol asked: a relabelled answer is refused with a code and the real one still verifies', async () => {
    const w = await world();
    const base = { store: w.store, trust: w.trust, at: w.at };
    // Both OpenID4VP forms offered in one request: each has its own nonce and key, so an answer to
    // one cannot pass for an answer to the other.
    const both = await ask(w, ['openid4vp-v1-signed', 'openid4vp-v1-unsigned']);
    const [signed, unsigned] = [offered(both, 'openid4vp-v1-signed'), offered(both, 'openid4vp-v1-unsigned')];
    expect(JSON.parse(Buffer.from(String(signed.request).split('.')[1], 'base64url').toString()).nonce).not.toBe(unsigned.nonce);
    const toSigned = (await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-signed', signed, ORIGIN)) as Record<string, unknown>;
    const toUnsigned = (await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-unsigned', unsigned, ORIGIN)) as Record<string, unknown>;
    for (const [answer, label] of [
      [toSigned, 'openid4vp-v1-unsigned'],
      [toUnsigned, 'openid4vp-v1-signed'],
    ] as const) {
      await expect(receiveDigitalCredentialResponse({ ...base, id: both.id, response: { ...answer, protocol: label } })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
    }
    // An OpenID4VP answer labelled org-iso-mdoc, and the other way round.
    const withAnnexC = await ask(w);
    const annexC = (await answerAnnexC(w.wallet(), offered(withAnnexC, 'org-iso-mdoc') as any, ORIGIN)) as Record<string, unknown>;
    const oid = (await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-signed', offered(withAnnexC, 'openid4vp-v1-signed'), ORIGIN)) as Record<string, unknown>;
    await expect(receiveDigitalCredentialResponse({ ...base, id: withAnnexC.id, response: { ...oid, protocol: 'org-iso-mdoc' } })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
    await expect(receiveDigitalCredentialResponse({ ...base, id: withAnnexC.id, response: { ...annexC, protocol: 'openid4vp-v1-signed' } })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
    // A protocol the request did not offer at all.
    const signedOnly = await ask(w, ['openid4vp-v1-signed']);
    const answer = (await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-signed', offered(signedOnly, 'openid4vp-v1-signed'), ORIGIN)) as Record<string, unknown>;
    for (const label of ['openid4vp-v1-unsigned', 'org-iso-mdoc']) {
      await expect(receiveDigitalCredentialResponse({ ...base, id: signedOnly.id, response: { ...answer, protocol: label } })).rejects.toMatchObject({ code: 'PROTOCOL_UNSUPPORTED' });
    }
    // None of that used a request up: each real answer, labelled as it was, verifies.
    expect((await receiveDigitalCredentialResponse({ ...base, id: both.id, response: toUnsigned })).valid).toBe(true);
    expect((await receiveDigitalCredentialResponse({ ...base, id: withAnnexC.id, response: annexC })).valid).toBe(true);
    expect((await receiveDigitalCredentialResponse({ ...base, id: signedOnly.id, response: answer })).valid).toBe(true);
  });

  it('garbage, wrong protocol, oversize and unknown ids get codes and change no state', async () => {
    const w = await world();
    const req = await ask(w, ['org-iso-mdoc']);
    const base = { id: req.id, store: w.store, trust: w.trust, at: w.at };
    await expect(receiveDigitalCredentialResponse({ ...base, response: 'not json' })).rejects.toMatchObject({ code: 'RESPONSE_MALFORMED' });
    await expect(receiveDigitalCredentialResponse({ ...base, response: { protocol: 'org-iso-mdoc', data: { response: 'AAAA' } } })).rejects.toMatchObject({ code: 'RESPONSE_MALFORMED' });
    await expect(receiveDigitalCredentialResponse({ ...base, response: { protocol: 'openid4vp-v1-signed', data: { response: 'a.b.c.d.e' } } })).rejects.toMatchObject({ code: 'PROTOCOL_UNSUPPORTED' });
    await expect(receiveDigitalCredentialResponse({ ...base, response: { protocol: 'org-iso-mdoc', data: { response: 'A'.repeat(100) } }, maxResponseBytes: 50 })).rejects.toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
    });
    await expect(receiveDigitalCredentialResponse({ ...base, id: 'nope', response: {} })).rejects.toMatchObject({ code: 'NONCE_REPLAYED' });
    expect(w.store.size).toBe(1);
    const good = await answerAnnexC(w.wallet(), offered(req, 'org-iso-mdoc') as any, ORIGIN);
    expect((await receiveDigitalCredentialResponse({ ...base, response: good })).valid).toBe(true);
    expect(await w.store.get(req.id)).toBeUndefined(); // used up: no longer open
    await w.store.release(req.id);
    expect(w.store.size).toBe(0);
  });
});
