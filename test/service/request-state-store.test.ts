import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisRequestStateStore } from '../../src/service/store/index.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
afterAll(async () => void (await redis.quit()));

describe('Redis RequestStateStore', () => {
  const store = new RedisRequestStateStore(redis, `kakunin-test-rs:${randomUUID()}:`);

  it('stores, reads, and consumes exactly once', async () => {
    await store.put('a', '{"nonce":"n"}', 60);
    await expect(store.put('a', 'x', 60)).rejects.toThrow('collision');
    expect(await store.get('a')).toBe('{"nonce":"n"}');
    const both = await Promise.all([store.consume('a'), store.consume('a')]);
    expect(both.filter(Boolean)).toEqual(['{"nonce":"n"}']);
    expect(await store.get('a')).toBeUndefined();
  });

  it('forgets state at its TTL', async () => {
    await store.put('b', 's', 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await store.consume('b')).toBeUndefined();
  });
});
