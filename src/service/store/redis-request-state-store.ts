/**
 * The protocol layer's RequestStateStore (src/protocols/state/) in Redis, so that request state and
 * its single-use nonce are shared by every instance: `consume` is GETDEL, atomic in Redis, so of
 * two instances receiving the same response only one gets the state.
 */
import type { Redis } from 'ioredis';
import type { RequestStateStore } from '../../protocols/state/request-state-store.js';

export class RedisRequestStateStore implements RequestStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'kakunin:rs:',
  ) {}

  async put(id: string, state: string, ttlSeconds: number): Promise<void> {
    const ok = await this.redis.set(this.prefix + id, state, 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
    if (ok !== 'OK') throw new Error('request state id collision');
  }

  async get(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + id)) ?? undefined;
  }

  async consume(id: string): Promise<string | undefined> {
    return (await this.redis.getdel(this.prefix + id)) ?? undefined;
  }
}
