/**
 * The JSON kept per request between sending it and receiving the answer. Private keys are stored
 * as JWK so a shared store can hold them; they live only as long as the request (minutes).
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Jwk } from '../../cose/jwk.js';
import type { VerifierInfo } from '../oid4vp/request-object.js';
import type { PresentationRequest } from '../request/presentation-request.js';
import { ProtocolError } from '../errors.js';
import type { RequestStateStore } from './request-state-store.js';

export interface Oid4vpSent {
  nonce: string;
  /** Private JWK of the response-encryption key. */
  encryptionKey: Jwk;
  kid: string;
  clientId?: string;
  responseUri?: string;
  /** verifier_info for the request object, when the request was made with one. */
  verifierInfo?: VerifierInfo[];
  /**
   * The signed request object, as kakunin before 2026-12 kept it (it signed at creation); read only
   * so that a state such a version wrote still serves during a rolling upgrade.
   */
  requestObject?: string;
  /**
   * Protocol identifiers offered over the DC API with this one nonce and key, as kakunin before
   * 2026-12 kept them; read only so that such a state still serves during a rolling upgrade.
   */
  dcApiProtocols?: string[];
}

export interface AnnexCSent {
  encryptionInfo: string;
  recipientKey: Jwk;
}

export interface PresentationState {
  flow: 'dcapi' | 'openid4vp';
  request: PresentationRequest;
  createdAt: number;
  expiresAt: number;
  /** The page origin the DC API call is made from (DC API flow). */
  origin?: string;
  annexC?: AnnexCSent;
  /** The OpenID4VP request by QR / redirect (flow openid4vp). */
  oid4vp?: Oid4vpSent;
  /**
   * DC API: each OpenID4VP protocol offered (openid4vp-v1-signed, -unsigned, -multisigned) with its
   * own nonce and key, so that an answer to one cannot pass for an answer to another.
   */
  dcApiOid4vp?: Record<string, Oid4vpSent>;
}

export function newRequestId(): string {
  return randomBytes(18).toString('base64url');
}

export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

export function keyFromJwk(jwk: Jwk): KeyObject {
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

export async function saveState(store: RequestStateStore, id: string, state: PresentationState): Promise<void> {
  const ttl = Math.max(1, Math.ceil((state.expiresAt - state.createdAt) / 1000));
  await store.put(id, JSON.stringify(state), ttl);
}

/**
 * Reads the state for `id` without using it up; unknown, used and expired states are errors. With
 * `answerDigest`, a state already used up by that same answer is read too: its retry may finish.
 */
export async function loadState(store: RequestStateStore, id: string, at: Date, flow: PresentationState['flow'], answerDigest?: string): Promise<PresentationState> {
  const raw = typeof id === 'string' && id.length <= 128 ? await store.get(id, answerDigest) : undefined;
  if (raw === undefined) throw new ProtocolError('NONCE_REPLAYED', 'no open request with this id: unknown, already answered or expired');
  const state = JSON.parse(raw) as PresentationState;
  if (state.flow !== flow) throw new ProtocolError('PROTOCOL_UNSUPPORTED', `request ${id.slice(0, 16)} is not a ${flow} request`);
  if (at.getTime() >= state.expiresAt) throw new ProtocolError('REQUEST_EXPIRED', 'the request has expired');
  return state;
}

/** Uses the state up for this answer. Called only once a response has proven itself (it decrypted
 * with this request's key), so garbage sent to a request id cannot burn the real holder's session.
 * The same answer again passes (a retry); another answer is a replay. */
export async function consumeState(store: RequestStateStore, id: string, answerDigest: string): Promise<void> {
  if ((await store.consume(id, answerDigest)) === undefined) throw new ProtocolError('NONCE_REPLAYED', 'this request was already answered');
}
