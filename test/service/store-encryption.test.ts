/**
 * Encryption at rest in Redis: what kakunin writes to Redis and publishes through it is sealed
 * (AES-256-GCM, the key name as AAD). Reads the raw Redis values and the pub/sub messages of a kyc
 * verification (name, address, birth date in the decision) and finds no element value, no receipt,
 * no key material; an instance with another key reads nothing and answers 503, never 500 or 404.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/service/startup/load-config.js';
import { startDemo, startServe, type StartedService } from '../../src/service/startup/serve.js';
import { parseStoreKey, recordKey, RedisSessionStore, StoreCipher, StoreValueUnreadable } from '../../src/service/store/index.js';
import { capturingLogger, freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL);
afterAll(async () => void (await redis.quit()));

/** Element values of the sandbox My Number Card, and words that only key material or secrets contain. */
const FORBIDDEN = ['確認', '花子', '千代田', '東京都', '1990-04-01', '131016', '123456789018', '"d":', '"kty"', 'nonce', 'secrets', 'PRIVATE KEY', 'attributes', 'birth_date', 'decision', 'receipt'];

function findForbidden(text: string, extra: string[] = []): string[] {
  return [...FORBIDDEN, ...extra].filter((w) => text.includes(w));
}

async function rawValues(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const v = await redis.get(k);
      if (v !== null) out.set(k, v);
    }
  } while (cursor !== '0');
  return out;
}

describe('StoreCipher', () => {
  const key = randomBytes(32);
  const cipher = StoreCipher.fromKey(key);

  it('seals with a fresh IV each time, and opens only under the same key name and key', () => {
    const a = cipher.seal('kakunin:s:1', '{"name":"確認 花子"}');
    const b = cipher.seal('kakunin:s:1', '{"name":"確認 花子"}');
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1.${cipher.kid}.`)).toBe(true);
    expect(a).not.toContain('花子');
    expect(cipher.open('kakunin:s:1', a)).toBe('{"name":"確認 花子"}');
    expect(StoreCipher.fromKey(key).open('kakunin:s:1', b)).toBe('{"name":"確認 花子"}');
    // Moved to another key: the AAD differs.
    expect(() => cipher.open('kakunin:s:2', a)).toThrow(StoreValueUnreadable);
    // Another store key.
    const other = StoreCipher.generate();
    expect(other.kid).not.toBe(cipher.kid);
    expect(() => other.open('kakunin:s:1', a)).toThrow(expect.objectContaining({ reason: 'other-key' }));
  });

  it('refuses altered, truncated and foreign values, and reports each', () => {
    const reasons: string[] = [];
    const watched = StoreCipher.fromKey(key, (r) => reasons.push(r));
    const sealed = watched.seal('k', 'plain text');
    const body = Buffer.from(sealed.split('.')[2], 'base64url');
    body[body.length - 20] ^= 1;
    const flipped = `v1.${watched.kid}.${body.toString('base64url')}`;
    for (const bad of [flipped, sealed.slice(0, 20), '{"id":"x"}', `v2.${watched.kid}.${sealed.split('.')[2]}`, `v1.${watched.kid}.`, `v1.${watched.kid}.AAAA`, '1']) {
      expect(() => watched.open('k', bad)).toThrow(StoreValueUnreadable);
    }
    expect(reasons).toEqual(['not-authentic', 'malformed', 'malformed', 'malformed', 'malformed', 'malformed', 'malformed']);
  });

  it('takes a 32-byte key only', () => {
    expect(() => StoreCipher.fromKey(randomBytes(16))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const text = randomBytes(32).toString('base64url');
    expect(parseStoreKey(text)).toHaveLength(32);
    expect(parseStoreKey(`${text}=`)).toHaveLength(32);
    expect(parseStoreKey(Buffer.alloc(32, 0xfb).toString('base64'))).toBeUndefined(); // standard base64: '+/v7+/v7...'
    expect(parseStoreKey(randomBytes(31).toString('base64url'))).toBeUndefined();
    expect(parseStoreKey(randomBytes(33).toString('base64url'))).toBeUndefined();
    expect(parseStoreKey('not a key')).toBeUndefined();
  });
});

describe('KAKUNIN_STORE_KEY', () => {
  const env = { KAKUNIN_API_KEYS: 'test-key-0123456789abcdef-QwErTyUi' };

  it('is required with REDIS_URL outside sandbox mode, and names itself', () => {
    expect(() => loadConfig(['--redis-url', REDIS_URL], env, { sandbox: false })).toThrow(ConfigError);
    expect(() => loadConfig(['--redis-url', REDIS_URL], env, { sandbox: false })).toThrow(/KAKUNIN_STORE_KEY/);
    expect(loadConfig([], env, { sandbox: false }).storeKey).toBeUndefined(); // memory: not needed
    expect(loadConfig(['--redis-url', REDIS_URL], {}, { sandbox: true }).storeKey).toBeUndefined(); // sandbox: a process key
  });

  it('is 32 bytes of base64url, from the environment or --store-key', () => {
    const key = randomBytes(32);
    expect(Buffer.from(loadConfig(['--redis-url', REDIS_URL], { ...env, KAKUNIN_STORE_KEY: key.toString('base64url') }, { sandbox: false }).storeKey!)).toEqual(key);
    expect(Buffer.from(loadConfig(['--redis-url', REDIS_URL, '--store-key', key.toString('base64url')], env, { sandbox: false }).storeKey!)).toEqual(key);
    expect(() => loadConfig(['--store-key', 'short'], env, { sandbox: false })).toThrow(/KAKUNIN_STORE_KEY.*32 random bytes/);
    // base64url starts with '-' one time in 64: still a value, not a flag.
    const dashed = Buffer.from(`-${key.toString('base64url').slice(1)}`, 'base64url');
    expect(Buffer.from(loadConfig(['--redis-url', REDIS_URL, '--store-key', dashed.toString('base64url')], env, { sandbox: false }).storeKey!)).toEqual(dashed);
  });

  it('is what serve seals with; without it the sandbox warns that a second instance cannot read its sessions', async () => {
    const key = randomBytes(32);
    const svc = await startServe(['--port', String(await freePort()), '--redis-url', REDIS_URL, '--api-keys', env.KAKUNIN_API_KEYS], {
      env: { KAKUNIN_REVOCATION: 'off', KAKUNIN_STORE_KEY: key.toString('base64url') },
      logger: capturingLogger().logger,
    });
    try {
      const created = await fetch(`${svc.url}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': env.KAKUNIN_API_KEYS },
        body: JSON.stringify({ purpose: 'age_over' }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const named = recordKey('kakunin:', StoreCipher.fromKey(key).name(id), 's');
      const raw = (await redis.get(named))!;
      expect(raw).not.toContain(id);
      expect(JSON.parse(StoreCipher.fromKey(key).open(named, raw))).toMatchObject({ id, purpose: 'age_over', state: 'pending' });
    } finally {
      await svc.close();
    }
    const log = capturingLogger();
    const demo = await startDemo(['--port', String(await freePort()), '--redis-url', REDIS_URL], { env: {}, quiet: true, logger: log.logger });
    await demo.close();
    expect(log.lines.join('\n')).toMatch(/KAKUNIN_STORE_KEY is not set.*a second instance cannot read these sessions/);
  });
});

describe('a kyc verification in Redis', () => {
  const prefix = `kakunin-sealed:${randomUUID()}:`;
  const cipher = StoreCipher.generate();
  const stranger = capturingLogger();
  const subscriber = new Redis(REDIS_URL);
  const messages: { channel: string; message: string }[] = [];
  let svc: StartedService;
  let otherKey: StartedService;

  beforeAll(async () => {
    await subscriber.psubscribe(`${prefix}*`);
    subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => messages.push({ channel, message }));
    svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: capturingLogger().logger, store: RedisSessionStore.connect(REDIS_URL, cipher, prefix) });
    // A second instance on the same Redis and prefix, misconfigured with another key.
    otherKey = await startDemo(['--port', String(await freePort())], {
      env: {},
      quiet: true,
      logger: stranger.logger,
      store: RedisSessionStore.connect(
        REDIS_URL,
        StoreCipher.generate((reason) => stranger.logger.error({ reason }, 'a Redis value did not decrypt')),
        prefix,
      ),
    });
  });
  afterAll(async () => {
    await svc?.close();
    await otherKey?.close();
    await subscriber.quit();
  });

  const create = async (on: StartedService) => {
    const res = await fetch(`${on.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'kyc' }) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; qr: { uri: string } };
  };

  it('holds and publishes no element value, receipt or key material: only sealed values and plain markers', async () => {
    const v = await create(svc);
    const pending = await rawValues(prefix);
    // The session, its alias and its request states (ephemeral private keys, nonces) are all there, sealed.
    expect([...pending.keys()].some((k) => k.startsWith(`${prefix}rs:`))).toBe(true);
    expect([...pending.keys()].some((k) => k.startsWith(prefix) && /^\{.\}a:/.test(k.slice(prefix.length)))).toBe(true);
    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(await scan.json()).toEqual({ wallet_post_status: 200 });
    const result = (await (await fetch(`${svc.url}/v1/verifications/${v.id}`)).json()) as { state: string; receipt: string; decision: { value: unknown } };
    expect(result.state).toBe('verified');
    expect(result.decision.value).toEqual({ kind: 'attributes', attributes: { name: '確認 花子', address: '東京都千代田区千代田1-1', birth_date: '1990-04-01' } });
    await waitFor('the retrieved and verified events', () => messages.filter((m) => m.channel === recordKey(prefix, cipher.name(v.id), 'e')).length >= 2);
    const done = await rawValues(prefix);
    expect(done.has(recordKey(prefix, cipher.name(v.id), 's'))).toBe(true);

    const receiptParts = result.receipt.split('.');
    for (const [k, value] of [...pending, ...done]) {
      expect(findForbidden(value, receiptParts), k).toEqual([]);
      expect(value, k).not.toContain(v.id);
      // After the prefix: the bucket's hash tag ({x}), then the kind.
      const kind = k
        .slice(prefix.length)
        .replace(/^\{.\}/, '')
        .split(':')[0];
      if (kind === 'kid') expect(value, k).toBe(cipher.kid);
      else if (kind === 's' || kind === 'a' || (kind === 'rs' && !k.endsWith(':used'))) {
        expect(value.startsWith(`v1.${cipher.kid}.`), k).toBe(true);
        expect(() => cipher.open(k, value)).not.toThrow();
      } else {
        // The markers the Lua scripts compare: tombstone, claim (answer digest or done token), used-by digest.
        expect(value, k).toMatch(/^(1|done:[A-Za-z0-9_-]+|[A-Za-z0-9_-]{20,})$/);
      }
    }
    // The sealed session opens to the result, with its decision: it is the data, not a copy elsewhere.
    expect(JSON.parse(cipher.open(recordKey(prefix, cipher.name(v.id), 's'), done.get(recordKey(prefix, cipher.name(v.id), 's'))!))).toMatchObject({
      id: v.id,
      state: 'verified',
      receipt: result.receipt,
    });

    const ours = messages.filter((m) => m.channel === recordKey(prefix, cipher.name(v.id), 'e'));
    expect(ours.length).toBeGreaterThanOrEqual(2); // retrieved, verified
    for (const m of ours) {
      expect(findForbidden(m.message, receiptParts)).toEqual([]);
      expect(m.message).not.toContain(v.id);
      expect(m.message.startsWith(`v1.${cipher.kid}.`)).toBe(true);
    }
    expect(ours.map((m) => (JSON.parse(cipher.open(m.channel, m.message)) as { state: string }).state)).toEqual(['retrieved', 'verified']);
  });

  it('an instance with another key reads nothing: 503 STORE_UNAVAILABLE, never 500, never taken for unknown', async () => {
    const v = await create(svc);
    const read = await fetch(`${otherKey.url}/v1/verifications/${v.id}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).not.toBeNull();
    expect(await read.json()).toMatchObject({ error: 'STORE_UNAVAILABLE' });
    // The wallet's request fetch lands on it: the alias and the request state do not open either.
    const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
    const fetched = await fetch(requestUri.replace(svc.url, otherKey.url));
    expect(fetched.status).toBe(503);
    // The instance with the right key still serves it.
    expect((await fetch(`${svc.url}/v1/verifications/${v.id}`)).status).toBe(200);
    expect(stranger.lines.join('\n')).toMatch(/"reason":"other-key"/);
  });

  it('a value moved to another session id does not open there (503), and is not trusted', async () => {
    const a = await create(svc);
    const b = await create(svc);
    await redis.set(recordKey(prefix, cipher.name(b.id), 's'), (await redis.get(recordKey(prefix, cipher.name(a.id), 's')))!, 'KEEPTTL');
    const read = await fetch(`${svc.url}/v1/verifications/${b.id}`);
    expect(read.status).toBe(503);
    expect(await read.json()).toMatchObject({ error: 'STORE_UNAVAILABLE' });
    expect((await fetch(`${svc.url}/v1/verifications/${a.id}`)).status).toBe(200);
  });
});

describe('an account_match reference in Redis', () => {
  const prefix = `kakunin-sealed-account:${randomUUID()}:`;
  const cipher = StoreCipher.generate();
  let svc: StartedService;
  beforeAll(async () => {
    svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: capturingLogger().logger, store: RedisSessionStore.connect(REDIS_URL, cipher, prefix) });
  });
  afterAll(async () => svc?.close());

  it('is sealed with the session while it is pending, and gone from the session once it is answered', async () => {
    const account = { id: 'acct-sealed', name: '確認 花子', birth_date: '1990-04-01', address: '東京都千代田区千代田1-1' };
    const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'account_match', account }) });
    expect(res.status).toBe(201);
    const v = (await res.json()) as { id: string; origin: string; links: { dcapi_request: string; dcapi_response: string } };
    const named = recordKey(prefix, cipher.name(v.id), 's');
    const raw = (await redis.get(named))!;
    expect(findForbidden(raw, ['acct-sealed'])).toEqual([]);
    expect(JSON.parse(cipher.open(named, raw)).account).toEqual(account);
    for (const value of (await rawValues(prefix)).values()) expect(findForbidden(value, ['acct-sealed'])).toEqual([]);

    const { dcapi } = (await (await fetch(v.links.dcapi_request)).json()) as { dcapi: unknown };
    const answer = await (
      await fetch(`${svc.url}/v1/sandbox/wallet/dcapi`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ argument: dcapi, origin: v.origin }) })
    ).json();
    expect((await fetch(v.links.dcapi_response, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) })).status).toBe(200);
    const done = JSON.parse(cipher.open(named, (await redis.get(named))!)) as { account?: unknown; state: string };
    expect(done.state).toBe('verified');
    expect(done.account).toBeUndefined();
  });
});
