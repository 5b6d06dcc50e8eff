import { ProtocolError } from '../errors.js';
import { deadlineOf, stamp, valueOf } from './stamped-value.js';

/**
 * Where a verifier keeps what it sent until the answer comes back: nonce, keys, origin, client_id.
 * The SessionTranscript is rebuilt from this, never from the response.
 *
 * A state answers one answer. `consume` does not delete it: it marks it, atomically, as used up by
 * that answer's digest (answer-digest.ts). The same answer sent again — a retry after the instance
 * that took it died, or after the store failed mid-way — gets the state again and may finish the
 * work; any other answer gets nothing (NONCE_REPLAYED). Once the result is written the caller
 * `release`s the state; otherwise it goes at its TTL.
 * Values are JSON so that a shared store (Redis, by the service) can hold them.
 */

export interface RequestStateStore {
  /** Stores `state` under `id` for `ttlSeconds`; fails with REQUEST_STATE_COLLISION if `id` holds another state. */
  put(id: string, state: string, ttlSeconds: number): Promise<void>;
  /**
   * Reads without using up: an open state, or one used up by `answerDigest` (that answer's retry).
   * Without a digest, only an open state.
   */
  get(id: string, answerDigest?: string): Promise<string | undefined>;
  /**
   * Uses the state up for the answer `answerDigest`, in one atomic step: the first answer and its
   * repeats get the value; a different answer gets undefined.
   */
  consume(id: string, answerDigest: string): Promise<string | undefined>;
  /** Deletes the state (its answer has a result, or the session closed); no-op if it is gone. */
  release(id: string): Promise<void>;
}

/**
 * In-process store for one instance and for tests. Expiry is checked against an injected clock.
 *
 * @example
 * ```ts
 * import { createDigitalCredentialRequest, MemoryRequestStateStore, type PresentationRequest, type VerifierIdentity } from 'kakunin';
 * declare const request: PresentationRequest;
 * declare const identity: VerifierIdentity;
 * const store = new MemoryRequestStateStore(); // one per process; several instances share a store of their own (Redis)
 * const dcApi = await createDigitalCredentialRequest({ request, origin: 'https://shop.example', identity, at: new Date(), store });
 * // ... once the answer is verified or the session ends:
 * await store.release(dcApi.id);
 * ```
 */
export class MemoryRequestStateStore implements RequestStateStore {
  /** Each state stamped with its expiry, one flat string a state (stamped-value.ts): a service may hold a million. */
  private readonly entries = new Map<string, string>();
  /** The digest of the answer that used each state up: only states used up and not yet released or expired. */
  private readonly usedBy = new Map<string, string>();
  /** Where the incremental sweep stands (sweepSome). */
  private cursor?: MapIterator<[string, string]>;
  constructor(private readonly now: () => number = Date.now) {}

  async put(id: string, state: string, ttlSeconds: number): Promise<void> {
    this.sweepSome();
    if (this.entries.has(id)) throw new ProtocolError('REQUEST_STATE_COLLISION', 'request state id collision');
    this.entries.set(id, stamp(this.now() + ttlSeconds * 1000, state));
  }

  async get(id: string, answerDigest?: string): Promise<string | undefined> {
    const e = this.live(id);
    if (e === undefined) return undefined;
    const used = this.usedBy.get(id);
    if (used !== undefined && used !== answerDigest) return undefined;
    return valueOf(e);
  }

  async consume(id: string, answerDigest: string): Promise<string | undefined> {
    // No await between the read and the mark: atomic within this process.
    const e = this.live(id);
    if (e === undefined) return undefined;
    const used = this.usedBy.get(id);
    if (used === undefined) this.usedBy.set(id, answerDigest);
    return used === undefined || used === answerDigest ? valueOf(e) : undefined;
  }

  async release(id: string): Promise<void> {
    this.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(id: string): void {
    this.entries.delete(id);
    this.usedBy.delete(id);
  }

  private live(id: string): string | undefined {
    const e = this.entries.get(id);
    if (e === undefined) return undefined;
    if (deadlineOf(e) <= this.now()) {
      this.delete(id);
      return undefined;
    }
    return e;
  }

  /**
   * Frees expired states a few at a time, from where the last call stopped: every put looks at
   * SWEEP_PER_PUT states, so each state is looked at within about size / (SWEEP_PER_PUT - 1) puts
   * and memory stays bounded, while a put costs the same with ten states held or a million. (Looking
   * at every state on every put made filling 100,000 pending verifications quadratic: minutes.)
   */
  private sweepSome(): void {
    const now = this.now();
    let restarted = false;
    for (let n = 0; n < SWEEP_PER_PUT; n++) {
      this.cursor ??= this.entries.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        if (restarted) return;
        restarted = true;
        continue;
      }
      // Deleting the entry the iterator stands on is safe: a Map iterator skips deleted entries.
      if (deadlineOf(next.value[1]) <= now) this.delete(next.value[0]);
    }
  }
}

/** States looked at per put (at least 2: one for the state put, one to catch up). */
const SWEEP_PER_PUT = 4;
