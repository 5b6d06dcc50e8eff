/**
 * Web security of the pages and the API: headers, CORS only where a page on another origin needs
 * it, API keys, rate limits on creating verifications, SSRF protection on every outgoing URL.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../../src/service/http/app.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { loadConfig } from '../../src/service/startup/load-config.js';
import { startDemo, startServe, type StartedService } from '../../src/service/startup/serve.js';
import { guardedFetch } from '../../src/service/webhooks/ssrf.js';
import { deliverWebhook } from '../../src/service/webhooks/delivery.js';
import { fetchTrustMaterial } from '../../src/runtime/fetch.js';
import { freePort } from '../service/helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const KEY_A = 'key-a-0123456789abcdef-QwErTyUiOpA';
const KEY_B = 'key-b-0123456789abcdef-QwErTyUiOpA';
let prod: StartedService; // https public URL, API keys, small rate limits
let demo: StartedService; // http on loopback, sandbox
let local: string;

beforeAll(async () => {
  prod = await startServe(
    [
      '--port',
      String(await freePort()),
      '--host',
      '127.0.0.1',
      '--public-url',
      'https://verifier.example',
      '--api-keys',
      `${KEY_A},${KEY_B}`,
      '--rate-limit-ip',
      '4',
      '--rate-limit-key',
      '6',
      '--trust-dir',
      'certs',
      '--trust-proxy',
      'loopback',
    ],
    { env: {}, logger: createLogger('silent') },
  );
  local = `http://127.0.0.1:${(prod.server.address() as { port: number }).port}`;
  demo = await startDemo(['--port', String(await freePort()), '--trust-proxy', 'loopback'], { env: {}, quiet: true, logger: createLogger('silent') });
});
afterAll(async () => {
  await prod?.close();
  await demo?.close();
});

const create = (key: string | undefined, ip: string, body: unknown = { purpose: 'age_over' }) =>
  fetch(`${local}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });

const createOnDemo = (body: unknown, ip: string) =>
  fetch(`${demo.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });

describe('security headers', () => {
  it('pages and API answers carry CSP, nosniff, framing and referrer rules; no x-powered-by', async () => {
    for (const path of ['/', '/merchant.html', '/v1/config', '/healthz', '/nope']) {
      const res = await fetch(`${demo.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      // Plain http on loopback: no HSTS, and no upgrade of the demo's own requests to https.
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
    }
    // Merchants load kakunin.js from their own pages.
    expect((await fetch(`${demo.url}/kakunin.js`)).headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('allows exactly the inline scripts of our pages, by hash', async () => {
    const csp = (await fetch(`${demo.url}/merchant.html`)).headers.get('content-security-policy')!;
    const html = readFileSync(join(PUBLIC_DIR, 'merchant.html'), 'utf8');
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
    expect(inline.length).toBeGreaterThan(0);
    for (const h of inline) expect(csp).toContain(h);
    expect(csp.match(/'sha256-/g)?.length).toBe(inline.length);
  });

  it('HSTS when the public URL is https', async () => {
    expect((await fetch(`${local}/healthz`)).headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  });
});

describe('CORS only where a page on another origin needs it', () => {
  const origin = 'https://shop.example';
  it('creating a verification (server to server) gets no CORS headers', async () => {
    const pre = await fetch(`${demo.url}/v1/verifications`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(`${demo.url}/v1/verifications`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const v = (await res.json()) as { id: string; qr: { uri: string } };
    // The wallet endpoints are called by wallets, not by pages: no CORS either.
    const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
    const jar = await fetch(requestUri, { headers: { origin } });
    expect(jar.headers.get('access-control-allow-origin')).toBeNull();
    // Reading the result and handing over a DC API answer: any origin, never with credentials.
    const got = await fetch(`${demo.url}/v1/verifications/${v.id}`, { headers: { origin } });
    expect(got.headers.get('access-control-allow-origin')).toBe('*');
    expect(got.headers.get('access-control-allow-credentials')).toBeNull();
    const pre2 = await fetch(`${demo.url}/v1/verifications/${v.id}/dcapi-response`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(pre2.status).toBe(204);
    expect(pre2.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre2.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('API keys', () => {
  it('are required, and wrong keys of any length or prefix are refused alike', async () => {
    expect(await (await create(undefined, '192.0.2.10')).json()).toMatchObject({ error: 'API_KEY_REQUIRED' });
    for (const wrong of [KEY_A.slice(0, -1) + 'X', KEY_A.slice(0, 5), KEY_A + 'X', 'x'.repeat(300)]) {
      const res = await create(wrong, `192.0.2.${11 + (wrong.length % 50)}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'API_KEY_INVALID' });
    }
  });

  it('are compared in constant time: fixed-length digests through timingSafeEqual, no early exit on the key text', () => {
    const src = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'service', 'http', 'api-key.ts'), 'utf8');
    expect(src).toMatch(/timingSafeEqual\(k, d\)/);
    expect(src).toMatch(/createHash\('sha256'\)\.update\(presented\)/);
    expect(src).not.toMatch(/presented\s*===|===\s*presented|\.includes\(presented\)|indexOf\(presented\)/);
  });
});

describe('rate limit on creating verifications', () => {
  it('per IP (4/min here) and per API key (6/min here), with 429 RATE_LIMITED and Retry-After', async () => {
    for (let i = 0; i < 4; i++) expect((await create(KEY_A, '198.51.100.1')).status).toBe(201);
    const ipLimited = await create(KEY_A, '198.51.100.1');
    expect(ipLimited.status).toBe(429);
    expect(Number(ipLimited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await ipLimited.json()).toMatchObject({ error: 'RATE_LIMITED' });
    // Another address, same key: 2 more fit in the key's 6, then the key is limited.
    for (let i = 0; i < 2; i++) expect((await create(KEY_A, '198.51.100.2')).status).toBe(201);
    const keyLimited = await create(KEY_A, '198.51.100.2');
    expect(keyLimited.status).toBe(429);
    expect((await keyLimited.json()).message).toContain('API key');
    // Another key from a fresh address is not affected.
    expect((await create(KEY_B, '198.51.100.3')).status).toBe(201);
  });

  it('IPv6 clients are limited per /64: rotating addresses inside one block gains nothing, another block is unaffected', async () => {
    for (let i = 1; i <= 4; i++) expect((await create(KEY_B, `2001:db8:1:2::${i}`)).status).toBe(201);
    expect((await create(KEY_B, '2001:db8:1:2:ffff:ffff:ffff:fffe')).status).toBe(429);
    expect((await create(KEY_B, '2001:db8:1:3::1')).status).toBe(201);
  });

  it('with Redis, one limit for every instance: two instances on one Redis share the count; keys hold no address or API key', async () => {
    const prefix = `kakunin-rl-${randomUUID().slice(0, 8)}`;
    const env = { REDIS_URL, KAKUNIN_REDIS_PREFIX: prefix, KAKUNIN_STORE_KEY: Buffer.from(randomBytes(32)).toString('base64url') };
    const start = async () =>
      startServe(
        ['--port', String(await freePort()), '--host', '127.0.0.1', '--api-keys', KEY_A, '--rate-limit-ip', '4', '--rate-limit-key', '0', '--trust-dir', 'certs', '--trust-proxy', 'loopback'],
        {
          env,
          logger: createLogger('silent'),
        },
      );
    const [a, b] = [await start(), await start()];
    const redis = new Redis(REDIS_URL);
    try {
      const on = (svc: StartedService) =>
        fetch(`${svc.url.replace('localhost', '127.0.0.1')}/v1/verifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.200', authorization: `Bearer ${KEY_A}` },
          body: JSON.stringify({ purpose: 'age_over' }),
        });
      const statuses = [(await on(a)).status, (await on(b)).status, (await on(a)).status, (await on(b)).status, (await on(a)).status, (await on(b)).status];
      expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
      const keys = await redis.keys(`${prefix}:rl:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toMatch(/198\.51\.100|key-a/);
    } finally {
      await a.close();
      await b.close();
      const left = await redis.keys(`${prefix}:*`);
      if (left.length) await redis.del(...left);
      redis.disconnect();
    }
  });
});

describe('SSRF: no private or loopback destinations unless configured', () => {
  let target: Server;
  let port: number;
  const hits: string[] = [];
  beforeAll(async () => {
    port = await freePort();
    target = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` }).end();
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => target.listen(port, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => target.close(() => r())));

  it('webhook_url pointing inside is refused at create time', async () => {
    let n = 60;
    for (const url of [
      'http://127.0.0.1/hook',
      'http://localhost:8080/hook',
      'http://10.1.2.3/hook',
      'http://192.168.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://[fd00::1]/hook',
      'http://0.0.0.0/',
      'http://user:pw@shop.example/hook',
    ]) {
      const res = await createOnDemo({ purpose: 'age_over', options: { webhook_url: url } }, `203.0.113.${n++}`);
      expect(res.status, url).toBe(400);
      expect((await res.json()).error).toBe('WEBHOOK_URL_BLOCKED');
    }
    expect((await createOnDemo({ purpose: 'age_over', options: { webhook_url: 'https://shop.example/hook' } }, '203.0.113.51')).status).toBe(201);
  });

  it('webhook delivery checks resolved addresses, does not follow redirects, and reaches private hosts only when configured', async () => {
    const quick = { attempts: 1, baseDelayMs: 1, timeoutMs: 2000 };
    const blocked = await deliverWebhook(
      { url: `http://localhost:${port}/hook`, eventId: 'evt_1', verificationId: 'v', state: 'verified' as const, receipt: 'r' },
      { ...quick, fetch: guardedFetch({}) },
    );
    expect(blocked).toMatchObject({ delivered: false, reason: 'network error' });
    // The refusal is a coded KakuninError, like every error kakunin makes.
    await expect(guardedFetch({})(`http://127.0.0.1:${port}/hook`)).rejects.toMatchObject({ name: 'ServiceError', code: 'FETCH_BLOCKED' });
    expect(hits).toEqual([]);
    const allowed = await deliverWebhook(
      { url: `http://localhost:${port}/hook`, eventId: 'evt_1', verificationId: 'v', state: 'verified' as const, receipt: 'r' },
      { ...quick, fetch: guardedFetch({ allowPrivate: true, allowLoopback: true }) },
    );
    expect(allowed).toMatchObject({ delivered: true });
    const redirected = await deliverWebhook(
      { url: `http://localhost:${port}/redirect`, eventId: 'evt_1', verificationId: 'v', state: 'verified' as const, receipt: 'r' },
      { ...quick, fetch: guardedFetch({ allowPrivate: true, allowLoopback: true }) },
    );
    expect(redirected.delivered).toBe(false);
    expect(hits).toEqual(['/hook', '/redirect']);
  });

  it('trust material (CRLs, status lists, VICALs) is fetched under the same rule, even after an allowed request to the same host', async () => {
    // The previous test reached localhost:port with loopback allowed; no pooled socket may carry that over.
    await expect(fetchTrustMaterial(`http://127.0.0.1:${port}/crl`)).rejects.toMatchObject({ code: 'FETCH_BLOCKED' });
    await expect(fetchTrustMaterial(`http://localhost:${port}/crl`)).rejects.toMatchObject({ code: 'FETCH_BLOCKED' });
    await expect(fetchTrustMaterial('http://169.254.169.254/latest')).rejects.toMatchObject({ code: 'FETCH_BLOCKED' });
    expect((await fetchTrustMaterial(`http://127.0.0.1:${port}/crl`, { allowLoopback: true })).status).toBe(200);
  });
});

describe('trusted proxies are explicit', () => {
  it('without KAKUNIN_TRUST_PROXY a client cannot pick its own rate-limit key with X-Forwarded-For', async () => {
    const svc = await startServe(['--port', String(await freePort()), '--host', '127.0.0.1', '--api-keys', KEY_A, '--rate-limit-ip', '3', '--rate-limit-key', '0'], {
      env: {},
      logger: createLogger('silent'),
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${svc.url}/v1/verifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}`, authorization: `Bearer ${KEY_A}` },
          body: JSON.stringify({ purpose: 'age_over' }),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
    } finally {
      await svc.close();
    }
    expect(() => loadConfig(['--trust-proxy', 'x;y'], { KAKUNIN_API_KEYS: KEY_A }, { sandbox: false })).toThrow(/KAKUNIN_TRUST_PROXY/);
    expect(loadConfig([], { KAKUNIN_API_KEYS: KEY_A }, { sandbox: false }).trustProxy).toBe(false);
  });

  it('the demo wallet answers only its own service: a link to another host is refused, nothing is fetched', async () => {
    const uri = `openid4vp://?client_id=x509_hash%3Aabc&request_uri=${encodeURIComponent('http://127.0.0.1:9/v1/wallet/abcdefghijklmnopqrstuv/request')}`;
    const res = await fetch(`${demo.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'WALLET_CANNOT_ANSWER', message: expect.stringContaining("is not this service's") });
  });

  it('wallet endpoints are limited per request handle (20/min): a loop on one handle gets 429, another handle is unaffected', async () => {
    const handle = 'AAAAAAAAAAAAAAAAAAAAAAAA';
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await fetch(`${demo.url}/v1/wallet/${handle}/request`, { headers: { 'x-forwarded-for': '203.0.113.77' } })).status);
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    const other = await fetch(`${demo.url}/v1/wallet/BBBBBBBBBBBBBBBBBBBBBBBB/request`, { headers: { 'x-forwarded-for': '203.0.113.77' } });
    expect(other.status).toBe(404);
  });
});
