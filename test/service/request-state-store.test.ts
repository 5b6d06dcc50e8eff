import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRequestStateStore } from '../../src/protocols/state/request-state-store.js';
import { MemorySessionStore, RedisRequestStateStore, RedisSessionStore, requestStateStoreFor, StoreCipher } from '../../src/service/store/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL);
/** The store key every Redis store in this file shares, as instances do. */
const cipher = StoreCipher.generate();
afterAll(async () => void (await redis.quit()));

/** Time moves instead of the test sleeping: the memory store's clock, or Redis's remaining TTLs. */
let offset = 0;
const RS_PREFIX = `kakunin-test-rs:${randomUUID()}:`;
const advance = {
  memory: async (ms: number) => void (offset += ms),
  Redis: async (ms: number) => {
    for (const key of await redis.keys(`${RS_PREFIX}*`)) {
      const left = await redis.pttl(key);
      // A non-positive time deletes the key at once, as its expiry would have.
      if (left > 0) await redis.pexpire(key, left - ms);
    }
  },
};

describe.each([
  ['memory', () => new MemoryRequestStateStore(() => Date.now() + offset)],
  ['Redis', () => new RedisRequestStateStore(redis, cipher, RS_PREFIX)],
] as const)('%s RequestStateStore', (name, make) => {
  const store = make();

  it('stores, reads, and gives a state to one answer only', async () => {
    await store.put('a', '{"nonce":"n"}', 60);
    await expect(store.put('a', 'x', 60)).rejects.toMatchObject({ code: 'REQUEST_STATE_COLLISION' });
    expect(await store.get('a')).toBe('{"nonce":"n"}');
    // Two different answers at once: one gets the state.
    const both = await Promise.all([store.consume('a', 'answer-1'), store.consume('a', 'answer-2')]);
    expect(both.filter(Boolean)).toEqual(['{"nonce":"n"}']);
    const winner = both[0] ? 'answer-1' : 'answer-2';
    const loser = both[0] ? 'answer-2' : 'answer-1';
    expect(await store.get('a')).toBeUndefined(); // no longer open
    expect(await store.get('a', loser)).toBeUndefined();
    expect(await store.consume('a', loser)).toBeUndefined();
    expect(await store.consume('a', 'answer-3')).toBeUndefined();
    // The winning answer sent again (a retry) reads and consumes it again.
    expect(await store.get('a', winner)).toBe('{"nonce":"n"}');
    expect(await store.consume('a', winner)).toBe('{"nonce":"n"}');
  });

  it('gives the state to every copy of the same answer, and to no other', async () => {
    await store.put('c', 's', 60);
    const copies = await Promise.all([1, 2, 3, 4, 5].map(() => store.consume('c', 'same')));
    expect(copies).toEqual(['s', 's', 's', 's', 's']);
    expect(await store.consume('c', 'other')).toBeUndefined();
  });

  it('forgets a released state at once, for every answer', async () => {
    await store.put('d', 's', 60);
    expect(await store.consume('d', 'x')).toBe('s');
    await store.release('d');
    expect(await store.get('d', 'x')).toBeUndefined();
    expect(await store.consume('d', 'x')).toBeUndefined();
    await store.release('d'); // gone already: no error
    await store.put('d', 's2', 60); // the id is free again (ids are random; this only shows nothing is left)
    expect(await store.get('d')).toBe('s2');
  });

  it('forgets state, used or not, at its TTL', async () => {
    await store.put('b', 's', 1);
    await store.put('e', 's', 1);
    expect(await store.consume('e', 'x')).toBe('s');
    await advance[name](1100);
    expect(await store.consume('b', 'x')).toBeUndefined();
    expect(await store.get('e', 'x')).toBeUndefined();
  });
});

describe('the memory RequestStateStore holding many states', () => {
  it('a put looks at a few held states, not all of them, and expired ones are still freed', async () => {
    let now = 0;
    const store = new MemoryRequestStateStore(() => now);
    for (let i = 0; i < 20_000; i++) await store.put(`old-${i}`, 's', 60);
    // Count the steps of every Map iterator during one put: the sweep is the only iteration in it.
    const proto = Object.getPrototypeOf(new Map().entries()) as { next: (...a: unknown[]) => unknown };
    const next = proto.next;
    let steps = 0;
    proto.next = function (this: unknown, ...a: unknown[]) {
      steps++;
      return next.apply(this, a);
    };
    try {
      await store.put('one-more', 's', 60);
    } finally {
      proto.next = next;
    }
    expect(steps).toBeLessThan(10); // looking at every state was 20,001 steps per put
    // Once they have expired, later puts free them all, a few per put.
    now = 61_000;
    for (let i = 0; i < 10_000; i++) await store.put(`new-${i}`, 's', 60);
    expect(store.size).toBe(10_000);
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
    const a = RedisSessionStore.connect(REDIS_URL, cipher, prefix);
    const b = RedisSessionStore.connect(REDIS_URL, cipher, prefix);
    try {
      const onA = requestStateStoreFor(a, () => new Date());
      const onB = requestStateStoreFor(b, () => new Date());
      await onA.put('r1', '{"nonce":"n"}', 60);
      // Sealed at rest: the raw value is not the state, and opens under its own key name.
      const raw = (await redis.get(`${prefix}rs:{${cipher.name('r1')}}`))!;
      expect(raw).not.toContain('nonce');
      expect(cipher.open(`${prefix}rs:{${cipher.name('r1')}}`, raw)).toBe('{"nonce":"n"}');
      const [x, y] = await Promise.all([onA.consume('r1', 'answer-1'), onB.consume('r1', 'answer-2')]);
      expect([x, y].filter(Boolean)).toEqual(['{"nonce":"n"}']);
      // The answer that got it, retried on the other instance, gets it again there.
      const winner = x ? 'answer-1' : 'answer-2';
      expect(await (x ? onB : onA).consume('r1', winner)).toBe('{"nonce":"n"}');
      await onB.release('r1');
      expect(await redis.exists(`${prefix}rs:{${cipher.name('r1')}}`, `${prefix}rs:{${cipher.name('r1')}}:used`)).toBe(0);
      await expect(onA.put('r2', 's', 60)).resolves.toBeUndefined();
      // Recognised by its code, so the service passes it on instead of calling it a store outage.
      await expect(onB.put('r2', 'another state', 60)).rejects.toMatchObject({ code: 'REQUEST_STATE_COLLISION' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fail as 503 STORE_UNAVAILABLE while Redis is away', async () => {
    const away = RedisSessionStore.connect('redis://127.0.0.1:1', cipher, `kakunin-test-away:${randomUUID()}:`);
    try {
      const states = requestStateStoreFor(away, () => new Date());
      await expect(states.put('r', 's', 60)).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      await expect(states.get('r')).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      await expect(states.consume('r', 'x')).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      await expect(states.release('r')).rejects.toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    } finally {
      await away.close();
    }
  }, 20_000);
});
