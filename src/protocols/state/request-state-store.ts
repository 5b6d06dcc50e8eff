/**
 * Where a verifier keeps what it sent until the answer comes back: nonce, keys, origin, client_id.
 * The SessionTranscript is rebuilt from this, never from the response. A state is used once:
 * `consume` removes it atomically, so a replayed response finds nothing (NONCE_REPLAYED).
 * Values are JSON so that a shared store (Redis, by the service) can hold them.
 */

export interface RequestStateStore {
  /** Stores `state` under `id` for `ttlSeconds`; fails if `id` exists. */
  put(id: string, state: string, ttlSeconds: number): Promise<void>;
  /** Reads without using up. */
  get(id: string): Promise<string | undefined>;
  /** Reads and deletes in one step; at most one caller gets the value. */
  consume(id: string): Promise<string | undefined>;
}

/** In-process store for one instance and for tests. Expiry is checked against an injected clock. */
export class MemoryRequestStateStore implements RequestStateStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async put(id: string, state: string, ttlSeconds: number): Promise<void> {
    this.sweep();
    if (this.entries.has(id)) throw new Error('request state id collision');
    this.entries.set(id, { value: state, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async get(id: string): Promise<string | undefined> {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return e.value;
  }

  async consume(id: string): Promise<string | undefined> {
    const value = await this.get(id);
    this.entries.delete(id);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(id);
  }
}
