import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { TrustStore } from '../../src/trust/index.js';
import { freePort } from './helpers.js';

const KEY = 'api-test-key-0123456789-QwErTyUiOp';
let svc: StartedService;
let wallet: DemoWallet;
let now = new Date();

beforeAll(async () => {
  wallet = await DemoWallet.create(new Date());
  svc = await startServe(['--port', String(await freePort()), '--api-keys', KEY, '--pending-ttl', '10'], {
    // The sandbox IACA publishes no CRL; revocation has its own tests (revocation-e2e).
    env: { KAKUNIN_REVOCATION: 'off' },
    logger: createLogger('silent'),
    extraTrust: TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox' }),
    now: () => now,
  });
  svc.url = `http://localhost:${(svc.server.address() as { port: number }).port}`;
});
afterAll(async () => svc?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
  fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('HTTP API', () => {
  it('requires the API key outside sandbox mode', async () => {
    expect((await post('/v1/verifications', { purpose: 'age_over' }, {})).status).toBe(401);
    const bad = await post('/v1/verifications', { purpose: 'age_over' }, { 'x-api-key': 'wrong-key-0123456789' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'API_KEY_INVALID' });
    const ok = await post('/v1/verifications', { purpose: 'age_over' }, { 'x-api-key': KEY });
    expect(ok.status).toBe(201);
    // The receipt will name this client as its audience (a keyed hash of the key, not the key),
    // the same for every verification the key creates.
    const created = (await ok.json()) as { receipt_audience: string };
    expect(created.receipt_audience).toMatch(/^kakunin-client:[\w-]{8}\.[\w-]{22}$/);
    expect(created.receipt_audience).not.toContain(KEY);
    const again = (await (await post('/v1/verifications', { purpose: 'age_over' }, { 'x-api-key': KEY })).json()) as { receipt_audience: string };
    expect(again.receipt_audience).toBe(created.receipt_audience);
  });

  it.each([
    ['{"purpose":', 400, 'INVALID_JSON'],
    [{ purpose: 'selfie' }, 400, 'UNKNOWN_PURPOSE'],
    [{ purpose: 'age_over', extra: 1 }, 400, 'INVALID_REQUEST'],
    [{ purpose: 'age_over', options: { origin: 'javascript:alert(1)' } }, 400, 'INVALID_REQUEST'],
    [{ purpose: 'x'.repeat(20_000) }, 413, 'PAYLOAD_TOO_LARGE'],
  ])('answers bad input with a 4xx and a code (%#)', async (body, status, code) => {
    const res = await post('/v1/verifications', body);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: code });
  });

  it('answers unknown ids 404; an unanswered one reads expired with its reason, and the wallet gets 410', async () => {
    expect((await fetch(`${svc.url}/v1/verifications/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    expect((await fetch(`${svc.url}/v1/verifications/..%2f..%2fetc`)).status).toBe(404);
    expect((await fetch(`${svc.url}/v1/wallet/AAAAAAAAAAAAAAAAAAAAAA/request`)).status).toBe(404);
    const v = (await (await post('/v1/verifications', { purpose: 'age_over' })).json()) as { id: string; qr: { uri: string } };
    expect((await fetch(`${svc.url}/v1/verifications/${v.id}`)).status).toBe(200);
    const started = now;
    try {
      // The clock moves past the 10 s pending TTL; nothing sleeps.
      now = new Date(started.getTime() + 10_500);
      const res = await fetch(`${svc.url}/v1/verifications/${v.id}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        id: v.id,
        state: 'expired',
        purpose: 'age_over',
        reason: { code: 'REQUEST_EXPIRED', ja: expect.stringContaining('時間内に応答'), en: 'No answer came in time. Please try again.', retry: true },
      });
      const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
      const late = await fetch(requestUri.replace(/^http:\/\/localhost:\d+/, svc.url));
      expect(late.status).toBe(410);
      expect(await late.json()).toMatchObject({ error: 'REQUEST_EXPIRED' });
    } finally {
      now = started;
    }
  });

  it('rejects wallet answers that do not open, and leaves the session open for the real one', async () => {
    const v = (await (await post('/v1/verifications', { purpose: 'age_over' })).json()) as { id: string; qr: { uri: string } };
    const responseUri = new URL(new URL(v.qr.uri).searchParams.get('request_uri')!).pathname.replace(/request$/, 'response');
    const junk = await fetch(`${svc.url}${responseUri}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'response=not-a-jwe' });
    expect(junk.status).toBe(400);
    expect(await junk.json()).toMatchObject({ error: 'RESPONSE_MALFORMED' });
    const noField = await fetch(`${svc.url}${responseUri}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
    expect(noField.status).toBe(400);
    const dc = await post(`/v1/verifications/${v.id}/dcapi-response`, { protocol: 'openid4vp-v1-unsigned', data: {} }, {});
    expect(dc.status).toBe(400);
    expect(await dc.json()).toMatchObject({ error: 'PROTOCOL_UNSUPPORTED' });
    const viaLocal: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/localhost:\d+/, svc.url), init);
    expect((await wallet.answerQr(v.qr.uri, viaLocal)).status).toBe(200);
    expect(((await (await fetch(`${svc.url}/v1/verifications/${v.id}`)).json()) as { state: string }).state).toBe('verified');
  });

  it('serves the OpenAPI document, the JWKS, health and Prometheus metrics', async () => {
    const openapi = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/verifications',
        '/v1/verifications/{id}',
        '/v1/verifications/{id}/events',
        '/v1/verifications/{id}/dcapi-response',
        '/v1/wallet/{handle}/request',
        '/v1/wallet/{handle}/response',
      ]),
    );
    const jwks = (await (await fetch(`${svc.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: svc.ctx.receipts.kid });
    expect(jwks.keys[0].d).toBeUndefined();
    expect(await (await fetch(`${svc.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${svc.url}/readyz`)).json()).toEqual({ status: 'ready', store: 'memory' });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toContain('kakunin_verifications_total{purpose="age_over",outcome="verified"} 1');
    expect(metrics).toMatch(/kakunin_verification_duration_seconds_count\{purpose="age_over"\} 1/);
    // No ids in labels: a verification id or response code is a whole 22-character base64url label
    // value. Not any 22 characters before a quote: Node 24's V8 has a heap space that prom-client
    // labels "shared_trusted_large_object".
    expect(metrics).not.toMatch(/="[A-Za-z0-9_-]{22}"/);
    // prom-client's process metrics come with them: CPU, memory, event-loop lag, GC.
    expect(metrics).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(metrics).toContain('# TYPE nodejs_gc_duration_seconds histogram');
  });

  it('/v1/config names the municipalities a residency purpose accepts, for the counter to say while it waits', async () => {
    const config = (await (await fetch(`${svc.url}/v1/config`)).json()) as { purposes: { name: string; municipalities?: string[] }[] };
    expect(config.purposes.find((p) => p.name === 'residency')).toMatchObject({ municipalities: ['131016'] });
    expect(config.purposes.find((p) => p.name === 'age_over')?.municipalities).toBeUndefined();
  });
});
