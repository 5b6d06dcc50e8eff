/**
 * Sessions in Redis, for several instances behind a load balancer. Keys expire with the session's TTL
 * (Redis does the expiry, so no instance needs a sweeper). Changes are published on a channel per
 * session; each instance holds one subscriber connection and fans messages out to its SSE streams.
 *
 *   {prefix}s:{id}   session JSON, EX ttl
 *   {prefix}t:{id}   tombstone "1", EX ttl + tombstoneSeconds (410 after the session is gone)
 *   {prefix}a:{alias} the id, EX as the tombstone (the QR's name for the session)
 *   {prefix}c:{id}   answer claim, SET NX: the first answer wins, on whichever instance it lands
 *   {prefix}e:{id}   pub/sub channel of public session events
 */
import { Redis } from 'ioredis';
import { RedisRequestStateStore } from './redis-request-state-store.js';
import { publicView, type SessionEvent, type VerificationSession } from '../session.js';
import { DEFAULT_TIMINGS, type Lookup, type SessionStore, type StoreTimings } from './session-store.js';

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<(event: SessionEvent) => void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'kakunin:',
    private readonly timings: StoreTimings = DEFAULT_TIMINGS,
  ) {}

  static connect(url: string, prefix?: string, timings?: StoreTimings): RedisSessionStore {
    // Commands fail fast while Redis is away instead of queueing without bound; /readyz reports it.
    const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    redis.on('error', () => {
      /* reported through ping() and the failing request; ioredis reconnects by itself */
    });
    return new RedisSessionStore(redis, prefix, timings);
  }

  async create(session: VerificationSession, ttlSeconds: number, alias?: string): Promise<void> {
    const tx = this.redis.multi();
    if (alias) tx.set(this.key('a', alias), session.id, 'EX', ttlSeconds + this.timings.tombstoneSeconds);
    await tx
      .set(this.key('s', session.id), JSON.stringify(session), 'EX', ttlSeconds)
      .set(this.key('t', session.id), '1', 'EX', ttlSeconds + this.timings.tombstoneSeconds)
      .exec();
  }

  async get(id: string): Promise<Lookup> {
    const [json, tomb] = await this.redis.mget(this.key('s', id), this.key('t', id));
    if (json) return { status: 'found', session: JSON.parse(json) as VerificationSession };
    return tomb ? { status: 'expired' } : { status: 'unknown' };
  }

  async resolve(alias: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('a', alias))) ?? undefined;
  }

  async update(session: VerificationSession, ttlSeconds: number): Promise<boolean> {
    // XX: only while the session is alive, so an update never resurrects an expired one.
    const ok = await this.redis.set(this.key('s', session.id), JSON.stringify(session), 'EX', ttlSeconds, 'XX');
    if (ok !== 'OK') return false;
    const tombTtl = ttlSeconds + this.timings.tombstoneSeconds;
    await this.redis
      .multi()
      .expire(this.key('t', session.id), tombTtl, 'GT')
      .publish(this.key('e', session.id), JSON.stringify(publicView(session)))
      .exec();
    return true;
  }

  async claim(id: string): Promise<boolean> {
    const ttl = await this.redis.ttl(this.key('t', id));
    if (ttl <= 0) return false;
    const ok = await this.redis.set(this.key('c', id), '1', 'EX', ttl, 'NX');
    return ok === 'OK';
  }

  async subscribe(id: string, listener: (event: SessionEvent) => void): Promise<() => void> {
    const sub = await this.subscriberConnection();
    const channel = this.key('e', id);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await sub.subscribe(channel);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  /** The protocol layer's request states on this connection, under this prefix: shared by every instance. */
  requestStateStore(): RedisRequestStateStore {
    return new RedisRequestStateStore(this.redis, `${this.prefix}rs:`);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.allSettled([this.subscriber?.quit(), this.redis.quit()]);
  }

  private async subscriberConnection(): Promise<Redis> {
    if (this.subscriber) return this.subscriber;
    const sub = this.redis.duplicate();
    sub.on('error', () => undefined);
    sub.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      let event: SessionEvent;
      try {
        event = JSON.parse(message) as SessionEvent;
      } catch {
        return;
      }
      for (const l of set) l(event);
    });
    this.subscriber = sub;
    return sub;
  }

  private key(kind: 's' | 't' | 'a' | 'c' | 'e', id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
