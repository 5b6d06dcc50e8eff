import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from '../../src/service/store/index.js';
import type { SessionEvent, VerificationSession } from '../../src/service/session.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function session(id = randomUUID()): VerificationSession {
  return {
    id,
    purpose: 'age_over',
    state: 'pending',
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
    secrets: { nonce: 'n' },
    request: {},
  };
}

const stores: SessionStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe.each([
  ['memory', () => new MemorySessionStore(Date.now, { tombstoneSeconds: 2 })],
  ['redis', () => RedisSessionStore.connect(REDIS_URL, `kakunin-test:${randomUUID()}:`, { tombstoneSeconds: 2 })],
] as const)('%s session store', (_name, make) => {
  const store = make();
  stores.push(store);

  it('stores, reads and updates a session, and publishes the update', async () => {
    const s = session();
    await store.create(s, 60);
    expect(await store.get(s.id)).toEqual({ status: 'found', session: s });
    const events: SessionEvent[] = [];
    const unsubscribe = await store.subscribe(s.id, (e) => events.push(e));
    const done = { ...s, state: 'verified' as const };
    expect(await store.update(done, 60)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([{ id: s.id, state: 'verified', purpose: 'age_over', expires_at: s.expiresAt }]);
    expect(JSON.stringify(events)).not.toContain('nonce');
    unsubscribe();
    expect((await store.get(s.id)).status).toBe('found');
  });

  it('tells unknown ids from expired ones, and never resurrects an expired session', async () => {
    expect(await store.get(randomUUID())).toEqual({ status: 'unknown' });
    const s = session();
    await store.create(s, 1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await store.get(s.id)).toEqual({ status: 'expired' });
    expect(await store.update({ ...s, state: 'verified' }, 60)).toBe(false);
    expect(await store.get(s.id)).toEqual({ status: 'expired' });
    await new Promise((r) => setTimeout(r, 2100));
    expect(await store.get(s.id)).toEqual({ status: 'unknown' });
  });

  it('resolves an alias to its id while the tombstone lives', async () => {
    const s = session();
    await store.create(s, 60, `alias-${s.id}`);
    expect(await store.resolve(`alias-${s.id}`)).toBe(s.id);
    expect(await store.resolve('nope')).toBeUndefined();
  });

  it('lets exactly one caller claim the answer', async () => {
    const s = session();
    await store.create(s, 60);
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim(s.id)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claim(randomUUID())).toBe(false);
  });

  it('is ready', async () => {
    expect(await store.ping()).toBe(true);
  });
});

describe('two Redis stores on one Redis', () => {
  it('see the same sessions, claims and events', async () => {
    const prefix = `kakunin-test:${randomUUID()}:`;
    const a = RedisSessionStore.connect(REDIS_URL, prefix);
    const b = RedisSessionStore.connect(REDIS_URL, prefix);
    stores.push(a, b);
    const s = session();
    await a.create(s, 60);
    expect((await b.get(s.id)).status).toBe('found');
    const seen: string[] = [];
    await a.subscribe(s.id, (e) => seen.push(e.state));
    expect(await b.claim(s.id)).toBe(true);
    expect(await a.claim(s.id)).toBe(false);
    await b.update({ ...s, state: 'failed' }, 60);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['failed']);
  });
});
