/**
 * OpenID4VP 1.0 without the DC API (HAIP 1.0 §5.1): a QR code (cross-device) or link (same-device)
 * carrying client_id and request_uri; the wallet fetches the signed request object from
 * request_uri and POSTs the encrypted response (direct_post.jwt) to response_uri.
 */
import { decodeJwt } from 'jose';
import { KakuninError } from '../../codes/error.js';
import { ProtocolError } from '../errors.js';
import { clientIdFor, type ClientIdPrefix, type VerifierIdentity } from '../keys/verifier-identity.js';
import { validatePresentationRequest, type PresentationRequest } from '../request/presentation-request.js';
import { answerDigest } from '../state/answer-digest.js';
import { consumeState, keyFromJwk, loadState, newNonce, newRequestId, saveState, type PresentationState } from '../state/presentation-state.js';
import type { RequestStateStore } from '../state/request-state-store.js';
import { checkResponseSize, openProtocolResponse, verifyPresentations, type AnsweredVerificationResult, type VerifyProtocolResponseOptions } from '../verify-protocol-response.js';
import { createResponseEncryptionKey, responseEncryptionJwk } from './encryption-key.js';
import { authorizationRequestObject, signRequestObject, type AuthorizationRequestObject, type VerifierInfo } from './request-object.js';

/**
 * What to ask, the verifier identity, the request_uri and response_uri for a request id, the time and where the request state goes.
 */
export interface OpenID4VPRequestOptions {
  request: PresentationRequest;
  identity: VerifierIdentity;
  clientIdPrefix?: ClientIdPrefix;
  /** URL where the wallet GETs the request object, per request id. */
  requestUri: (id: string) => string;
  /** URL where the wallet POSTs the response, per request id. */
  responseUri: (id: string) => string;
  /** Wallet invocation scheme or universal link. Default openid4vp:// (§8 static configuration). */
  walletUrl?: string;
  /**
   * 'post': the link says request_uri_method=post (§5.10), and a wallet may POST to request_uri
   * with a wallet_nonce that the request object then carries (getRequestObject). GET still works.
   */
  requestUriMethod?: 'get' | 'post';
  /** OpenID4VP 1.0 §5.1 verifier_info: attestations about the verifier, for wallets that ask for them. */
  verifierInfo?: VerifierInfo[];
  at: Date;
  ttlSeconds?: number;
  store: RequestStateStore;
}

/**
 * A request made by createOpenID4VPRequest: its id and the wallet link (the QR code's content). Its
 * request object is signed when the wallet fetches it: getRequestObject.
 */
export interface OpenID4VPRequest {
  id: string;
  expiresAt: Date;
  /** The link / QR code content: client_id + request_uri. */
  walletUrl: string;
}

/**
 * An OpenID4VP 1.0 request by QR code or link (request_uri, direct_post.jwt): a signed request object with a single-use nonce and response-encryption key.
 *
 * @example
 * ```ts
 * import { createOpenID4VPRequest, type PresentationRequest, type RequestStateStore, type VerifierIdentity } from 'kakunin';
 * declare const request: PresentationRequest; // buildPresentationRequest(purpose)
 * declare const identity: VerifierIdentity;
 * declare const store: RequestStateStore;
 * const req = await createOpenID4VPRequest({ request, identity, requestUri: (id) => `https://v.example/r/${id}`, responseUri: (id) => `https://v.example/p/${id}`, at: new Date(), store });
 * console.log(req.walletUrl); // show it as a QR code or a link
 * // GET or POST request_uri: getRequestObject(store, id, new Date(), { identity, walletNonce }); POST response_uri: receiveDirectPost({ id, body, trust, at: new Date(), store })
 * ```
 */
export async function createOpenID4VPRequest(options: OpenID4VPRequestOptions): Promise<OpenID4VPRequest> {
  const request = validatePresentationRequest(options.request);
  const id = newRequestId();
  const clientId = clientIdFor(options.identity, options.clientIdPrefix ?? 'x509_hash');
  const responseUri = options.responseUri(id);
  if (!/^https:\/\//.test(responseUri) && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(responseUri)) {
    throw new KakuninError('INVALID_ARGUMENT', 'response_uri must be https');
  }
  // The request object is signed when the wallet fetches it (getRequestObject), from what is kept
  // here: a wallet that POSTs a wallet_nonce needs its own signature anyway, and an unfetched request
  // costs no signature and keeps no x5c.
  const key = createResponseEncryptionKey();
  const ttl = options.ttlSeconds ?? 300;
  const state: PresentationState = {
    flow: 'openid4vp',
    request,
    createdAt: options.at.getTime(),
    expiresAt: options.at.getTime() + ttl * 1000,
    oid4vp: { nonce: newNonce(), encryptionKey: key.privateJwk, kid: key.publicJwk.kid, clientId, responseUri, ...(options.verifierInfo?.length ? { verifierInfo: options.verifierInfo } : {}) },
  };
  await saveState(options.store, id, state);
  const url = new URL(options.walletUrl ?? 'openid4vp://');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('request_uri', options.requestUri(id));
  if (options.requestUriMethod === 'post') url.searchParams.set('request_uri_method', 'post');
  return { id, expiresAt: new Date(state.expiresAt), walletUrl: url.toString() };
}

/**
 * The signed request object for request_uri (content type application/oauth-authz-req+jwt), signed
 * now with the identity the request was made for. A wallet that POSTs to request_uri with a
 * wallet_nonce (§5.10) gets it in the object.
 *
 * @example
 * ```ts
 * import { getRequestObject, type RequestStateStore, type VerifierIdentity } from 'kakunin';
 * declare const store: RequestStateStore;
 * declare const identity: VerifierIdentity;
 * declare const id: string; // the request's id, from the request_uri the wallet fetches
 * // GET request_uri: the signed request object, answered as application/oauth-authz-req+jwt
 * const jwt: string = await getRequestObject(store, id, new Date(), { identity });
 * ```
 */
export async function getRequestObject(store: RequestStateStore, id: string, at: Date, signer: { identity: VerifierIdentity; walletNonce?: string }): Promise<string> {
  const state = await loadState(store, id, at, 'openid4vp');
  const sent = state.oid4vp!;
  const iat = Math.floor(at.getTime() / 1000);
  const nonce = signer.walletNonce === undefined ? {} : { wallet_nonce: signer.walletNonce };
  // A state written by a kakunin that signed at creation (a rolling upgrade sharing Redis).
  if (sent.requestObject !== undefined) {
    return signer.walletNonce === undefined ? sent.requestObject : signRequestObject({ ...(decodeJwt(sent.requestObject) as unknown as AuthorizationRequestObject), ...nonce }, signer.identity, iat);
  }
  // Signed now, so with this process's identity: it must be the one the request (its client_id, in
  // the QR code already) was made with. Instances that share a store share their certificate.
  const prefix = sent.clientId!.slice(0, sent.clientId!.indexOf(':')) as ClientIdPrefix;
  if (clientIdFor(signer.identity, prefix) !== sent.clientId) {
    // No part of the id in the message: it is a bearer value (the QR code's handle).
    throw new ProtocolError(
      'VERIFIER_IDENTITY_MISMATCH',
      `the verifier certificate here is not the one this request was made with (client_id ${sent.clientId!.slice(0, 60)}): every instance sharing a store must use the same KAKUNIN_VERIFIER_CERT_FILE`,
    );
  }
  const claims = authorizationRequestObject({
    request: state.request,
    nonce: sent.nonce,
    responseMode: 'direct_post.jwt',
    encryptionJwk: responseEncryptionJwk(sent.encryptionKey, sent.kid),
    clientId: sent.clientId,
    responseUri: sent.responseUri,
    state: id,
    ...(sent.verifierInfo ? { verifierInfo: sent.verifierInfo } : {}),
  });
  return signRequestObject({ ...claims, ...nonce }, signer.identity, iat);
}

/**
 * The wallet's POST to response_uri (the form body), the request id, and the verification options.
 */
export interface DirectPostOptions extends Omit<VerifyProtocolResponseOptions, 'request'> {
  id: string;
  /** The POST body: form-encoded string, or the parsed form as an object ({response}). */
  body: unknown;
  store: RequestStateStore;
}

/**
 * Opens a direct_post.jwt answer, checks it belongs to the request, uses the request state once and verifies.
 *
 * @example
 * ```ts
 * import { receiveDirectPost, type RequestStateStore, type TrustStore } from 'kakunin';
 * declare const store: RequestStateStore;
 * declare const trust: TrustStore;
 * declare const id: string; // the request's id, from the response_uri the wallet posts to
 * declare const body: Record<string, string>; // POST response_uri: the wallet's form body (response=<JWE>)
 * const result = await receiveDirectPost({ id, body, trust, at: new Date(), store });
 * console.log(result.valid);
 * ```
 */
export async function receiveDirectPost(options: DirectPostOptions): Promise<AnsweredVerificationResult> {
  checkResponseSize(options.body, options.maxResponseBytes);
  const digest = answerDigest(options.body);
  const state = await loadState(options.store, options.id, options.at, 'openid4vp', digest);
  const sent = state.oid4vp!;
  const opened = await openProtocolResponse(
    options.body,
    { protocol: 'openid4vp', clientId: sent.clientId!, responseUri: sent.responseUri!, nonce: sent.nonce, recipientPrivateKey: keyFromJwk(sent.encryptionKey), kid: sent.kid },
    state.request,
  );
  if (opened.params && opened.params.state !== undefined && opened.params.state !== options.id) {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the response state does not belong to this request');
  }
  await consumeState(options.store, options.id, digest);
  const result = verifyPresentations(opened.presentations, opened.sessionTranscript, { ...options, request: state.request }, 'openid4vp');
  return { ...result, answerDigest: digest };
}
