/**
 * The single-process store. Entries carry their own deadline; reads treat a passed deadline as gone,
 * and a sweep (unref'd, so it never keeps the process alive) frees memory. Every entry is one flat
 * string, its deadline stamped on its value (stamped-value.ts), as Redis keeps a string per key: a
 * million pending verifications are then a few million strings for the collector to visit rather
 * than three times as many objects.
 */
import { EventEmitter } from 'node:events';
import { publicView, type SessionEvent, type VerificationSession } from '../verifications/session.js';
import { deadlineOf, stamp, valueOf } from '../../protocols/state/stamped-value.js';
import { DEFAULT_TIMINGS, type CompleteOutcome, type Lookup, type SessionStore, type StoreTimings } from './session-store.js';

/**
 * The tombstone's value, its claim: '' no answer yet, HELD + the digest of the answer that holds it,
 * or DONE once its result is written (after which no answer may hold it).
 */
const HELD = 'held:';
const DONE = 'done';

export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory' as const;
  /** Session JSON, stamped. */
  private readonly sessions = new Map<string, string>();
  /** The claim, stamped with the tombstone's deadline. */
  private readonly tombstones = new Map<string, string>();
  /** The id, stamped. */
  private readonly aliases = new Map<string, string>();
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
    if (alias) this.aliases.set(alias, stamp(now + (ttlSeconds + this.timings.tombstoneSeconds) * 1000, session.id));
    // Stored as JSON so that callers never share mutable objects with the store, as with Redis.
    this.sessions.set(session.id, stamp(now + ttlSeconds * 1000, JSON.stringify(session)));
    this.tombstones.set(session.id, stamp(now + (ttlSeconds + this.timings.tombstoneSeconds) * 1000, ''));
  }

  async get(id: string): Promise<Lookup> {
    const entry = this.live(this.sessions, id);
    if (entry !== undefined) return { status: 'found', session: JSON.parse(valueOf(entry)) as VerificationSession };
    return this.live(this.tombstones, id) !== undefined ? { status: 'expired' } : { status: 'unknown' };
  }

  async resolve(alias: string): Promise<string | undefined> {
    const entry = this.live(this.aliases, alias);
    return entry === undefined ? undefined : valueOf(entry);
  }

  async update(session: VerificationSession, ttlSeconds: number): Promise<boolean> {
    if (this.live(this.sessions, session.id) === undefined) return false;
    const tomb = this.live(this.tombstones, session.id);
    if (tomb !== undefined && valueOf(tomb) === DONE) return false;
    this.write(session, ttlSeconds);
    return true;
  }

  async claim(id: string, answerDigest: string): Promise<boolean> {
    const tomb = this.live(this.tombstones, id);
    if (tomb === undefined) return false;
    const claim = valueOf(tomb);
    if (claim === DONE) return false;
    if (claim === '') {
      this.tombstones.set(id, stamp(deadlineOf(tomb), HELD + answerDigest));
      return true;
    }
    return claim === HELD + answerDigest;
  }

  // No outbox: a process without Redis has nowhere durable to keep a delivery (webhooks/queue.ts).
  async complete(session: VerificationSession, ttlSeconds: number, answerDigest: string): Promise<CompleteOutcome> {
    const tomb = this.live(this.tombstones, session.id);
    if (tomb === undefined) return 'gone';
    if (valueOf(tomb) !== HELD + answerDigest) return 'taken';
    if (this.live(this.sessions, session.id) === undefined) return 'gone';
    this.write(session, ttlSeconds, DONE);
    return 'written';
  }

  /** Writes the session and extends its tombstone, keeping its claim unless `claim` replaces it. */
  private write(session: VerificationSession, ttlSeconds: number, claim?: string): void {
    const now = this.now();
    this.sessions.set(session.id, stamp(now + ttlSeconds * 1000, JSON.stringify(session)));
    const tomb = this.tombstones.get(session.id);
    const tombDeadline = Math.max(tomb === undefined ? 0 : deadlineOf(tomb), now + (ttlSeconds + this.timings.tombstoneSeconds) * 1000);
    this.tombstones.set(session.id, stamp(tombDeadline, claim ?? (tomb === undefined ? '' : valueOf(tomb))));
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

  /** The stamped entry of `id`, or undefined when there is none or its deadline has passed. */
  private live(map: Map<string, string>, id: string): string | undefined {
    const entry = map.get(id);
    if (entry === undefined) return undefined;
    if (deadlineOf(entry) <= this.now()) {
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
      for (const map of [this.sessions, this.tombstones, this.aliases]) {
        for (const [id, e] of map) {
          if (deadlineOf(e) <= now) map.delete(id);
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
