/**
 * What one answer may cost (docs/reliability.md, "CPU budget per answer"), measured by counting the
 * public-key operations it causes, not by the clock: a vp_token with more presentations than the
 * request's queries allow, or more documents in all than MAX_DOCUMENTS, is refused before a single
 * signature is checked, on the QR (direct_post.jwt) and the DC API (dc_api.jwt) paths, and the
 * request stays open for the real answer. The largest answer that is verified stays within the
 * stated number of signature checks.
 */
import { X509Certificate } from 'node:crypto';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDigitalCredentialRequest } from '../../src/protocols/dcapi/digital-credential-request.js';
import { receiveDigitalCredentialResponse } from '../../src/protocols/dcapi/digital-credential-response.js';
import { createOpenID4VPRequest, getRequestObject, receiveDirectPost } from '../../src/protocols/oid4vp/redirect-flow.js';
import type { PresentationRequest } from '../../src/protocols/request/presentation-request.js';
import { jwkThumbprint } from '../../src/cose/jwk-thumbprint.js';
import { MAX_DOCUMENTS } from '../../src/mdoc/device-response.js';
import { MAX_CHAIN_LENGTH } from '../../src/trust/chain.js';
import { createDeviceResponse } from '../../src/sandbox/index.js';
import { walletDcApiTranscript, walletRedirectTranscript } from '../../src/sandbox/wallet-openid4vp.js';
import { AGE_AND_RESIDENCE, ORIGIN, world, type World } from '../protocols/fixtures.js';

/** Counts every signature check node:crypto makes (COSE signatures go through crypto.verify). */
const counted = vi.hoisted(() => ({ verify: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    verify: (...args: Parameters<typeof real.verify>) => {
      counted.verify++;
      return real.verify(...args);
    },
  };
});

let certificateChecks: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  counted.verify = 0;
  certificateChecks = vi.spyOn(X509Certificate.prototype, 'verify');
});
afterEach(() => certificateChecks.mockRestore());
const signatureChecks = () => counted.verify + certificateChecks.mock.calls.length;

const BASE = 'https://verifier.example';
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const claimsOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString()) as Record<string, any>;

/** `count` documents, each the holder's card disclosing what the mnc query asks, device-signed for `transcript`. */
function deviceResponse(w: World, transcript: Uint8Array, count: number, credential = w.credentials[0]): Uint8Array {
  const disclose: Record<string, string[]> =
    credential === w.credentials[0] ? { 'org.iso.23220.1': ['age_over_20'], 'org.iso.23220.1.jp': ['local_gov_code_unicode'] } : { 'org.iso.18013.5.1': ['age_over_21'] };
  return createDeviceResponse({ sessionTranscript: transcript, documents: Array.from({ length: count }, () => ({ mdoc: credential, disclose, deviceAuth: { kind: 'signature' as const } })) });
}

async function encrypt(claims: Record<string, any>, payload: unknown): Promise<string> {
  const jwk = claims.client_metadata.jwks.keys[0] as JWK;
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: jwk.kid! }).encrypt(await importJWK(jwk, 'ECDH-ES'));
}

const thumbprintOf = (claims: Record<string, any>) => jwkThumbprint(claims.client_metadata.jwks.keys[0]);

/** A QR request and a way to post any vp_token to it, built as a wallet would. */
async function qrRequest(w: World, request: PresentationRequest = AGE_AND_RESIDENCE) {
  const req = await createOpenID4VPRequest({ request, identity: w.identity, requestUri: (id) => `${BASE}/request/${id}`, responseUri: (id) => `${BASE}/response/${id}`, at: w.at, store: w.store });
  const claims = claimsOf(await getRequestObject(w.store, req.id, w.at, { identity: w.identity }));
  const transcript = walletRedirectTranscript(claims.client_id, claims.nonce, thumbprintOf(claims), claims.response_uri);
  const post = async (vpToken: Record<string, Uint8Array[]>) => {
    const token = Object.fromEntries(Object.entries(vpToken).map(([id, list]) => [id, list.map(b64u)]));
    const body = new URLSearchParams({ response: await encrypt(claims, { vp_token: token, state: claims.state }) }).toString();
    return receiveDirectPost({ id: req.id, body, store: w.store, trust: w.trust, at: w.at });
  };
  return { transcript, post };
}

/** A DC API request (openid4vp-v1-signed) and a way to hand over any vp_token for it. */
async function dcApiRequest(w: World) {
  const req = await createDigitalCredentialRequest({ request: AGE_AND_RESIDENCE, origin: ORIGIN, identity: w.identity, protocols: ['openid4vp-v1-signed'], at: w.at, store: w.store });
  const data = req.credentialRequestOptions.digital.requests[0].data as { request: string };
  const claims = claimsOf(data.request);
  const transcript = walletDcApiTranscript(ORIGIN, claims.nonce, thumbprintOf(claims));
  const post = async (vpToken: Record<string, Uint8Array[]>) => {
    const token = Object.fromEntries(Object.entries(vpToken).map(([id, list]) => [id, list.map(b64u)]));
    const response = { protocol: 'openid4vp-v1-signed', data: { response: await encrypt(claims, { vp_token: token }) } };
    return receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at });
  };
  return { transcript, post };
}

const paths = { 'QR (direct_post.jwt)': qrRequest, 'DC API (dc_api.jwt)': dcApiRequest } as const;

describe.each(Object.entries(paths))('one answer, %s', (_name, open) => {
  it('two presentations for one credential query (multiple is false): refused before any signature is checked, the request stays open', async () => {
    const w = await world();
    const { transcript, post } = await open(w);
    const one = deviceResponse(w, transcript, 1);
    await expect(post({ mnc: [one, one] })).rejects.toMatchObject({ code: 'RESPONSE_MALFORMED', message: expect.stringContaining('multiple is false') });
    expect(signatureChecks()).toBe(0);
    // The real answer still gets through.
    const r = await post({ mnc: [one] });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('a hundred presentations under as many query ids: refused before any signature is checked', async () => {
    const w = await world();
    const { transcript, post } = await open(w);
    const one = deviceResponse(w, transcript, 1);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`q${i}`, [one]]));
    await expect(post({ mnc: [one], ...many })).rejects.toMatchObject({ code: 'RESPONSE_MALFORMED', message: expect.stringContaining('101 presentations, more than the 2') });
    expect(signatureChecks()).toBe(0);
  });

  it(`more than ${MAX_DOCUMENTS} documents across the vp_token: refused before any signature is checked`, async () => {
    const w = await world();
    const { transcript, post } = await open(w);
    await expect(post({ mnc: [deviceResponse(w, transcript, MAX_DOCUMENTS)], mdl: [deviceResponse(w, transcript, 1, w.credentials[1])] })).rejects.toMatchObject({
      code: 'RESPONSE_MALFORMED',
      message: `the answer holds more than ${MAX_DOCUMENTS} documents`,
    });
    expect(signatureChecks()).toBe(0);
  });

  it(`the largest answer verified (${MAX_DOCUMENTS} documents over both queries) stays within the budget of signature checks`, async () => {
    const w = await world();
    const { transcript, post } = await open(w);
    const half = MAX_DOCUMENTS / 2;
    const started = performance.now();
    const r = await post({ mnc: [deviceResponse(w, transcript, half)], mdl: [deviceResponse(w, transcript, half, w.credentials[1])] });
    expect(r.documents).toHaveLength(MAX_DOCUMENTS);
    console.info(`${_name}: ${MAX_DOCUMENTS} documents, ${signatureChecks()} signature checks, ${Math.round(performance.now() - started)} ms`);
    // Per document: the issuer signature, the device signature, and at most one certificate check
    // per link of a chain that reaches an anchor (paths that reached one are cached).
    const budget = MAX_DOCUMENTS * (2 + MAX_CHAIN_LENGTH);
    expect(signatureChecks()).toBeGreaterThanOrEqual(MAX_DOCUMENTS * 2);
    expect(signatureChecks()).toBeLessThanOrEqual(budget);
  });
});
