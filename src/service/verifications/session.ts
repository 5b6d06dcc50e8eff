/**
 * A verification session as the service stores it. `secrets` holds the ids of the protocol layer's
 * request states (RequestRefs: the nonces and ephemeral private keys themselves are in the
 * RequestStateStore, used once); it is never logged or returned by the API.
 */
import { reasonFor, type Reason } from './reasons.js';
import type { AccountReference, Decision } from '../../policy/index.js';

/**
 * pending: created; retrieved: the wallet fetched the request; verified: the answer verified (the
 * decision may still be "no"); failed: the answer did not verify; declined: the wallet or the person
 * said no (an OpenID4VP error response, a cancelled Digital Credentials API call); expired: nobody
 * answered in time; test: an integrator test ID answered (sandbox with KAKUNIN_APPLE_TEST_IDS only):
 * the device signed this session, no issuer vouches for the data, it is not an identity.
 */
export type VerificationState = 'pending' | 'retrieved' | 'verified' | 'failed' | 'declined' | 'expired' | 'test';

export const FINAL_STATES: ReadonlySet<VerificationState> = new Set(['verified', 'failed', 'declined', 'expired', 'test']);

export interface VerificationSession {
  id: string;
  purpose: string;
  state: VerificationState;
  createdAt: string;
  /** When the pending session (or, once answered, the result) is gone. */
  expiresAt: string;
  /** The merchant's webhook for the receipt, if any. */
  webhookUrl?: string;
  /**
   * The API client that created it, as its receipt names it (ReceiptAudience): kept, so a receipt
   * carries the receipt_audience given at creation even when the receipt key changed in between.
   */
  client?: string;
  /** account_match: whose credential bindings it makes (CredentialBinding.merchantOf). */
  merchant?: string;
  /** What its QR code carries (the wallet link; public). */
  qrUri?: string;
  /** The web origin its Digital Credentials API request is bound to. */
  origin?: string;
  /** The merchant's page the same-device OpenID4VP flow returns to (response-code.ts). */
  redirectUri?: string;
  /** That request (the argument of navigator.credentials.get), once a page asked for it. Public. */
  dcapi?: unknown;
  /**
   * account_match: the merchant's reference (name, birth date, address: personal data), sealed at
   * rest with the rest of the session, never logged or returned, and dropped from the session when
   * it ends.
   */
  account?: AccountReference;
  /** Which request states answer the wallet and open its response (RequestRefs). Never logged, never returned. */
  secrets: Record<string, unknown>;
  decision?: Decision;
  receipt?: string;
  /** Why it ended, for every final state but verified. */
  reason?: Reason;
}

/** What GET /v1/verifications/{id} and the SSE stream carry: the minimal result only. */
export interface SessionEvent {
  id: string;
  state: VerificationState;
  purpose: string;
  expires_at: string;
  decision?: Decision;
  receipt?: string;
  reason?: Reason;
}

/** A session nobody answered in time: still readable, as `expired`, for as long as a result would be. */
export function hasExpired(s: VerificationSession, now: Date): boolean {
  return (s.state === 'pending' || s.state === 'retrieved') && now.getTime() >= Date.parse(s.expiresAt);
}

/** The public view at `now` (a pending session past its time reads as expired, with its reason). */
export function publicView(s: VerificationSession, now?: Date): SessionEvent {
  const expired = now !== undefined && hasExpired(s, now);
  const reason = expired ? reasonFor('REQUEST_EXPIRED') : s.reason;
  return {
    id: s.id,
    state: expired ? 'expired' : s.state,
    purpose: s.purpose,
    expires_at: s.expiresAt,
    ...(s.decision ? { decision: s.decision } : {}),
    ...(s.receipt ? { receipt: s.receipt } : {}),
    ...(reason ? { reason } : {}),
  };
}
