/**
 * Where sessions live between the page, the wallet and the merchant: in this process (default) or in
 * Redis when several instances share the work. Both keep the same rules:
 * - a session disappears at its TTL (pending 5 minutes, results 2 minutes by default);
 * - a small tombstone without personal data outlives it, so a late caller gets 410, not 404;
 * - exactly one answer is taken per session (`claim`), the first one; the same answer sent again
 *   (a retry after the instance that took it died) may take it again and finish the work;
 * - exactly one result is written (`complete`, first write wins), and nothing overwrites it;
 * - every state change is published to subscribers (the SSE streams), on every instance.
 */
import type { SessionEvent, VerificationSession } from '../verifications/session.js';

export type Lookup = { status: 'found'; session: VerificationSession } | { status: 'expired' } | { status: 'unknown' };

export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Stores a new session for `ttlSeconds`, and its tombstone. `alias` is a second random name for it,
   * the one that goes into the QR code and the wallet's URLs, so that whoever sees the QR cannot
   * read the result, which only the creator's id gives.
   */
  create(session: VerificationSession, ttlSeconds: number, alias?: string): Promise<void>;
  get(id: string): Promise<Lookup>;
  /** The id an alias stands for, as long as the id's tombstone lives. */
  resolve(alias: string): Promise<string | undefined>;
  /**
   * Replaces a live session that has no result yet (same id), with a new TTL, and publishes the
   * change. False when it is gone or already has its result.
   */
  update(session: VerificationSession, ttlSeconds: number): Promise<boolean>;
  /**
   * The right to answer `id`, for the answer named `answerDigest`: true for the first answer and for
   * that same answer again until its result is written; false for any other answer, and for every
   * answer once the result is written. Held as long as the tombstone.
   */
  claim(id: string, answerDigest: string): Promise<boolean>;
  /**
   * Writes the result (`session`, final state) if the claim is held by `answerDigest` and no result
   * was written yet: of several copies of one answer finishing at once, one writes. Publishes it.
   * `outbox`, when given, is written in the same atomic step (Redis only: the transactional outbox of
   * webhook deliveries, so that no result is written without its delivery).
   */
  complete(session: VerificationSession, ttlSeconds: number, answerDigest: string, outbox?: OutboxEntry): Promise<CompleteOutcome>;
  /** Calls `listener` on each published change of `id`; returns the unsubscribe function. */
  subscribe(id: string, listener: (event: SessionEvent) => void): Promise<() => void>;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A record written with a result: field `id` of the `{prefix}outbox` hash, holding `value`. */
export interface OutboxEntry {
  id: string;
  value: string;
}

/** written: this call wrote the result; taken: another call did (or another answer holds the claim); gone: expired. */
export type CompleteOutcome = 'written' | 'taken' | 'gone';

export interface StoreTimings {
  /** How long an id is remembered after its session is gone, to answer 410 rather than 404. */
  tombstoneSeconds: number;
}

export const DEFAULT_TIMINGS: StoreTimings = { tombstoneSeconds: 3600 };
