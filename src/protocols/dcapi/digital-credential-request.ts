/**
 * One W3C Digital Credentials API request offering every protocol kakunin verifies, so whichever
 * wallet the browser has can answer: `org-iso-mdoc` (ISO 18013-7 Annex C; Apple Wallet) and
 * `openid4vp-v1-signed` / `-unsigned` (OpenID4VP 1.0 Appendix A; Google Wallet).
 * The page passes the result to navigator.credentials.get(); the answer goes to
 * receiveDigitalCredentialResponse with the same id.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { newJwkPair } from '../../cose/key-pair.js';
import { KakuninError } from '../../codes/error.js';
import { b64u } from '../errors.js';
import { clientIdFor, type ClientIdPrefix, type VerifierIdentity } from '../keys/verifier-identity.js';
import { createResponseEncryptionKey } from '../oid4vp/encryption-key.js';
import { authorizationRequestObject, signMultiSignedRequestObject, signRequestObject, type VerifierInfo } from '../oid4vp/request-object.js';
import { createDeviceRequest, type DeviceRequestInfo } from '../request/device-request.js';
import { validatePresentationRequest, type PresentationRequest } from '../request/presentation-request.js';
import { newNonce, newRequestId, saveState, type Oid4vpSent, type PresentationState } from '../state/presentation-state.js';
import type { RequestStateStore } from '../state/request-state-store.js';
import { dcApiSessionTranscript } from '../transcript/dcapi-handover.js';
import { createEncryptionInfo } from './encryption-info.js';

/**
 * A Digital Credentials API protocol kakunin speaks: org-iso-mdoc (ISO 18013-7 Annex C, Apple Wallet), openid4vp-v1-signed / -unsigned (OpenID4VP 1.0 Appendix A, Google Wallet).
 */
export type DcApiProtocol = 'org-iso-mdoc' | 'openid4vp-v1-signed' | 'openid4vp-v1-multisigned' | 'openid4vp-v1-unsigned';

/**
 * What to ask, the page's origin the request is bound to, the verifier identity that signs it, the protocols to offer, the time and where the request state goes.
 */
export interface DigitalCredentialRequestOptions {
  request: PresentationRequest;
  /** The origin of the page that calls the API, e.g. https://shop.example. */
  origin: string;
  /** Signs readerAuth and the OpenID4VP request object. Apple requires readerAuth. */
  identity?: VerifierIdentity;
  clientIdPrefix?: ClientIdPrefix;
  /** Default: org-iso-mdoc plus openid4vp-v1-signed (with an identity) or -unsigned (without). */
  protocols?: DcApiProtocol[];
  /** DeviceRequest version for org-iso-mdoc; default "1.0". */
  deviceRequestVersion?: '1.0' | '1.1';
  /** With version "1.1": sign the org-iso-mdoc request once, with readerAuthAll (second edition). */
  readerAuthAll?: boolean;
  /** With version "1.1": which DocRequests together answer (second edition), e.g. anyOneOf(n). */
  deviceRequestInfo?: DeviceRequestInfo;
  /** openid4vp-v1-multisigned: identities that sign beside `identity` (another trust framework's
   * certificate, e.g. one a wallet ecosystem issued), each as its own client_id. */
  additionalIdentities?: VerifierIdentity[];
  /** OpenID4VP 1.0 §5.1 verifier_info of `identity` (in its signature's protected header when multi-signed). */
  verifierInfo?: VerifierInfo[];
  /** Google Wallet's gw_rp_metadata_bytes (base64url, as Google gave it): put in client_metadata of the
   * signed and multi-signed OpenID4VP requests, never the unsigned one. Unconfirmed where Google reads it. */
  googleRpMetadata?: string;
  at: Date;
  ttlSeconds?: number;
  store: RequestStateStore;
}

/**
 * A request made by createDigitalCredentialRequest: its id (to receive the answer with) and the argument for navigator.credentials.get.
 */
export interface DigitalCredentialRequest {
  id: string;
  expiresAt: Date;
  /** The argument of navigator.credentials.get(). */
  credentialRequestOptions: { digital: { requests: { protocol: DcApiProtocol; data: Record<string, unknown> }[] } };
}

/**
 * A W3C Digital Credentials API request, one entry per protocol, each with its own single-use nonce and ephemeral key kept in `store` under the returned id.
 *
 * @example
 * ```ts
 * import { createDigitalCredentialRequest, receiveDigitalCredentialResponse, type PresentationRequest, type RequestStateStore, type TrustStore, type VerifierIdentity } from 'kakunin';
 * declare const request: PresentationRequest; // buildPresentationRequest(purpose)
 * declare const identity: VerifierIdentity;
 * declare const trust: TrustStore;
 * declare const store: RequestStateStore; // new MemoryRequestStateStore(), or one shared by your instances
 * const req = await createDigitalCredentialRequest({ request, origin: 'https://shop.example', identity, at: new Date(), store });
 * // in the page: const credential = await navigator.credentials.get(req.credentialRequestOptions), posted back
 * declare const credential: unknown;
 * const result = await receiveDigitalCredentialResponse({ id: req.id, response: credential, trust, at: new Date(), store });
 * ```
 */
export async function createDigitalCredentialRequest(options: DigitalCredentialRequestOptions): Promise<DigitalCredentialRequest> {
  const request = validatePresentationRequest(options.request);
  let origin: string;
  try {
    origin = new URL(options.origin).origin;
  } catch {
    throw new KakuninError('INVALID_ARGUMENT', 'origin is not a URL');
  }
  if (origin !== options.origin.replace(/\/$/, '')) throw new KakuninError('INVALID_ARGUMENT', `origin ${options.origin} is not a bare origin`);
  const protocols = options.protocols ?? ['org-iso-mdoc', options.identity ? 'openid4vp-v1-signed' : 'openid4vp-v1-unsigned'];
  for (const signed of ['openid4vp-v1-signed', 'openid4vp-v1-multisigned'] as const) {
    if (protocols.includes(signed) && !options.identity) throw new KakuninError('INVALID_ARGUMENT', `${signed} needs a verifier identity`);
  }
  const ttl = options.ttlSeconds ?? 300;
  const state: PresentationState = { flow: 'dcapi', request, origin, createdAt: options.at.getTime(), expiresAt: options.at.getTime() + ttl * 1000 };
  const requests: DigitalCredentialRequest['credentialRequestOptions']['digital']['requests'] = [];

  if (protocols.includes('org-iso-mdoc')) {
    const { privateJwk, publicJwk } = newJwkPair('P-256');
    const encryptionInfo = createEncryptionInfo(new Uint8Array(randomBytes(16)), createPublicKey({ key: publicJwk, format: 'jwk' }));
    const transcript = dcApiSessionTranscript({ encryptionInfo: encryptionInfo.encoded, origin });
    const deviceRequest = createDeviceRequest(request, transcript, options.identity, options.deviceRequestVersion, {
      readerAuthAll: options.readerAuthAll === true,
      ...(options.deviceRequestInfo ? { deviceRequestInfo: options.deviceRequestInfo } : {}),
    });
    requests.push({ protocol: 'org-iso-mdoc', data: { deviceRequest: b64u(deviceRequest), encryptionInfo: encryptionInfo.encoded } });
    state.annexC = { encryptionInfo: encryptionInfo.encoded, recipientKey: privateJwk };
  }

  const oidProtocols = protocols.filter((p) => p !== 'org-iso-mdoc');
  if (oidProtocols.length) {
    state.dcApiOid4vp = {};
    // Signed requests only: the metadata names the verifier, which an unsigned request cannot vouch for.
    const googleMetadata = options.googleRpMetadata ? { googleRpMetadata: options.googleRpMetadata } : {};
    for (const protocol of oidProtocols) {
      // Each protocol its own nonce and key: the label of an answer is the browser's word, the nonce
      // (in the SessionTranscript) and the key (the JWE's kid) are what bind it to one request.
      const key = createResponseEncryptionKey();
      const nonce = newNonce();
      const sent: Oid4vpSent = { nonce, encryptionKey: key.privateJwk, kid: key.publicJwk.kid };
      state.dcApiOid4vp[protocol] = sent;
      if (protocol === 'openid4vp-v1-unsigned') {
        // §A.2: client_id and expected_origins are not used in unsigned requests.
        requests.push({ protocol, data: { ...authorizationRequestObject({ request, nonce, responseMode: 'dc_api.jwt', encryptionJwk: key.publicJwk }) } });
      } else if (protocol === 'openid4vp-v1-multisigned') {
        // §A.3.2: the JWS JSON Serialization itself is the data; client_id lives in each signature.
        const signers = [options.identity!, ...(options.additionalIdentities ?? [])].map((identity, i) => ({
          identity,
          clientId: clientIdFor(identity, options.clientIdPrefix ?? 'x509_hash'),
          ...(i === 0 && options.verifierInfo ? { verifierInfo: options.verifierInfo } : {}),
        }));
        const claims = authorizationRequestObject({ request, nonce, responseMode: 'dc_api.jwt', encryptionJwk: key.publicJwk, expectedOrigins: [origin], ...googleMetadata });
        requests.push({ protocol, data: { ...(await signMultiSignedRequestObject(claims, signers, Math.floor(options.at.getTime() / 1000))) } });
        sent.clientId = signers[0].clientId;
      } else {
        const clientId = clientIdFor(options.identity!, options.clientIdPrefix ?? 'x509_hash');
        const claims = authorizationRequestObject({
          request,
          nonce,
          responseMode: 'dc_api.jwt',
          encryptionJwk: key.publicJwk,
          clientId,
          expectedOrigins: [origin],
          ...(options.verifierInfo ? { verifierInfo: options.verifierInfo } : {}),
          ...googleMetadata,
        });
        requests.push({ protocol, data: { request: await signRequestObject(claims, options.identity!, Math.floor(options.at.getTime() / 1000)) } });
        sent.clientId = clientId;
      }
    }
  }
  const id = newRequestId();
  await saveState(options.store, id, state);
  return { id, expiresAt: new Date(state.expiresAt), credentialRequestOptions: { digital: { requests } } };
}
