/**
 * The single-process store. Entries carry their own deadline; reads treat a passed deadline as gone,
 * and a sweep (unref'd, so it never keeps the process alive) frees memory.
 */
import { EventEmitter } from 'node:events';
import { publicView, type SessionEvent, type VerificationSession } from '../verifications/session.js';
import { DEFAULT_TIMINGS, type CompleteOutcome, type Lookup, type SessionStore, type StoreTimings } from './session-store.js';

/** The tombstone's claim: no answer yet, the digest of the answer that holds it, or its result written. */
type Claim = { held?: string; done?: true };

interface Entry<T> {
  value: T;
  deadline: number;
}

export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, Entry<string>>();
  private readonly tombstones = new Map<string, Entry<Claim>>();
  private readonly aliases = new Map<string, Entry<string>>();
  private readonly events = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly timings: StoreTimings = DEFAULT_TIMINGS,
  ) {
    this.events.setMaxListeners(0);
    this.sweeper = setInterval(() => void this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async create(session: VerificationSession, ttlSeconds: number, alias?: string): Promise<void> {
    const now = this.now();
    if (alias) this.aliases.set(alias, { value: session.id, deadline: now + (ttlSeconds + this.timings.tombstoneSeconds) * 1000 });
    // Stored as JSON so that callers never share mutable objects with the store, as with Redis.
    this.sessions.set(session.id, { value: JSON.stringify(session), deadline: now + ttlSeconds * 1000 });
    this.tombstones.set(session.id, { value: {}, deadline: now + (ttlSeconds + this.timings.tombstoneSeconds) * 1000 });
  }

  async get(id: string): Promise<Lookup> {
    const entry = this.live(this.sessions, id);
    if (entry) return { status: 'found', session: JSON.parse(entry.value) as VerificationSession };
    return this.live(this.tombstones, id) ? { status: 'expired' } : { status: 'unknown' };
  }

  async resolve(alias: string): Promise<string | undefined> {
    return this.live(this.aliases, alias)?.value;
  }

  async update(session: VerificationSession, ttlSeconds: number): Promise<boolean> {
    if (!this.live(this.sessions, session.id) || this.live(this.tombstones, session.id)?.value.done) return false;
    this.write(session, ttlSeconds);
    return true;
  }

  async claim(id: string, answerDigest: string): Promise<boolean> {
    const tomb = this.live(this.tombstones, id);
    if (!tomb || tomb.value.done) return false;
    tomb.value.held ??= answerDigest;
    return tomb.value.held === answerDigest;
  }

  // No outbox: a process without Redis has nowhere durable to keep a delivery (webhooks/queue.ts).
  async complete(session: VerificationSession, ttlSeconds: number, answerDigest: string): Promise<CompleteOutcome> {
    const tomb = this.live(this.tombstones, session.id);
    if (!tomb) return 'gone';
    if (tomb.value.done || tomb.value.held !== answerDigest) return 'taken';
    if (!this.live(this.sessions, session.id)) return 'gone';
    tomb.value.done = true;
    this.write(session, ttlSeconds);
    return 'written';
  }

  private write(session: VerificationSession, ttlSeconds: number): void {
    const now = this.now();
    this.sessions.set(session.id, { value: JSON.stringify(session), deadline: now + ttlSeconds * 1000 });
    const tomb = this.tombstones.get(session.id);
    const tombDeadline = now + (ttlSeconds + this.timings.tombstoneSeconds) * 1000;
    this.tombstones.set(session.id, { value: tomb?.value ?? {}, deadline: Math.max(tomb?.deadline ?? 0, tombDeadline) });
    this.events.emit(session.id, publicView(session));
  }

  async subscribe(id: string, listener: (event: SessionEvent) => void): Promise<() => void> {
    this.events.on(id, listener);
    return () => this.events.off(id, listener);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.events.removeAllListeners();
  }

  private live<T>(map: Map<string, Entry<T>>, id: string): Entry<T> | undefined {
    const entry = map.get(id);
    if (!entry) return undefined;
    if (entry.deadline <= this.now()) {
      map.delete(id);
      return undefined;
    }
    return entry;
  }

  /**
   * Frees what has passed its deadline (every 30 s). A slice of SWEEP_SLICE entries at a time, letting
   * the event loop run between slices: with a million pending verifications the three maps hold three
   * million entries, a walk of 100 ms or more that would hold every request behind it.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.now();
      let n = 0;
      for (const map of [this.sessions, this.tombstones, this.aliases] as Map<string, Entry<unknown>>[]) {
        for (const [id, e] of map) {
          if (e.deadline <= now) map.delete(id);
          if (++n % SWEEP_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.sweeping = false;
    }
  }
}

/** Entries looked at between two turns of the event loop: about a millisecond. */
const SWEEP_SLICE = 10_000;
