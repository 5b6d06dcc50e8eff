/**
 * The protocol layer's RequestStateStore (src/protocols/state/) in Redis, so that request states and
 * their single-use nonces are shared by every instance.
 *
 *   {prefix}{{id}}      the state JSON, sealed (store-cipher.ts: it holds private keys and nonces), EX ttl
 *   {prefix}{{id}}:used the digest of the answer that used it up, with the state's remaining TTL
 * where {id} is the cipher's keyed name of the request state id (a bearer value in the wallet's URL),
 * written inside braces: a Redis Cluster hash tag, so the two keys share a slot for the script.
 *
 * `consume` is one Lua script, atomic in Redis: of several instances receiving answers for one
 * request, the first answer marks the state and every copy of that same answer reads it again
 * (a retry may finish the work after the instance that took it died); a different answer gets nil.
 */
import type { RedisClient } from './redis-connection.js';
import type { RequestStateStore } from '../../protocols/state/request-state-store.js';
import type { StoreCipher } from './store-cipher.js';
import { KakuninError } from '../../codes/error.js';

// KEYS[1] state, KEYS[2] used-by; ARGV[1] answer digest. Returns the sealed state; never looks inside.
const CONSUME = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local usedBy = redis.call('GET', KEYS[2])
if not usedBy then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then return false end
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
  return value
end
if usedBy == ARGV[1] then return value end
return false
`;

export class RedisRequestStateStore implements RequestStateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly cipher: StoreCipher,
    private readonly prefix = 'kakunin:rs:',
  ) {}

  async put(id: string, state: string, ttlSeconds: number): Promise<void> {
    const key = this.stateKey(id);
    const ok = await this.redis.set(key, this.cipher.seal(key, state), 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
    if (ok === 'OK') return;
    // Ids are 144 random bits: what is there is, in practice, this very write, run once already and
    // re-sent by ioredis after a reconnect lost its reply. Only someone else's value is a collision.
    // Compared opened, as plaintext: what matters is the state, not which sealed copy of it is there.
    const there = await this.redis.get(key);
    if (there === null || this.cipher.open(key, there) !== state) throw new KakuninError('REQUEST_STATE_COLLISION', 'request state id collision');
  }

  async get(id: string, answerDigest?: string): Promise<string | undefined> {
    const key = this.stateKey(id);
    const [value, usedBy] = await this.redis.mget(key, `${key}:used`);
    if (!value || (usedBy !== null && usedBy !== answerDigest)) return undefined;
    return this.cipher.open(key, value);
  }

  async consume(id: string, answerDigest: string): Promise<string | undefined> {
    const key = this.stateKey(id);
    const value = (await this.redis.eval(CONSUME, 2, key, `${key}:used`, answerDigest)) as string | null;
    return value === null ? undefined : this.cipher.open(key, value);
  }

  async release(id: string): Promise<void> {
    const key = this.stateKey(id);
    await this.redis.del(key, `${key}:used`);
  }

  private stateKey(id: string): string {
    return `${this.prefix}{${this.cipher.name(id)}}`;
  }
}
