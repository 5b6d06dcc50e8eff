/**
 * What the service needs from the protocol layer (src/protocols/), in the service's own terms: make
 * the wallet requests for a session, serve the signed request object, and receive a wallet's answer
 * as a verified result. The implementation (wallet-protocols-adapter.ts) is the only service file that
 * knows protocol details; the keys and nonces live in the protocol layer's RequestStateStore.
 */
import type { VerificationResult } from '../../mdoc/result.js';

/** A verified answer and the digest that used up its request state (the session is claimed with it). */
export type AnsweredResult = VerificationResult & { answerDigest: string };

/**
 * The wallet answered with an OpenID4VP error response instead (OpenID4VP 1.0 §8.5, Appendix A.4):
 * the person or the wallet said no. Nothing was verified and no request state was used up.
 */
export interface WalletErrorAnswer {
  walletError: string;
}
import type { DocumentAsk } from '../../policy/index.js';
import type { VerifyProtocolResponseOptions } from '../../protocols/verify-protocol-response.js';

export interface PrepareOptions {
  /** What the purpose asks for. */
  documents: DocumentAsk[];
  /** request_uri for OpenID4VP by QR / redirect, given the handle that names the request. */
  requestUri: (handle: string) => string;
  /** response_uri for direct_post.jwt, given the same handle. */
  responseUri: (handle: string) => string;
  /** The web origin the DC API call will come from (the page's origin). */
  origin: string;
  /** How long the wallet has to answer. */
  ttlSeconds: number;
}

/**
 * Ids of the request states a session's answers are opened with, one per way to answer. They are
 * references only: the nonces and private keys stay in the RequestStateStore, used up by the answer.
 */
export interface RequestRefs {
  /** The OpenID4VP redirect request; also the handle in the wallet's URLs. */
  oid4vp: string;
  /** DC API protocol identifier -> its request state. */
  dcapi: Record<string, string>;
}

export interface PreparedRequest {
  /** `dcapi` is empty until prepareDcApi: a verification answered by QR never pays for it. */
  refs: RequestRefs;
  /** What the QR code carries: openid4vp://?client_id=...&request_uri=... */
  qrUri: string;
}

export interface PrepareDcApiOptions {
  documents: DocumentAsk[];
  origin: string;
  ttlSeconds: number;
}

export interface PreparedDcApi {
  /** DC API protocol identifier -> its request state (RequestRefs.dcapi). */
  refs: Record<string, string>;
  /** The argument for navigator.credentials.get. */
  dcapi: unknown;
}

/** Everything the core needs to verify, but what was asked (that comes from the request state). */
export type VerifyAnswerOptions = Omit<VerifyProtocolResponseOptions, 'request'>;

export interface WalletProtocols {
  /** The OpenID4VP request by QR / redirect: all a verification needs when it is created. */
  prepare(input: PrepareOptions): Promise<PreparedRequest>;
  /** The Digital Credentials API requests (org-iso-mdoc, openid4vp-v1-signed), when a page asks. */
  prepareDcApi(input: PrepareDcApiOptions): Promise<PreparedDcApi>;
  /** The signed request object (JAR) for request_uri; `walletNonce` from a POST to request_uri. */
  requestObject(refs: RequestRefs, walletNonce?: string): Promise<string>;
  /**
   * Opens a direct_post.jwt body (form fields), uses up its request state for this answer (the same
   * answer again may repeat this, see RequestStateStore) and verifies. Throws a KakuninError
   * (ProtocolError) with a code, and changes no state, when the answer does not open; a wallet's
   * error response inside it comes back as a WalletErrorAnswer.
   */
  receiveDirectPost(refs: RequestRefs, form: Record<string, string>, verify: VerifyAnswerOptions): Promise<AnsweredResult | WalletErrorAnswer>;
  /** The same for what navigator.credentials.get returned ({protocol, data}), as received by the page:
   * a wallet's error (`data: {error}`, in a protocol the session offered) is a WalletErrorAnswer. */
  receiveDcApi(refs: RequestRefs, credential: { protocol: string; data: unknown }, verify: VerifyAnswerOptions): Promise<AnsweredResult | WalletErrorAnswer>;
  /** Deletes every request state of the session: once it has its result, no way to answer stays open. */
  release(refs: RequestRefs): Promise<void>;
}
