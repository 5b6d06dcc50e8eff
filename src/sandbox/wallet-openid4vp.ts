/**
 * Sandbox wallet, OpenID4VP 1.0: answers a request object (signed JAR or unsigned DC API data)
 * over the DC API (dc_api.jwt, OpenID4VPDCAPIHandover) or by redirect (direct_post.jwt,
 * OpenID4VPHandover). Checks typ, x5c chain, client_id against the certificate (x509_hash /
 * x509_san_dns) and expected_origins; computes the JWK thumbprint with jose (the verifier has its
 * own); encrypts to the key in client_metadata with the kid it carries.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   A wallet reads a request object as loose JSON and refuses what it cannot use; typing every member
   in this test double would restate the verifier's own types. */
import * as x509 from '../trust/x509.js';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, CompactEncrypt, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { encodeCbor } from '../cbor/index.js';
import { WalletRefusal, type SandboxWallet, type WalletElementRef } from './wallet.js';

type Params = Record<string, any>;

/** The request object's signer: a chain the wallet trusts for verifiers, its leaf's key verifying `jws`. */
async function verifiedBy(wallet: SandboxWallet, jws: string): Promise<{ payload: Params; header: Params; chain: Uint8Array[]; leaf: x509.X509Certificate }> {
  const header = decodeProtectedHeader(jws) as Params;
  if (header.typ !== 'oauth-authz-req+jwt') throw new WalletRefusal('invalid_request', `request object typ ${String(header.typ)}`);
  const chain = ((header.x5c ?? []) as string[]).map((c) => new Uint8Array(Buffer.from(c, 'base64')));
  const leaf = await wallet.checkVerifierChain(chain);
  const key = createPublicKey({ key: Buffer.from(leaf.publicKey.rawData), format: 'der', type: 'spki' });
  try {
    return { payload: JSON.parse(Buffer.from((await compactVerify(jws, key)).payload).toString('utf8')), header, chain, leaf };
  } catch {
    throw new WalletRefusal('invalid_request', 'request object signature does not verify');
  }
}

/** client_id names the certificate that signed (x509_hash: its hash; x509_san_dns: one of its DNS names). */
function checkClientId(clientId: string, chain: Uint8Array[], leaf: x509.X509Certificate): void {
  if (clientId.startsWith('x509_hash:')) {
    if (clientId.slice(10) !== createHash('sha256').update(chain[0]).digest('base64url')) throw new WalletRefusal('invalid_client', 'x509_hash does not match the certificate');
  } else if (clientId.startsWith('x509_san_dns:')) {
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    if (!san?.names.items.some((n) => n.type === 'dns' && n.value === clientId.slice(13))) throw new WalletRefusal('invalid_client', 'x509_san_dns not in the certificate');
  } else {
    throw new WalletRefusal('invalid_client', `unsupported client_id ${clientId}`);
  }
}

async function verifiedParams(wallet: SandboxWallet, jws: string): Promise<Params> {
  const { payload, chain, leaf } = await verifiedBy(wallet, jws);
  checkClientId(String(payload.client_id ?? ''), chain, leaf);
  return payload;
}

/**
 * openid4vp-v1-multisigned (§A.3.2, JWS JSON Serialization): the first signature the wallet can
 * verify under a verifier chain it trusts authenticates the request; its protected header carries the
 * client_id (and verifier_info) that goes with the payload. A client_id in the payload is refused.
 */
async function verifiedMultiSignedParams(wallet: SandboxWallet, data: Params): Promise<Params> {
  const signatures = Array.isArray(data.signatures) ? (data.signatures as Params[]) : [];
  if (typeof data.payload !== 'string' || signatures.length === 0) throw new WalletRefusal('invalid_request', 'a multi-signed request needs payload and signatures');
  let refusal: unknown = new WalletRefusal('invalid_request', 'no signature of the request verifies');
  for (const sig of signatures) {
    try {
      const { payload, header, chain, leaf } = await verifiedBy(wallet, `${String(sig.protected)}.${data.payload}.${String(sig.signature)}`);
      if ('client_id' in payload || 'verifier_info' in payload) throw new WalletRefusal('invalid_request', 'client_id and verifier_info belong in the protected headers of a multi-signed request');
      checkClientId(String(header.client_id ?? ''), chain, leaf);
      return { ...payload, client_id: header.client_id, ...(header.verifier_info ? { verifier_info: header.verifier_info } : {}) };
    } catch (e) {
      refusal = e;
    }
  }
  throw refusal;
}

function askedFromDcql(params: Params): { id: string; docType: string; asked: WalletElementRef[] }[] {
  const creds = params.dcql_query?.credentials;
  if (!Array.isArray(creds)) throw new WalletRefusal('invalid_request', 'no dcql_query');
  return creds
    .filter((c: Params) => c.format === 'mso_mdoc')
    .map((c: Params) => ({
      id: c.id,
      docType: c.meta?.doctype_value,
      asked: (c.claims ?? []).map((cl: Params) => ({ nameSpace: cl.path[0], elementIdentifier: cl.path[1] })),
    }));
}

async function encryptResponse(wallet: SandboxWallet, params: Params, payload: Params): Promise<string> {
  const jwk = (params.client_metadata?.jwks?.keys ?? []).find((k: JWK) => k.kty === 'EC' && k.crv === 'P-256' && k.alg === 'ECDH-ES') as JWK | undefined;
  if (!jwk) throw new WalletRefusal('invalid_request', 'no usable encryption key');
  const offered: string[] = params.client_metadata?.encrypted_response_enc_values_supported ?? ['A128GCM'];
  const enc = wallet.behaviour.enc ?? (offered.includes('A256GCM') ? 'A256GCM' : 'A128GCM');
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc, ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .encrypt(await importJWK(jwk, 'ECDH-ES'));
}

/** The wallet's own OpenID4VPDCAPIHandover SessionTranscript (OpenID4VP 1.0 B.2.6.2). */
export function walletDcApiTranscript(origin: string, nonce: string, jwkThumbprint: Uint8Array | null): Uint8Array {
  const info = encodeCbor([origin, nonce, jwkThumbprint]);
  return encodeCbor([null, null, ['OpenID4VPDCAPIHandover', new Uint8Array(createHash('sha256').update(info).digest())]]);
}

/** The wallet's own OpenID4VPHandover SessionTranscript (OpenID4VP 1.0 B.2.6.1). */
export function walletRedirectTranscript(clientId: string, nonce: string, jwkThumbprint: Uint8Array | null, responseUri: string): Uint8Array {
  const info = encodeCbor([clientId, nonce, jwkThumbprint, responseUri]);
  return encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update(info).digest())]]);
}

async function thumbprint(params: Params): Promise<Uint8Array> {
  const jwk = (params.client_metadata?.jwks?.keys ?? [])[0] as JWK;
  return new Uint8Array(Buffer.from(await calculateJwkThumbprint(jwk, 'sha256'), 'base64url'));
}

function vpToken(wallet: SandboxWallet, params: Params, sessionTranscript: Uint8Array): Record<string, string[]> {
  for (const q of askedFromDcql(params)) {
    const selection = wallet.select(q.docType, q.asked);
    if (selection) return { [q.id]: [Buffer.from(wallet.deviceResponse(selection, sessionTranscript)).toString('base64url')] };
  }
  throw new WalletRefusal('access_denied', 'no matching credential');
}

/** DC API: `data` is what the page put in the request for this protocol; `origin` is what the browser reports. */
export async function answerOpenID4VPOverDcApi(wallet: SandboxWallet, protocol: string, data: Params, origin: string): Promise<{ protocol: string; data: { response: string } }> {
  let params: Params;
  if (protocol === 'openid4vp-v1-signed' || protocol === 'openid4vp-v1-multisigned') {
    if (wallet.behaviour.skipRequestChecks) params = JSON.parse(Buffer.from(String(protocol === 'openid4vp-v1-signed' ? data.request.split('.')[1] : data.payload), 'base64url').toString('utf8'));
    else params = protocol === 'openid4vp-v1-signed' ? await verifiedParams(wallet, String(data.request)) : await verifiedMultiSignedParams(wallet, data);
    if (!wallet.behaviour.skipRequestChecks && !(params.expected_origins ?? []).includes(origin)) {
      throw new WalletRefusal('invalid_request', 'origin not in expected_origins');
    }
  } else if (protocol === 'openid4vp-v1-unsigned') {
    params = data;
  } else {
    throw new WalletRefusal('invalid_request', `unsupported protocol ${protocol}`);
  }
  if (params.response_mode !== 'dc_api.jwt') throw new WalletRefusal('invalid_request', 'sandbox wallet answers dc_api.jwt only');
  const sessionTranscript = walletDcApiTranscript(origin, params.nonce, await thumbprint(params));
  const response = await encryptResponse(wallet, params, { vp_token: vpToken(wallet, params, sessionTranscript) });
  return { protocol, data: { response } };
}

/** How a wallet fetches request_uri: GET, or with a wallet_nonce a form POST (§5.10). */
export function requestUriInit(walletNonce?: string): RequestInit {
  if (walletNonce === undefined) return { redirect: 'error' };
  return { method: 'POST', redirect: 'error', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ wallet_nonce: walletNonce }).toString() };
}

/**
 * Redirect / QR: the wallet got `walletUrl`, fetches the request object with `fetchRequestObject`
 * and returns the form body it POSTs to response_uri.
 *
 * @example
 * ```ts
 * import { createOpenID4VPRequest, getRequestObject, receiveDirectPost, type PresentationRequest, type RequestStateStore, type TrustStore, type VerifierIdentity } from 'kakunin';
 * import { answerOpenID4VPRedirect, type SandboxWallet } from 'kakunin/sandbox';
 * declare const wallet: SandboxWallet;
 * declare const request: PresentationRequest;
 * declare const identity: VerifierIdentity;
 * declare const store: RequestStateStore;
 * declare const trust: TrustStore;
 * const req = await createOpenID4VPRequest({ request, identity, requestUri: (id) => `https://v.example/r/${id}`, responseUri: (id) => `https://v.example/p/${id}`, at: new Date(), store });
 * // the wallet scans req.walletUrl and fetches the request object (here straight from the store, not over HTTP)
 * const answer = await answerOpenID4VPRedirect(wallet, req.walletUrl, (_uri, walletNonce) => getRequestObject(store, req.id, new Date(), { identity, walletNonce }));
 * const result = await receiveDirectPost({ id: req.id, body: Object.fromEntries(new URLSearchParams(answer.body)), trust, at: new Date(), store });
 * ```
 */
export async function answerOpenID4VPRedirect(
  wallet: SandboxWallet,
  walletUrl: string,
  /** GETs request_uri; with `walletNonce`, POSTs it instead (form field wallet_nonce, §5.10). */
  fetchRequestObject: (requestUri: string, walletNonce?: string) => Promise<string>,
): Promise<{ responseUri: string; body: string; state?: string }> {
  const url = new URL(walletUrl);
  const requestUri = url.searchParams.get('request_uri');
  const clientId = url.searchParams.get('client_id');
  if (!requestUri || !clientId) throw new WalletRefusal('invalid_request', 'client_id and request_uri are required');
  // §5.10: request_uri_method=post invites a POST with a fresh wallet_nonce, which the verifier must
  // echo in the request object it signs for this wallet (a request object replayed from elsewhere
  // does not carry it).
  const walletNonce = url.searchParams.get('request_uri_method') === 'post' ? randomBytes(16).toString('base64url') : undefined;
  const params = await verifiedParams(wallet, await fetchRequestObject(requestUri, walletNonce));
  if (walletNonce !== undefined && params.wallet_nonce !== walletNonce) throw new WalletRefusal('invalid_request', 'the request object does not carry the wallet_nonce this wallet sent');
  // §5.10: the client_id in the URL and in the request object must be the same.
  if (params.client_id !== clientId) throw new WalletRefusal('invalid_request', 'client_id mismatch');
  if (params.response_mode !== 'direct_post.jwt') throw new WalletRefusal('invalid_request', 'sandbox wallet answers direct_post.jwt only');
  const sessionTranscript = walletRedirectTranscript(params.client_id, params.nonce, await thumbprint(params), params.response_uri);
  const payload: Params = { vp_token: vpToken(wallet, params, sessionTranscript) };
  if (params.state) payload.state = params.state;
  const response = await encryptResponse(wallet, params, payload);
  return { responseUri: params.response_uri, body: new URLSearchParams({ response }).toString(), state: params.state };
}
