/**
 * openid4vp-v1-multisigned (OpenID4VP 1.0 §A.3.2): one request signed under several verifier
 * certificates (JWS JSON Serialization), client_id and verifier_info in each signature's protected
 * header; and verifier_info (§5.1) in single-signed requests. The sandbox wallet authenticates the
 * request under whichever certificate it trusts.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { flattenedVerify, type GeneralJWS } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDigitalCredentialRequest } from '../../src/protocols/dcapi/digital-credential-request.js';
import { receiveDigitalCredentialResponse } from '../../src/protocols/dcapi/digital-credential-response.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { MNC_NS } from '../../src/sandbox/index.js';
import { SandboxWallet, WalletRefusal } from '../../src/sandbox/wallet.js';
import { answerOpenID4VPOverDcApi } from '../../src/sandbox/wallet-openid4vp.js';
import { AGE_AND_RESIDENCE, ORIGIN, world, type World } from './fixtures.js';

const REGISTRATION = { format: 'jwt', data: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln', credential_ids: ['mnc'] };

async function multisigned(w: World, ecosystem: Awaited<ReturnType<typeof createDevelopmentIdentity>>) {
  const req = await createDigitalCredentialRequest({
    request: AGE_AND_RESIDENCE,
    origin: ORIGIN,
    identity: w.identity,
    additionalIdentities: [ecosystem],
    verifierInfo: [REGISTRATION],
    protocols: ['openid4vp-v1-multisigned'],
    at: w.at,
    store: w.store,
  });
  return { req, data: req.credentialRequestOptions.digital.requests[0].data as unknown as GeneralJWS };
}

const walletTrusting = (w: World, roots: Uint8Array[]) => new SandboxWallet({ credentials: w.credentials, trustedReaderRoots: roots, now: () => new Date() });
const decode = (b64u: string) => JSON.parse(Buffer.from(b64u, 'base64url').toString('utf8')) as Record<string, any>;

describe('openid4vp-v1-multisigned', () => {
  it('one payload, one signature per certificate, each with its own client_id; verifier_info only in its signer header', async () => {
    const w = await world();
    const ecosystem = await createDevelopmentIdentity('ecosystem.example', w.at);
    const { req, data } = await multisigned(w, ecosystem);
    expect(req.credentialRequestOptions.digital.requests.map((r) => r.protocol)).toEqual(['openid4vp-v1-multisigned']);
    expect(Object.keys(data).sort()).toEqual(['payload', 'signatures']);
    const payload = decode(data.payload);
    expect(payload).not.toHaveProperty('client_id');
    expect(payload).not.toHaveProperty('verifier_info');
    expect(payload).toMatchObject({ response_mode: 'dc_api.jwt', expected_origins: [ORIGIN], nonce: expect.any(String), iat: expect.any(Number) });
    expect(data.signatures).toHaveLength(2);
    const headers = data.signatures.map((s) => decode(s.protected!));
    expect(headers.map((h) => h.typ)).toEqual(['oauth-authz-req+jwt', 'oauth-authz-req+jwt']);
    expect(headers[0].verifier_info).toEqual([REGISTRATION]);
    expect(headers[1]).not.toHaveProperty('verifier_info');
    for (const [i, identity] of [w.identity, ecosystem].entries()) {
      expect(headers[i].client_id).toBe(`x509_hash:${createHash('sha256').update(identity.x5chain[0]).digest('base64url')}`);
      // Each signature verifies, over the shared payload, with the key of the certificate in its own header.
      const leaf = new X509Certificate(Buffer.from(headers[i].x5c[0], 'base64'));
      await expect(flattenedVerify({ payload: data.payload, protected: data.signatures[i].protected, signature: data.signatures[i].signature }, leaf.publicKey)).resolves.toBeTruthy();
    }
  });

  it('a wallet that trusts only the second certificate authenticates the request by it, and the answer verifies', async () => {
    const w = await world();
    const ecosystem = await createDevelopmentIdentity('ecosystem.example', w.at);
    const { req, data } = await multisigned(w, ecosystem);
    const response = await answerOpenID4VPOverDcApi(walletTrusting(w, [ecosystem.rootDer]), 'openid4vp-v1-multisigned', data, ORIGIN);
    const r = await receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.documents[0].elements.issuerSigned[MNC_NS]).toEqual({ age_over_20: true });
  });

  it('is refused by a wallet that trusts neither certificate, and when its payload was altered', async () => {
    const w = await world();
    const ecosystem = await createDevelopmentIdentity('ecosystem.example', w.at);
    const stranger = await createDevelopmentIdentity('stranger.example', w.at);
    const { data } = await multisigned(w, ecosystem);
    await expect(answerOpenID4VPOverDcApi(walletTrusting(w, [stranger.rootDer]), 'openid4vp-v1-multisigned', data as never, ORIGIN)).rejects.toBeInstanceOf(WalletRefusal);
    const altered = { ...data, payload: Buffer.from(JSON.stringify({ ...decode(data.payload), expected_origins: ['https://evil.example'] })).toString('base64url') };
    await expect(answerOpenID4VPOverDcApi(walletTrusting(w, [w.identity.rootDer, ecosystem.rootDer]), 'openid4vp-v1-multisigned', altered as never, 'https://evil.example')).rejects.toThrow(
      /signature does not verify/,
    );
  });
});

describe('verifier_info in a single-signed request', () => {
  it('is a claim of the signed request object, and absent unless configured', async () => {
    const w = await world();
    const make = (verifierInfo?: (typeof REGISTRATION)[]) =>
      createDigitalCredentialRequest({
        request: AGE_AND_RESIDENCE,
        origin: ORIGIN,
        identity: w.identity,
        ...(verifierInfo ? { verifierInfo } : {}),
        protocols: ['openid4vp-v1-signed'],
        at: w.at,
        store: w.store,
      });
    const claimsOf = (r: Awaited<ReturnType<typeof make>>) => decode(String(r.credentialRequestOptions.digital.requests[0].data.request).split('.')[1]);
    expect(claimsOf(await make([REGISTRATION])).verifier_info).toEqual([REGISTRATION]);
    expect(claimsOf(await make())).not.toHaveProperty('verifier_info');
  });
});

describe('Google Wallet relying-party metadata in the request (googleRpMetadata)', () => {
  it('goes into client_metadata of the signed and the multi-signed payloads, never of the unsigned request', async () => {
    const w = await world();
    const ecosystem = await createDevelopmentIdentity('ecosystem.example', w.at);
    const googleRpMetadata = 'oWpzY2hlbWFfdmVyc2lvbmJ2MQ';
    const make = (protocol: 'openid4vp-v1-signed' | 'openid4vp-v1-multisigned' | 'openid4vp-v1-unsigned') =>
      createDigitalCredentialRequest({
        request: AGE_AND_RESIDENCE,
        origin: ORIGIN,
        identity: w.identity,
        additionalIdentities: [ecosystem],
        googleRpMetadata,
        protocols: [protocol],
        at: w.at,
        store: w.store,
      });
    const signed = (await make('openid4vp-v1-signed')).credentialRequestOptions.digital.requests[0].data;
    expect(decode(String(signed.request).split('.')[1]).client_metadata.gw_rp_metadata_bytes).toBe(googleRpMetadata);
    const multi = (await make('openid4vp-v1-multisigned')).credentialRequestOptions.digital.requests[0].data as unknown as GeneralJWS;
    expect(decode(multi.payload).client_metadata.gw_rp_metadata_bytes).toBe(googleRpMetadata);
    const unsigned = (await make('openid4vp-v1-unsigned')).credentialRequestOptions.digital.requests[0].data;
    expect(unsigned.client_metadata).not.toHaveProperty('gw_rp_metadata_bytes');
  });
});
