/**
 * Sessions in Redis, for several instances behind a load balancer. Keys expire with the session's TTL
 * (Redis does the expiry, so no instance needs a sweeper). Changes are published on a channel per
 * session; each instance holds one subscriber connection and fans messages out to its SSE streams.
 *
 * Every {id} and {alias} below is the cipher's keyed name of the bearer value (StoreCipher.name), never
 * the value itself: reading Redis does not give the right to read a result. {b} is the name's first
 * character, written as a Redis Cluster hash tag: every key of one verification, and the outbox
 * bucket its delivery goes into, hash to one slot, so the Lua scripts below stay single-slot on a
 * cluster (64 buckets spread over the masters).
 *   {prefix}{b}s:{id}   session JSON, sealed, EX ttl
 *   {prefix}{b}t:{id}   tombstone "1", EX ttl + tombstoneSeconds (410 after the session is gone)
 *   {prefix}{b}a:{alias} the id, sealed, EX as the tombstone (the QR's name for the session)
 *   {prefix}{b}c:{id}   answer claim: the digest of the answer that holds it, then "done" once its
 *                    result is written (Lua scripts, atomic: the first answer wins on whichever
 *                    instance it lands; its retry may re-take it; one result, never overwritten)
 *   {prefix}{b}e:{id}   pub/sub channel of public session events, each sealed
 *   {prefix}{b}outbox   hash, one per bucket: webhook deliveries written with their result, in the
 *                    same script, until the webhook queue holds them (field: the event id; value:
 *                    sealed by the queue)
 *   {prefix}kid      the kid of the store key the records are sealed and named under: an instance
 *                    with another key finds no record by its names, and this tells it why (503,
 *                    reported) rather than answering 'unknown'
 *
 * Sealed (store-cipher.ts): AES-256-GCM under the store key, the key or channel name as AAD. The Lua
 * scripts never look inside a sealed value: what they compare (tombstone, claim digest, done token)
 * stays plain and holds no personal data. A value that does not open fails the call (503).
 */
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { closeRedis, connectRedis, type RedisClient } from './redis-connection.js';
import { RedisRequestStateStore } from './redis-request-state-store.js';
import type { StoreCipher } from './store-cipher.js';
import { publicView, type SessionEvent, type VerificationSession } from '../verifications/session.js';
import { DEFAULT_TIMINGS, type CompleteOutcome, type Lookup, type OutboxEntry, type SessionStore, type StoreTimings } from './session-store.js';

/**
 * The claim's value once the result is written is DONE + a token of the call that wrote it: never a
 * digest (base64url has no ':'), and a command ioredis re-sends after a reconnect (the first one ran,
 * its reply was lost) recognises its own write instead of taking it for another's.
 */
const DONE = 'done:';

// KEYS: t, c; ARGV: answer digest. 1 = held by this answer.
const CLAIM = `
local held = redis.call('GET', KEYS[2])
if held then
  if held == ARGV[1] then return 1 end
  return 0
end
local ttl = redis.call('TTL', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ttl)
return 1
`;

// KEYS: s, t, c, e; ARGV: session JSON, ttl, tombstone ttl, public event. 1 = written.
const UPDATE = `
local held = redis.call('GET', KEYS[3])
if held and string.sub(held, 1, ${DONE.length}) == '${DONE}' then return 0 end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'XX') then return 0 end
redis.call('EXPIRE', KEYS[2], ARGV[3], 'GT')
redis.call('PUBLISH', KEYS[4], ARGV[4])
return 1
`;

// KEYS: s, t, c, e, outbox; ARGV: session JSON, ttl, tombstone ttl, public event, answer digest, call
// token, outbox field and value (both '' for none).
// 1 = written (by this call), 0 = taken (another answer holds the claim, or the result is written), -1 = gone.
const COMPLETE = `
local held = redis.call('GET', KEYS[3])
if not held then
  if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
  return 0
end
if held == '${DONE}' .. ARGV[6] then return 1 end
if held ~= ARGV[5] then return 0 end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'XX') then return -1 end
redis.call('SET', KEYS[3], '${DONE}' .. ARGV[6], 'KEEPTTL')
if ARGV[7] ~= '' then redis.call('HSET', KEYS[5], ARGV[7], ARGV[8]) end
redis.call('EXPIRE', KEYS[2], ARGV[3], 'GT')
redis.call('PUBLISH', KEYS[4], ARGV[4])
return 1
`;

/** The first characters of keyed names (base64url): one bucket, hash tag and outbox hash each. */
export const BUCKETS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The hash-tagged start of every key of the record `name` names. */
const bucketOf = (prefix: string, name: string) => `${prefix}{${name[0]}}`;

/** The key of one kind (s, t, a, c, e) of the record a keyed name names. */
export const recordKey = (prefix: string, name: string, kind: 's' | 't' | 'a' | 'c' | 'e') => `${bucketOf(prefix, name)}${kind}:${name}`;

/** The outbox hash of one bucket (the webhook queue reads and clears it too). */
export const outboxKey = (prefix: string, bucket: string) => `${prefix}{${bucket}}outbox`;

/** The outbox bucket a verification's webhook delivery is written into. */
export const outboxKeyFor = (prefix: string, name: string) => outboxKey(prefix, name[0]);

export interface RedisOptions {
  /**
   * A command with no reply after this long fails (then 503 STORE_UNAVAILABLE): a Redis that accepts
   * connections but never answers must not hang requests. Default 2000.
   */
  commandTimeoutMs?: number;
  /** REDIS_URL names a Redis Cluster (its seed nodes, comma-separated). */
  cluster?: boolean;
}

/** Session, tombstone, alias, claim and event-channel keys of one bearer value. */
interface RecordKeys {
  s: string;
  t: string;
  a: string;
  c: string;
  e: string;
  /** The outbox bucket of this record. */
  o: string;
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  private subscriber: RedisClient | undefined;
  private readonly listeners = new Map<string, Set<(event: SessionEvent) => void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly cipher: StoreCipher,
    private readonly prefix = 'kakunin:',
    private readonly timings: StoreTimings = DEFAULT_TIMINGS,
  ) {}

  static connect(url: string, cipher: StoreCipher, prefix?: string, timings?: StoreTimings, options: RedisOptions = {}): RedisSessionStore {
    // Commands fail fast while Redis is away instead of queueing without bound; /readyz reports it.
    const redis = connectRedis({ url, cluster: options.cluster ?? false }, { commandTimeoutMs: options.commandTimeoutMs ?? 2000 });
    return new RedisSessionStore(redis, cipher, prefix, timings);
  }

  async create(session: VerificationSession, ttlSeconds: number, alias?: string): Promise<void> {
    // The session's keys in one transaction (one slot); the alias and the kid live in other slots, so
    // on a cluster they are written beside it. An alias without its session (a failure between the
    // two) names nothing: the wallet gets 404, as for any unknown handle.
    const k = this.keysOf(session.id);
    const writes: Promise<unknown>[] = [
      this.redis
        .multi()
        .set(k.s, this.seal(k.s, JSON.stringify(session)), 'EX', ttlSeconds)
        .set(k.t, '1', 'EX', ttlSeconds + this.timings.tombstoneSeconds)
        .exec(),
      this.redis.set(`${this.prefix}kid`, this.cipher.kid, 'NX'),
    ];
    if (alias) {
      const a = this.keysOf(alias).a;
      writes.push(this.redis.set(a, this.seal(a, session.id), 'EX', ttlSeconds + this.timings.tombstoneSeconds));
    }
    await Promise.all(writes);
  }

  async get(id: string): Promise<Lookup> {
    const k = this.keysOf(id);
    const [sealed, tomb] = await this.redis.mget(k.s, k.t);
    if (sealed) return { status: 'found', session: JSON.parse(this.cipher.open(k.s, sealed)) as VerificationSession };
    if (tomb) return { status: 'expired' };
    await this.checkKey();
    return { status: 'unknown' };
  }

  /** On a miss: is it because this instance has another store key than the one Redis was written with? */
  private async checkKey(): Promise<void> {
    const kid = await this.redis.get(`${this.prefix}kid`);
    if (kid !== null) this.cipher.expectKid(kid);
  }

  async resolve(alias: string): Promise<string | undefined> {
    const a = this.keysOf(alias).a;
    const sealed = await this.redis.get(a);
    if (sealed === null) {
      await this.checkKey();
      return undefined;
    }
    return this.cipher.open(a, sealed);
  }

  async update(session: VerificationSession, ttlSeconds: number): Promise<boolean> {
    // XX: only while the session is alive, so an update never resurrects an expired one; and never
    // over a written result.
    const k = this.keysOf(session.id);
    const written = await this.redis.eval(UPDATE, 4, k.s, k.t, k.c, k.e, ...this.writeArgs(k, session, ttlSeconds));
    return written === 1;
  }

  async claim(id: string, answerDigest: string): Promise<boolean> {
    const k = this.keysOf(id);
    return (await this.redis.eval(CLAIM, 2, k.t, k.c, answerDigest)) === 1;
  }

  async complete(session: VerificationSession, ttlSeconds: number, answerDigest: string, outbox?: OutboxEntry): Promise<CompleteOutcome> {
    const token = randomBytes(12).toString('base64url');
    const k = this.keysOf(session.id);
    const outcome = await this.redis.eval(COMPLETE, 5, k.s, k.t, k.c, k.e, k.o, ...this.writeArgs(k, session, ttlSeconds), answerDigest, token, outbox?.id ?? '', outbox?.value ?? '');
    return outcome === 1 ? 'written' : outcome === 0 ? 'taken' : 'gone';
  }

  private writeArgs(k: RecordKeys, session: VerificationSession, ttlSeconds: number): (string | number)[] {
    return [this.seal(k.s, JSON.stringify(session)), ttlSeconds, ttlSeconds + this.timings.tombstoneSeconds, this.seal(k.e, JSON.stringify(publicView(session)))];
  }

  private seal(name: string, plaintext: string): string {
    return this.cipher.seal(name, plaintext);
  }

  async subscribe(id: string, listener: (event: SessionEvent) => void): Promise<() => void> {
    const sub = await this.subscriberConnection();
    const channel = this.keysOf(id).e;
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

  /** Channels this instance listens to (each an open event stream's subscription). */
  get subscriptions(): number {
    return this.listeners.size;
  }

  /** The protocol layer's request states on this connection, under this prefix: shared by every instance. */
  requestStateStore(): RedisRequestStateStore {
    return new RedisRequestStateStore(this.redis, this.cipher, `${this.prefix}rs:`);
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
    await closeRedis([this.subscriber, this.redis]);
  }

  private async subscriberConnection(): Promise<RedisClient> {
    if (this.subscriber) return this.subscriber;
    const sub: RedisClient = this.redis instanceof Cluster ? this.redis.duplicate() : this.redis.duplicate();
    sub.on('error', () => undefined);
    sub.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      let event: SessionEvent;
      try {
        // A message that does not open (another key, altered) is dropped: the stream's next re-read
        // of the session fails as 503 instead, and the cipher reports it.
        event = JSON.parse(this.cipher.open(channel, message)) as SessionEvent;
      } catch {
        return;
      }
      for (const l of set) l(event);
    });
    this.subscriber = sub;
    return sub;
  }

  /** The keys a bearer value names, its keyed hash computed once. */
  private keysOf(bearer: string): RecordKeys {
    const name = this.cipher.name(bearer);
    const key = (kind: 's' | 't' | 'a' | 'c' | 'e') => recordKey(this.prefix, name, kind);
    return { s: key('s'), t: key('t'), a: key('a'), c: key('c'), e: key('e'), o: outboxKeyFor(this.prefix, name) };
  }
}
