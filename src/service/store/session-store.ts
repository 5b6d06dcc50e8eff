/**
 * Where sessions live between the page, the wallet and the merchant: in this process (default) or in
 * Redis when several instances share the work. Both keep the same rules:
 * - a session disappears at its TTL (pending 5 minutes, results 2 minutes by default);
 * - a small tombstone without personal data outlives it, so a late caller gets 410, not 404;
 * - exactly one answer is accepted per session (`claim`), the first one;
 * - every state change is published to subscribers (the SSE streams), on every instance.
 */
import type { SessionEvent, VerificationSession } from '../session.js';

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
  /** Replaces a live session (same id), with a new TTL, and publishes the change. False when it is gone. */
  update(session: VerificationSession, ttlSeconds: number): Promise<boolean>;
  /** The right to answer `id`: true for the first caller only. Held as long as the tombstone. */
  claim(id: string): Promise<boolean>;
  /** Calls `listener` on each published change of `id`; returns the unsubscribe function. */
  subscribe(id: string, listener: (event: SessionEvent) => void): Promise<() => void>;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreTimings {
  /** How long an id is remembered after its session is gone, to answer 410 rather than 404. */
  tombstoneSeconds: number;
}

export const DEFAULT_TIMINGS: StoreTimings = { tombstoneSeconds: 3600 };
