/**
 * Receives what navigator.credentials.get() returned ({protocol, data}) for request `id`, opens it
 * with the keys kept in the request state, rebuilds the SessionTranscript from that state, and
 * verifies. The state is used up only after the response decrypted with this request's key.
 */
import { ProtocolError } from '../errors.js';
import { checkAnsweredProtocol } from './answered-protocol.js';
import { answerDigest } from '../state/answer-digest.js';
import { consumeState, keyFromJwk, loadState } from '../state/presentation-state.js';
import type { RequestStateStore } from '../state/request-state-store.js';
import {
  checkResponseSize,
  openProtocolResponse,
  verifyPresentations,
  type AnsweredVerificationResult,
  type ProtocolResponseContext,
  type VerifyProtocolResponseOptions,
} from '../verify-protocol-response.js';

/**
 * The answer navigator.credentials.get returned ({protocol, data}), the id of the request it answers (its origin is in the request state), and the verification options.
 */
export interface DigitalCredentialResponseOptions extends Omit<VerifyProtocolResponseOptions, 'request'> {
  id: string;
  /** The DigitalCredential as JSON ({protocol, data}) or its parsed object. */
  response: unknown;
  store: RequestStateStore;
}

function protocolOf(response: unknown): { protocol: string; body: unknown } {
  let v = response;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ProtocolError('RESPONSE_MALFORMED', 'the DC API response is not JSON');
    }
  }
  if (!v || typeof v !== 'object' || typeof (v as Record<string, unknown>).protocol !== 'string') {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the DC API response has no protocol');
  }
  return { protocol: (v as Record<string, string>).protocol, body: v };
}

/**
 * Opens a Digital Credentials API answer (HPKE for org-iso-mdoc, JWE for OpenID4VP), rebuilds the SessionTranscript from what was sent, uses the request state once and verifies.
 * A wallet's error instead of a presentation (OpenID4VP 1.0 Appendix A.4, `data: {error}`) throws a ProtocolError with code WALLET_ERROR and `error`, the wallet's code (a WalletErrorResponse), and leaves the state unused: a decline, not an answer that failed.
 *
 * @example
 * ```ts
 * import { receiveDigitalCredentialResponse, reduceToDecision, type DigitalCredentialRequest, type Purpose, type RequestStateStore, type TrustStore } from 'kakunin';
 * declare const purpose: Purpose;
 * declare const dcApi: DigitalCredentialRequest; // createDigitalCredentialRequest(...)
 * declare const trust: TrustStore;
 * declare const store: RequestStateStore;
 * declare const credential: unknown; // what navigator.credentials.get(dcApi.credentialRequestOptions) gave the page
 * const result = await receiveDigitalCredentialResponse({ id: dcApi.id, response: credential, trust, at: new Date(), store });
 * const decision = reduceToDecision(purpose, result, new Date());
 * ```
 */
export async function receiveDigitalCredentialResponse(options: DigitalCredentialResponseOptions): Promise<AnsweredVerificationResult> {
  checkResponseSize(options.response, options.maxResponseBytes);
  const digest = answerDigest(options.response);
  const state = await loadState(options.store, options.id, options.at, 'dcapi', digest);
  const { protocol, body } = protocolOf(options.response);
  let sent: ProtocolResponseContext;
  const oid4vp = state.dcApiOid4vp
    ? Object.hasOwn(state.dcApiOid4vp, protocol)
      ? state.dcApiOid4vp[protocol]
      : undefined
    : state.oid4vp?.dcApiProtocols?.includes(protocol)
      ? state.oid4vp
      : undefined;
  if (protocol === 'org-iso-mdoc' && state.annexC) {
    sent = { protocol, origin: state.origin!, encryptionInfo: state.annexC.encryptionInfo, recipientPrivateKey: keyFromJwk(state.annexC.recipientKey) };
  } else if (oid4vp) {
    sent = { protocol: 'openid4vp-dcapi', origin: state.origin!, nonce: oid4vp.nonce, recipientPrivateKey: keyFromJwk(oid4vp.encryptionKey), kid: oid4vp.kid };
  } else {
    throw new ProtocolError('PROTOCOL_UNSUPPORTED', `this request did not offer ${protocol.slice(0, 40)}`);
  }
  checkAnsweredProtocol(protocol, (body as { data?: unknown }).data, state);
  const opened = await openProtocolResponse(body, sent, state.request);
  await consumeState(options.store, options.id, digest);
  const result = verifyPresentations(opened.presentations, opened.sessionTranscript, { ...options, request: state.request }, sent.protocol);
  return { ...result, answerDigest: digest };
}
