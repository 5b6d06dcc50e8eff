import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRequestStateStore } from '../../src/protocols/state/request-state-store.js';
import { MemorySessionStore, RedisRequestStateStore, RedisSessionStore, requestStateStoreFor } from '../../src/service/store/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL);
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

describe('the request states the service uses', () => {
  it('live in this process beside in-memory sessions, on the service clock', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const states = requestStateStoreFor(new MemorySessionStore(), () => now);
    expect(states).toBeInstanceOf(MemoryRequestStateStore);
    await states.put('a', 's', 60);
    now = new Date('2026-01-01T00:01:01Z');
    expect(await states.get('a')).toBeUndefined();
  });

  it('live in the sessions Redis, under its prefix, shared by every instance', async () => {
    const prefix = `kakunin-test-sessions:${randomUUID()}:`;
    const a = RedisSessionStore.connect(REDIS_URL, prefix);
    const b = RedisSessionStore.connect(REDIS_URL, prefix);
    try {
      const onA = requestStateStoreFor(a, () => new Date());
      const onB = requestStateStoreFor(b, () => new Date());
      await onA.put('r1', '{"nonce":"n"}', 60);
      expect(await redis.get(`${prefix}rs:r1`)).toBe('{"nonce":"n"}');
      const [x, y] = await Promise.all([onA.consume('r1'), onB.consume('r1')]);
      expect([x, y].filter(Boolean)).toEqual(['{"nonce":"n"}']);
      await expect(onA.put('r2', 's', 60)).resolves.toBeUndefined();
      await expect(onB.put('r2', 's', 60)).rejects.toThrow('collision');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fail as 503 STORE_UNAVAILABLE while Redis is away', async () => {
    const away = RedisSessionStore.connect('redis://127.0.0.1:1', `kakunin-test-away:${randomUUID()}:`);
    try {
      const states = requestStateStoreFor(away, () => new Date());
      await expect(states.put('r', 's', 60)).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      await expect(states.get('r')).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      await expect(states.consume('r')).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    } finally {
      await away.close();
    }
  }, 20_000);
});
