/**
 * The hot routes (src/service/http/hot-routes.ts) answer exactly as Express's router does. Each
 * request is sent twice: spelled exactly (dispatched without the router) and with a trailing slash,
 * which the router matches to the same route but the hot dispatch leaves to it. Status, headers
 * (but the date, the ETag and the rate limit's remaining count) and body must be the same, for
 * answers and refusals alike, and the access counter must count both under the route's pattern.
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressClasses, hotRoutes } from '../../src/service/http/hot-routes.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { TrustStore } from '../../src/trust/index.js';
import { freePort } from './helpers.js';

const KEY = 'hot-routes-key-0123456789-QwErTyUiOp';
let svc: StartedService;
let wallet: DemoWallet;

beforeAll(async () => {
  wallet = await DemoWallet.create(new Date());
  svc = await startServe(['--port', String(await freePort()), '--api-keys', KEY, '--rate-limit-ip', '3', '--trust-proxy', 'loopback'], {
    env: { KAKUNIN_REVOCATION: 'off' },
    logger: createLogger('silent'),
    extraTrust: TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox' }),
  });
  svc.url = `http://127.0.0.1:${(svc.server.address() as { port: number }).port}`;
});
afterAll(async () => svc?.close());

/** A client address of its own for each request: the per-address limit (3 a minute) stays out of the way. */
const anyAddress = () => `10.${randomBytes(3).join('.')}`;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between any two answers: the clock, the body's hash and how many requests are left. */
const VARYING = new Set(['date', 'etag', 'ratelimit']);

async function send(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Answer> {
  const res = await fetch(`${svc.url}${path}`, { ...init, headers: { 'x-forwarded-for': anyAddress(), ...init.headers } });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VARYING.has(name)) headers[name] = value;
  });
  return { status: res.status, headers, body: await res.text() };
}

/** The same request exactly spelled and with a trailing slash. */
async function both(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<[Answer, Answer]> {
  return [await send(path, init), await send(`${path}/`, init)];
}

const create = (body: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

async function newVerification(): Promise<{ id: string; handle: string }> {
  const res = await send('/v1/verifications', create('{"purpose":"age_over"}'));
  const v = JSON.parse(res.body) as { id: string; qr: { uri: string } };
  const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!;
  return { id: v.id, handle: new URL(requestUri).pathname.split('/')[3] };
}

/** The ids and the expiry time in a created verification's body, replaced: two creations differ only there. */
const withoutIds = (body: string) => body.replace(/[A-Za-z0-9_-]{22,}/g, 'ID').replace(/"expires_at":"[^"]*"/, '"expires_at":"T"');

async function httpCount(route: string): Promise<number> {
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^kakunin_http_responses_total\{route="([^"]*)",status="[^"]*"\} (\d+)$/gm)) if (m[1] === route) n += Number(m[2]);
  return n;
}

describe('hot routes answer as the router does', () => {
  it('POST /v1/verifications: created, and every refusal', async () => {
    const counted = await httpCount('/v1/verifications');
    const [hot, routed] = await both('/v1/verifications', create('{"purpose":"age_over"}'));
    expect(hot.status).toBe(201);
    expect(routed.headers).toEqual(hot.headers);
    expect(withoutIds(routed.body)).toEqual(withoutIds(hot.body));
    for (const [body, headers] of [
      ['{"purpose":"age_over"}', {}],
      ['{"purpose":"age_over"}', { authorization: 'Bearer wrong-key-0123456789-QwErTyUiOp' }],
      ['{"purpose":', { authorization: `Bearer ${KEY}` }],
      ['{"purpose":"age_over","extra":1}', { authorization: `Bearer ${KEY}` }],
      ['{"purpose":"selfie"}', { authorization: `Bearer ${KEY}` }],
      [JSON.stringify({ purpose: 'x'.repeat(20_000) }), { authorization: `Bearer ${KEY}` }],
    ] as [string, Record<string, string>][]) {
      const [a, b] = await both('/v1/verifications', create(body, headers));
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(b).toEqual(a);
    }
    const [plain, plainRouted] = await both('/v1/verifications', { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${KEY}` }, body: 'purpose=age_over' });
    expect(plain.status).toBe(400);
    expect(plainRouted).toEqual(plain);
    expect(await httpCount('/v1/verifications')).toBe(counted + 16);
  });

  it('the per-address rate limit counts both spellings and refuses both alike', async () => {
    const address = anyAddress();
    const statuses: number[] = [];
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await send(i % 2 ? '/v1/verifications/' : '/v1/verifications', { ...create('{"purpose":"age_over"}'), headers: { ...create('').headers, 'x-forwarded-for': address } })).status);
    for (const path of ['/v1/verifications', '/v1/verifications/'])
      answers.push(await send(path, { ...create('{"purpose":"age_over"}'), headers: { ...create('').headers, 'x-forwarded-for': address } }));
    expect(statuses).toEqual([201, 201, 201]);
    expect(answers[0].status).toBe(429);
    expect(answers[0].headers.connection).toBe('close');
    expect(answers[0].headers['retry-after']).toMatch(/^\d+$/);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('GET /v1/verifications/{id}: found, unknown', async () => {
    const { id } = await newVerification();
    const counted = await httpCount('/v1/verifications/:id');
    const [hot, routed] = await both(`/v1/verifications/${id}`);
    expect(hot.status).toBe(200);
    expect(routed).toEqual(hot);
    const [unknown, unknownRouted] = await both('/v1/verifications/AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknownRouted).toEqual(unknown);
    expect(await httpCount('/v1/verifications/:id')).toBe(counted + 4);
  });

  it("the wallet's request object (GET and POST with a wallet_nonce) and answers to unknown or used handles", async () => {
    const { handle } = await newVerification();
    const [get, getRouted] = await both(`/v1/wallet/${handle}/request`);
    expect(get.status).toBe(200);
    expect(getRouted.headers).toEqual(get.headers);
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'wallet_nonce=abc' };
    const [post, postRouted] = await both(`/v1/wallet/${handle}/request`, form);
    expect(post.status).toBe(200);
    expect(postRouted.headers).toEqual(post.headers);
    for (const [path, init] of [
      ['/v1/wallet/AAAAAAAAAAAAAAAAAAAAAA/request', {}],
      ['/v1/wallet/AAAAAAAAAAAAAAAAAAAAAA/request', form],
      [`/v1/wallet/${handle}/request`, { ...form, body: 'a=1&'.repeat(30) }],
      [`/v1/wallet/${handle}/response`, { ...form, body: 'response=not-a-jwe' }],
      [`/v1/wallet/${handle}/response`, { ...form, body: 'neither=1' }],
      ['/v1/wallet/AAAAAAAAAAAAAAAAAAAAAA/response', { ...form, body: 'error=access_denied&state=x' }],
    ] as [string, RequestInit & { headers?: Record<string, string> }][]) {
      const [a, b] = await both(path, init);
      expect(a.status, path).toBeGreaterThanOrEqual(400);
      expect(b, path).toEqual(a);
    }
  });

  it("the wallet's answer: accepted once, the same answer again refused alike", async () => {
    const created = JSON.parse((await send('/v1/verifications', create('{"purpose":"age_over"}'))).body) as { qr: { uri: string } };
    const { answerOpenID4VPRedirect, requestUriInit } = await import('../../src/sandbox/wallet-openid4vp.js');
    const answer = await answerOpenID4VPRedirect(wallet.wallet, created.qr.uri, async (uri, nonce) => (await fetch(uri, requestUriInit(nonce))).text());
    const answerUri = new URL(answer.responseUri).pathname;
    const init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answer.body };
    const accepted = await send(answerUri, init);
    expect(accepted.status).toBe(200);
    const [again, againRouted] = await both(answerUri, init);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(againRouted).toEqual(again);
    // The same answer through the router first, on a fresh verification: the same headers as the hot path's.
    const other = JSON.parse((await send('/v1/verifications', create('{"purpose":"age_over"}'))).body) as { qr: { uri: string } };
    const second = await answerOpenID4VPRedirect(wallet.wallet, other.qr.uri, async (uri, nonce) => (await fetch(`${uri}/`, requestUriInit(nonce))).text());
    const routed = await send(`${new URL(second.responseUri).pathname}/`, { ...init, body: second.body });
    expect(routed).toEqual(accepted);
  });
});

describe('hotRoutes', () => {
  const app = express();
  const classes = expressClasses(app);
  const taken: string[] = [];
  const hot = hotRoutes(
    classes,
    [],
    [
      {
        method: 'GET',
        path: '/v1/verifications/:id',
        handlers: [
          (req, res) => {
            taken.push(String(req.params.id));
            res.end();
          },
        ],
      },
    ],
    () => undefined,
  );
  const request = (method: string, url: string, classesOf = classes) => {
    const req = new classesOf.IncomingMessage(new Socket());
    Object.assign(req, { method, url });
    return [req, new classesOf.ServerResponse(req)] as const;
  };

  it('takes only the exact spelling, from the classes with Express API', () => {
    expect(hot(...request('GET', '/v1/verifications/abc_-9'))).toBe(true);
    expect(taken).toEqual(['abc_-9']);
    for (const [method, url] of [
      ['GET', '/v1/verifications/abc/'],
      ['GET', '/V1/verifications/abc'],
      ['GET', '/v1/verifications/abc?x=1'],
      ['GET', '/v1/verifications/a%62c'],
      ['HEAD', '/v1/verifications/abc'],
      ['POST', '/v1/verifications/abc'],
    ]) {
      expect(hot(...request(method, url)), `${method} ${url}`).toBe(false);
    }
    expect(hot(...request('GET', '/v1/verifications/abc', { IncomingMessage, ServerResponse }))).toBe(false);
    expect(taken).toEqual(['abc_-9']);
  });
});
