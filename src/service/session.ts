/**
 * A verification session as the service stores it. `secrets` holds the ids of the protocol layer's
 * request states (RequestRefs: the nonces and ephemeral private keys themselves are in the
 * RequestStateStore, used once); it is never logged or returned by the API.
 */
import type { Decision } from '../policy/index.js';

export type VerificationState = 'pending' | 'retrieved' | 'verified' | 'failed' | 'expired';

export const FINAL_STATES: ReadonlySet<VerificationState> = new Set(['verified', 'failed', 'expired']);

export interface VerificationSession {
  id: string;
  purpose: string;
  state: VerificationState;
  createdAt: string;
  /** When the pending session (or, once answered, the result) is gone. */
  expiresAt: string;
  /** The merchant's webhook for the receipt, if any. */
  webhookUrl?: string;
  /** The API client that created it (clientIdOf): the audience of its receipt. */
  client?: string;
  /** Which request states answer the wallet and open its response (RequestRefs). Never logged, never returned. */
  secrets: Record<string, unknown>;
  decision?: Decision;
  receipt?: string;
}

/** What GET /v1/verifications/{id} and the SSE stream carry: the minimal result only. */
export interface SessionEvent {
  id: string;
  state: VerificationState;
  purpose: string;
  expires_at: string;
  decision?: Decision;
  receipt?: string;
}

export function publicView(s: VerificationSession): SessionEvent {
  return {
    id: s.id,
    state: s.state,
    purpose: s.purpose,
    expires_at: s.expiresAt,
    ...(s.decision ? { decision: s.decision } : {}),
    ...(s.receipt ? { receipt: s.receipt } : {}),
  };
}
