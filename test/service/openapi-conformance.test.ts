/**
 * The OpenAPI document is generated (src/service/api/), checked in (docs/openapi.json) and served.
 * This holds the three equal, and holds the live service to it: every answer of a run through every
 * operation (successes, refusals, replays, expiry) has a status the document lists for that
 * operation, its media type, and a body that validates against the schema given there, error codes
 * included.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/service/api/openapi.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from './helpers.js';

type Json = Record<string, any>;
const KEY = 'conformance-test-key-0123456789-Qw';
const doc = openApiDocument();
let svc: StartedService;
let now = new Date();
const seen = new Set<string>();

const ajv = new Ajv2020({
  strict: false,
  formats: { 'date-time': (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s), uri: (s: string) => URL.canParse(s) },
});

/** The schema with every #/components/... reference replaced by what it names. */
function deref(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(deref);
  if (!node || typeof node !== 'object') return node;
  const ref = (node as Json).$ref as string | undefined;
  if (ref)
    return deref(
      ref
        .slice(2)
        .split('/')
        .reduce((at: Json, key) => at[key], doc),
    );
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v)]));
}

function operationFor(method: string, path: string): { id: string; op: Json } {
  for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
    if (pattern.test(path) && item[method]) return { id: item[method].operationId, op: item[method] };
  }
  throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
}

/** Sends the request and holds its answer to the document; returns the answer for the test to read. */
async function call(method: 'get' | 'post', path: string, init: { json?: unknown; form?: string; raw?: string; headers?: Record<string, string> } = {}) {
  const { id, op } = operationFor(method, path.split('?')[0]);
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined || init.raw !== undefined) {
    headers['content-type'] = 'application/json';
    body = init.raw ?? JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = init.form;
  }
  const res = await fetch(`${svc.url}${path}`, { method: method.toUpperCase(), headers, body });
  const text = await res.text();
  const answer = op.responses[String(res.status)];
  expect(answer, `${id}: status ${res.status} is not documented (${text.slice(0, 200)})`).toBeDefined();
  const media = res.headers.get('content-type')?.split(';')[0] ?? '';
  if (answer.content) {
    expect(Object.keys(answer.content), `${id} ${res.status}: media type`).toContain(media);
    const schema = deref(answer.content[media].schema) as Json;
    if (media.endsWith('json')) {
      const validate = ajv.compile(schema);
      const value = JSON.parse(text);
      expect(validate(value), `${id} ${res.status}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`).toBe(true);
    }
  }
  seen.add(`${id} ${res.status}`);
  return { status: res.status, text, json: () => JSON.parse(text) as Json };
}

const local = (url: string) => url.replace(/^http:\/\/localhost:\d+/, '');
const handleOf = (qrUri: string) => new URL(new URL(qrUri).searchParams.get('request_uri')!).pathname.split('/')[3];
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort()), '--api-keys', KEY, '--pending-ttl', '60'], {
    env: { KAKUNIN_REVOCATION: 'off' },
    quiet: true,
    logger: createLogger('silent'),
    now: () => now,
  });
});
afterAll(async () => svc?.close());

describe('the OpenAPI document', () => {
  it('docs/openapi.json is the generated document (npm run openapi), and the service serves the same', async () => {
    expect(JSON.parse(readFileSync('docs/openapi.json', 'utf8'))).toEqual(doc);
    expect((await call('get', '/openapi.json')).json()).toEqual(doc);
  });

  it('every error code an operation lists is answered with the status it is documented under', () => {
    for (const item of Object.values(doc.paths as Record<string, Json>)) {
      for (const op of Object.values(item)) {
        for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
          const codes = answer.content?.['application/json']?.schema?.allOf?.[1]?.properties?.error?.enum as string[] | undefined;
          if (codes) expect(Number(status)).toBeGreaterThanOrEqual(400);
        }
      }
    }
  });
});

describe('the live service answers as its document says', () => {
  it('operations endpoints', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', '/v1/config']) expect((await call('get', path)).status).toBe(200);
  });

  it('creation: refusals and success', async () => {
    expect((await call('post', '/v1/verifications', { json: { purpose: 'age_over' } })).status).toBe(401);
    expect((await call('post', '/v1/verifications', { json: { purpose: 'age_over' }, headers: { authorization: 'Bearer wrong-key-0123456789' } })).status).toBe(401);
    expect((await call('post', '/v1/verifications', { raw: '{"purpose":', headers: auth })).json().error).toBe('INVALID_JSON');
    expect((await call('post', '/v1/verifications', { json: { purpose: 'selfie' }, headers: auth })).json().error).toBe('UNKNOWN_PURPOSE');
    expect((await call('post', '/v1/verifications', { json: { purpose: 'age_over', extra: 1 }, headers: auth })).json().error).toBe('INVALID_REQUEST');
    expect((await call('post', '/v1/verifications', { json: { purpose: 'x'.repeat(20_000) }, headers: auth })).status).toBe(413);
    expect((await call('post', '/v1/verifications', { json: { purpose: 'age_over', options: { origin: 'https://shop.example' } }, headers: auth })).status).toBe(201);
  });

  it('a QR flow, its replays, its events', async () => {
    const v = (await call('post', '/v1/verifications', { json: { purpose: 'age_over' }, headers: auth })).json();
    const handle = handleOf(v.qr.uri);
    expect((await call('get', `/v1/verifications/${v.id}`)).json().state).toBe('pending');
    expect((await call('get', local(v.qr.svg_url))).status).toBe(200);
    expect((await call('get', `/v1/wallet/${handle}/request`)).status).toBe(200);
    expect((await call('post', `/v1/wallet/${handle}/request`, { form: 'wallet_nonce=conformance-nonce-0123' })).status).toBe(200);
    expect((await call('post', '/v1/sandbox/wallet/scan', { json: { uri: v.qr.uri } })).json()).toEqual({ wallet_post_status: 200 });
    expect((await call('get', `/v1/verifications/${v.id}`)).json().state).toBe('verified');
    expect((await call('get', `/v1/verifications/${v.id}/events`)).text).toMatch(/event: verified/);
    // Everything after the answer: refused with documented codes.
    expect((await call('post', `/v1/wallet/${handle}/response`, { form: 'response=eyJhbGciOiJFQ0RILUVTIn0..x.y.z' })).status).toBeGreaterThanOrEqual(400);
    expect((await call('get', `/v1/verifications/${v.id}/dcapi-request`)).status).toBe(409);
    expect((await call('get', `/v1/wallet/${handle}/request`)).status).toBe(409);
    expect((await call('post', `/v1/verifications/${v.id}/decline`, { json: { error: 'user_cancelled' } })).status).toBe(409);
    expect((await call('post', '/v1/sandbox/wallet/scan', { json: { uri: 'https://not-a-wallet-link' } })).json().error).toBe('INVALID_REQUEST');
  });

  it('a Digital Credentials API flow, a wrong protocol, a replay', async () => {
    const v = (await call('post', '/v1/verifications', { json: { purpose: 'residency' }, headers: auth })).json();
    const { dcapi } = (await call('get', local(v.links.dcapi_request))).json();
    expect((await call('post', `/v1/verifications/${v.id}/dcapi-response`, { json: { protocol: 'x-unknown', data: {} } })).json().error).toBe('PROTOCOL_UNSUPPORTED');
    const credential = (await call('post', '/v1/sandbox/wallet/dcapi', { json: { argument: dcapi, origin: v.origin } })).json();
    expect((await call('post', `/v1/verifications/${v.id}/dcapi-response`, { json: credential })).json().state).toBe('verified');
    expect((await call('post', `/v1/verifications/${v.id}/dcapi-response`, { json: credential })).status).toBe(409);
    expect((await call('post', '/v1/sandbox/wallet/dcapi', { json: { argument: {}, origin: v.origin } })).json().error).toBe('WALLET_CANNOT_ANSWER');
  });

  it('account_match: a bad reference, a DC API flow with every field compared, and no QR code', async () => {
    const account = { id: 'acct-1029', name: '確認　花子', birth_date: '1990-04-01', address: '千代田区千代田一丁目一番', bind: true };
    expect((await call('post', '/v1/verifications', { json: { purpose: 'account_match' }, headers: auth })).json().error).toBe('INVALID_REQUEST');
    expect((await call('post', '/v1/verifications', { json: { purpose: 'account_match', account: { ...account, birth_date: '1990-02-30' } }, headers: auth })).json().error).toBe('INVALID_REQUEST');
    const v = (await call('post', '/v1/verifications', { json: { purpose: 'account_match', account }, headers: auth })).json();
    expect(v.qr).toBeUndefined();
    const { dcapi } = (await call('get', local(v.links.dcapi_request))).json();
    const credential = (await call('post', '/v1/sandbox/wallet/dcapi', { json: { argument: dcapi, origin: v.origin } })).json();
    const result = (await call('post', `/v1/verifications/${v.id}/dcapi-response`, { json: credential })).json();
    expect(result.decision.value).toMatchObject({
      kind: 'account_match',
      account: 'acct-1029',
      match: true,
      fields: { name: 'match', birth_date: 'match', address: 'match' },
      binding: expect.stringMatching(/^cb1\./),
    });
    const again = (
      await call('post', '/v1/verifications', { json: { purpose: 'account_match', account: { ...account, bind: undefined, binding: result.decision.value.binding } }, headers: auth })
    ).json();
    const second = (await call('post', '/v1/sandbox/wallet/dcapi', { json: { argument: (await call('get', local(again.links.dcapi_request))).json().dcapi, origin: again.origin } })).json();
    expect((await call('post', `/v1/verifications/${again.id}/dcapi-response`, { json: second })).json().decision.value).toMatchObject({ same_credential: true, match: true });
  });

  it('a decline, a wallet error response, unknown ids, and expiry', async () => {
    const a = (await call('post', '/v1/verifications', { json: { purpose: 'age_over' }, headers: auth })).json();
    expect((await call('post', `/v1/verifications/${a.id}/decline`, { json: { error: 'maybe' } })).json().error).toBe('INVALID_REQUEST');
    expect((await call('post', `/v1/verifications/${a.id}/decline`, { json: { error: 'user_cancelled' } })).json().state).toBe('declined');
    const b = (await call('post', '/v1/verifications', { json: { purpose: 'age_over' }, headers: auth })).json();
    expect((await call('post', `/v1/wallet/${handleOf(b.qr.uri)}/response`, { form: `error=access_denied&state=${handleOf(b.qr.uri)}` })).status).toBe(200);
    // The same-device flow's way back: redirect_uri with a response code, redeemed once.
    const options = { origin: 'https://shop.example', redirect_uri: 'https://shop.example/checkout' };
    const d = (await call('post', '/v1/verifications', { json: { purpose: 'age_over', options }, headers: auth })).json();
    const back = (await call('post', `/v1/wallet/${handleOf(d.qr.uri)}/response`, { form: `error=access_denied&state=${handleOf(d.qr.uri)}` })).json();
    const code = new URL(back.redirect_uri).hash.slice('#response_code='.length);
    expect((await call('post', `/v1/verifications/${d.id}/response-code`, { json: { response_code: code } })).json().state).toBe('declined');
    expect((await call('post', `/v1/verifications/${d.id}/response-code`, { json: { response_code: code } })).json().error).toBe('RESPONSE_CODE_INVALID');
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    for (const path of [`/v1/verifications/${unknown}`, `/v1/verifications/${unknown}/dcapi-request`, `/v1/wallet/${unknown}/request`, `/v1/wallet/${unknown}/qr.svg`]) {
      expect((await call('get', path)).status).toBe(404);
    }
    const c = (await call('post', '/v1/verifications', { json: { purpose: 'age_over' }, headers: auth })).json();
    now = new Date(now.getTime() + 61_000);
    expect((await call('get', `/v1/verifications/${c.id}`)).json().state).toBe('expired');
    expect((await call('get', `/v1/wallet/${handleOf(c.qr.uri)}/request`)).status).toBe(410);
    expect((await call('get', `/v1/verifications/${c.id}/dcapi-request`)).status).toBe(410);
  });

  it('every operation was answered with its success status at least once', () => {
    for (const item of Object.values(doc.paths as Record<string, Json>)) {
      for (const op of Object.values(item)) {
        const ok = Object.keys(op.responses).find((s) => s.startsWith('2'));
        expect(seen, op.operationId).toContain(`${op.operationId} ${ok}`);
      }
    }
  });
});
