import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, RedisRequestStateStore, RedisSessionStore, StoreCipher, type SessionStore } from '../../src/service/store/index.js';
import type { SessionEvent, VerificationSession } from '../../src/service/verifications/session.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The store key every Redis store in this file shares, as instances do. */
const cipher = StoreCipher.generate();

function session(id: string = randomUUID()): VerificationSession {
  return {
    id,
    purpose: 'age_over',
    state: 'pending',
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
    secrets: { nonce: 'n' },
  };
}

const stores: SessionStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

/**
 * Time moves instead of the test sleeping: the memory store runs on a clock the test moves; Redis
 * keeps its own time, so there every key of the store's prefix has its remaining TTL shortened by the
 * same amount (what Redis would see that much later).
 */
let offset = 0;
const moved = () => Date.now() + offset;
const REDIS_PREFIX = `kakunin-test:${randomUUID()}:`;
const advance = {
  memory: async (ms: number) => void (offset += ms),
  redis: async (ms: number) => {
    const redis = new Redis(REDIS_URL);
    for (const key of await redis.keys(`${REDIS_PREFIX}*`)) {
      const left = await redis.pttl(key);
      // A non-positive time deletes the key at once, as its expiry would have.
      if (left > 0) await redis.pexpire(key, left - ms);
    }
    redis.disconnect();
  },
};

describe.each([
  ['memory', () => new MemorySessionStore(moved, { tombstoneSeconds: 2 })],
  ['redis', () => RedisSessionStore.connect(REDIS_URL, cipher, REDIS_PREFIX, { tombstoneSeconds: 2 })],
] as const)('%s session store', (name, make) => {
  const store = make();
  stores.push(store);
  const wait = advance[name];

  it('stores, reads and updates a session, and publishes the update', async () => {
    const s = session();
    await store.create(s, 60);
    expect(await store.get(s.id)).toEqual({ status: 'found', session: s });
    const events: SessionEvent[] = [];
    const unsubscribe = await store.subscribe(s.id, (e) => events.push(e));
    const done = { ...s, state: 'verified' as const };
    expect(await store.update(done, 60)).toBe(true);
    await waitFor('the update event', () => events.length > 0);
    expect(events).toEqual([{ id: s.id, state: 'verified', purpose: 'age_over', expires_at: s.expiresAt }]);
    expect(JSON.stringify(events)).not.toContain('nonce');
    unsubscribe();
    expect((await store.get(s.id)).status).toBe('found');
  });

  it('tells unknown ids from expired ones, and never resurrects an expired session', async () => {
    expect(await store.get(randomUUID())).toEqual({ status: 'unknown' });
    const s = session();
    await store.create(s, 1);
    await wait(1200);
    expect(await store.get(s.id)).toEqual({ status: 'expired' });
    expect(await store.update({ ...s, state: 'verified' }, 60)).toBe(false);
    expect(await store.get(s.id)).toEqual({ status: 'expired' });
    await wait(2100);
    expect(await store.get(s.id)).toEqual({ status: 'unknown' });
  });

  it('resolves an alias to its id while the tombstone lives', async () => {
    const s = session();
    await store.create(s, 60, `alias-${s.id}`);
    expect(await store.resolve(`alias-${s.id}`)).toBe(s.id);
    expect(await store.resolve('nope')).toBeUndefined();
  });

  it('lets exactly one answer claim the session; the same answer may re-take the claim', async () => {
    const s = session();
    await store.create(s, 60);
    const answers = Array.from({ length: 8 }, (_, i) => `answer-${i}`);
    const claims = await Promise.all(answers.map((a) => store.claim(s.id, a)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = answers[claims.indexOf(true)];
    // The holder's retry (its instance died before the result) takes it again; the others never.
    expect(await store.claim(s.id, holder)).toBe(true);
    for (const other of answers.filter((a) => a !== holder)) expect(await store.claim(s.id, other)).toBe(false);
    expect(await store.claim(randomUUID(), holder)).toBe(false);
  });

  it('writes exactly one result, for the answer holding the claim, and nothing overwrites it', async () => {
    const s = session();
    await store.create(s, 60);
    const events: string[] = [];
    await store.subscribe(s.id, (e) => events.push(e.state));
    expect(await store.complete({ ...s, state: 'verified' }, 60, 'a')).toBe('taken'); // not claimed yet
    expect(await store.claim(s.id, 'a')).toBe(true);
    expect(await store.complete({ ...s, state: 'verified' }, 60, 'b')).toBe('taken'); // another answer
    // Five copies of the same answer finishing at once: one writes.
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map((n) => store.complete({ ...s, state: 'verified', receipt: `r${n}` }, 60, 'a')));
    expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'taken')).toHaveLength(4);
    const written = await store.get(s.id);
    if (written.status !== 'found') throw new Error('result not stored');
    expect(written.session.receipt).toBe(`r${outcomes.indexOf('written') + 1}`);
    // After the result: no claim (not even the same answer), no second result, no state change.
    expect(await store.claim(s.id, 'a')).toBe(false);
    expect(await store.complete({ ...s, state: 'failed' }, 60, 'a')).toBe('taken');
    expect(await store.update({ ...s, state: 'retrieved' }, 60)).toBe(false);
    expect(await store.get(s.id)).toEqual(written);
    await waitFor('the result event', () => events.length > 0);
    expect(events).toEqual(['verified']);
  });

  it('answers gone for a result whose session expired', async () => {
    const s = session();
    await store.create(s, 1);
    expect(await store.claim(s.id, 'a')).toBe(true);
    await wait(1200);
    expect(await store.complete({ ...s, state: 'verified' }, 60, 'a')).toBe('gone');
    expect(await store.get(s.id)).toEqual({ status: 'expired' });
  });

  it('is ready', async () => {
    expect(await store.ping()).toBe(true);
  });
});

describe('the memory store sweeping a million-size table', () => {
  it('frees expired sessions in slices, letting other work run between them, and keeps live ones', async () => {
    let now = 0;
    const store = new MemorySessionStore(() => now);
    stores.push(store);
    for (let i = 0; i < 30_000; i++) await store.create(session(`gone-${i}`), 1, `alias-${i}`);
    await store.create(session('live'), 7200, 'live-alias');
    now = 3_601_001; // past every 1 s TTL and its tombstone (3,600 s more), within the live one's 7,200 s
    let ran = 0;
    const sweep = store.sweep();
    // Queued after the sweep's first slice: runs before the sweep ends only if the sweep yields.
    setImmediate(() => ran++);
    await sweep;
    expect(ran).toBe(1);
    expect((await store.get('gone-0')).status).toBe('unknown');
    expect(await store.resolve('alias-29999')).toBeUndefined();
    expect((await store.get('live')).status).toBe('found');
    expect(await store.resolve('live-alias')).toBe('live');
  });
});

describe('two Redis stores on one Redis', () => {
  it('see the same sessions, claims and events', async () => {
    const prefix = `kakunin-test:${randomUUID()}:`;
    const a = RedisSessionStore.connect(REDIS_URL, cipher, prefix);
    const b = RedisSessionStore.connect(REDIS_URL, cipher, prefix);
    stores.push(a, b);
    const s = session();
    await a.create(s, 60);
    expect((await b.get(s.id)).status).toBe('found');
    const seen: string[] = [];
    await a.subscribe(s.id, (e) => seen.push(e.state));
    expect(await b.claim(s.id, 'answer-1')).toBe(true);
    expect(await a.claim(s.id, 'answer-2')).toBe(false);
    // B died before the result; the same answer, retried on A, finishes.
    expect(await a.claim(s.id, 'answer-1')).toBe(true);
    expect(await a.complete({ ...s, state: 'failed' }, 60, 'answer-1')).toBe('written');
    expect(await b.complete({ ...s, state: 'verified' }, 60, 'answer-1')).toBe('taken');
    await waitFor('the result event', () => seen.length > 0);
    expect(seen).toEqual(['failed']);
  });
});

/**
 * ioredis re-sends the commands in flight when a connection drops (autoResendUnfulfilledCommands):
 * a command may run twice, and only the second reply arrives. This Redis runs every write twice
 * and answers with the second reply.
 */
function twiceRunningRedis(): Redis {
  const redis = new Redis(REDIS_URL);
  return new Proxy(redis, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'eval' && prop !== 'set') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

describe('Redis writes re-sent after a lost reply', () => {
  it('still give the answer the first run earned', async () => {
    const prefix = `kakunin-test:${randomUUID()}:`;
    const store = new RedisSessionStore(twiceRunningRedis(), cipher, prefix);
    stores.push(store);
    const s = session();
    await store.create(s, 60);
    expect(await store.claim(s.id, 'a')).toBe(true);
    expect(await store.complete({ ...s, state: 'verified' }, 60, 'a')).toBe('written');
    expect(await store.claim(s.id, 'a')).toBe(false);
    expect(await store.complete({ ...s, state: 'failed' }, 60, 'a')).toBe('taken');
    const statesRedis = twiceRunningRedis();
    const states = new RedisRequestStateStore(statesRedis, cipher, `${prefix}rs:`);
    await states.put('r', 'state', 60);
    await expect(states.put('r', 'other', 60)).rejects.toMatchObject({ code: 'REQUEST_STATE_COLLISION' });
    expect(await states.consume('r', 'a')).toBe('state');
    expect(await states.consume('r', 'b')).toBeUndefined();
    await statesRedis.quit();
  });
});
