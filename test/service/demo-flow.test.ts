import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { capturingLogger, freePort, withoutTimes } from './helpers.js';

let svc: StartedService;
const log = capturingLogger();

beforeAll(async () => {
  const port = await freePort();
  svc = await startDemo(['--port', String(port)], { env: {}, quiet: true, logger: log.logger });
});
afterAll(async () => svc?.close());

async function create(purpose: string) {
  const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose }) });
  expect(res.status).toBe(201);
  const v = (await res.json()) as { id: string; qr: { uri: string; svg_url: string }; expires_at: string };
  const { dcapi } = (await (await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`)).json()) as { dcapi: unknown };
  return { ...v, dcapi };
}

describe('what a verification prepares, and when', () => {
  it('creation makes only the QR request; the DC API request is made once, when a page asks, and a reload gets the same one', async () => {
    const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
    const v = (await res.json()) as Record<string, any>;
    expect(v).not.toHaveProperty('dcapi');
    expect(v.qr).not.toHaveProperty('svg');
    const lookup = await svc.ctx.store.get(v.id);
    expect(lookup.status === 'found' && lookup.session.secrets).toEqual({ oid4vp: expect.any(String), dcapi: {} });
    const first = (await (await fetch(v.links.dcapi_request.replace(/^http:\/\/localhost:\d+/, svc.url))).json()) as { dcapi: { digital: { requests: { protocol: string }[] } } };
    expect(first.dcapi.digital.requests.map((r) => r.protocol)).toEqual(['org-iso-mdoc', 'openid4vp-v1-signed']);
    const again = await (await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`)).json();
    expect(again).toEqual(first);
    const after = await svc.ctx.store.get(v.id);
    expect(after.status === 'found' && Object.keys((after.session.secrets as { dcapi: object }).dcapi)).toEqual(['org-iso-mdoc', 'openid4vp-v1-signed']);
    // Still answerable by QR, and the DC API request is refused once the verification has its result.
    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(await scan.json()).toEqual({ wallet_post_status: 200 });
    expect((await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`)).status).toBe(409);
    expect((await fetch(v.qr.svg_url.replace(/^http:\/\/localhost:\d+/, svc.url))).status).toBe(409);
    expect((await fetch(`${svc.url}/v1/verifications/AAAAAAAAAAAAAAAAAAAAAA/dcapi-request`)).status).toBe(404);
  });
});

describe('request_uri by POST', () => {
  it('the QR link says request_uri_method=post; a POSTed wallet_nonce comes back in the signed request object; GET still works', async () => {
    const v = await create('age_over');
    const link = new URL(v.qr.uri);
    expect(link.searchParams.get('request_uri_method')).toBe('post');
    const requestUri = link.searchParams.get('request_uri')!.replace(/^http:\/\/localhost:\d+/, svc.url);
    const payload = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    const got = await fetch(requestUri);
    expect(got.status).toBe(200);
    expect(payload(await got.text())).not.toHaveProperty('wallet_nonce');
    const posted = await fetch(requestUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'wallet_nonce=nonce-of-this-wallet-0123' });
    expect(posted.status).toBe(200);
    expect(payload(await posted.text())).toMatchObject({ wallet_nonce: 'nonce-of-this-wallet-0123', state: expect.any(String) });
    // The demo's wallet uses the POST, and the verification completes.
    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(await scan.json()).toEqual({ wallet_post_status: 200 });
  });
});

describe('demo service, OpenID4VP by QR with the sandbox wallet', () => {
  it('creates, serves the request, takes the answer and reports only the decision', async () => {
    const v = await create('age_over');
    expect(v.qr.uri).toMatch(/^openid4vp:\/\/\?client_id=x509_hash%3A/);
    expect(v.qr.uri).not.toContain(v.id);
    // The QR code is drawn on demand, for the handle the link already carries.
    const qr = await fetch(v.qr.svg_url.replace(/^http:\/\/localhost:\d+/, svc.url));
    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await qr.text()).toMatch(/^<svg /);
    expect(v.qr.svg_url).not.toContain(v.id);
    const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect(await scan.json()).toEqual({ wallet_post_status: 200 });
    const result = (await (await fetch(`${svc.url}/v1/verifications/${v.id}`)).json()) as Record<string, any>;
    expect(result.state).toBe('verified');
    expect(result.decision).toMatchObject({ outcome: 'verified', value: { kind: 'age_over', threshold: 20, over: true }, docType: 'org.iso.23220.1.jp.mnc', failureCodes: [] });
    const claims = await svc.ctx.receipts.verify(result.receipt);
    expect(claims).toMatchObject({ sub: v.id, purpose: 'age_over', outcome: 'verified', decision: { over: true, threshold: 20 }, doc_type: 'org.iso.23220.1.jp.mnc' });
    expect(withoutTimes(JSON.stringify(claims))).not.toMatch(/1990|花子|千代田/);
    // No personal data and no secrets in the logs.
    expect(withoutTimes(log.lines.join('\n'))).not.toMatch(/1990|花子|千代田|"d":|nonce/);
  });

  it('answers a second response with 409 and keeps the first result', async () => {
    const v = await create('residency');
    const scan = () => fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: v.qr.uri }) });
    expect((await scan()).status).toBe(200);
    const second = await scan();
    expect(second.status).toBe(400); // the wallet cannot even fetch the request any more: 409 from request_uri
    const body = (await second.json()) as { message: string };
    expect(body.message).toContain('409');
    const result = (await (await fetch(`${svc.url}/v1/verifications/${v.id}`)).json()) as Record<string, any>;
    expect(result.decision.value).toEqual({ kind: 'residency', resident: true, municipalities: ['131016'] });
  });

  it('serves the DC API path (openid4vp-v1-signed) through the page endpoint', async () => {
    const v = await create('kyc');
    const origin = new URL(svc.url).origin;
    // Chrome with Google Wallet: the wallet is handed the openid4vp-v1-signed request.
    const argument = { digital: { requests: (v.dcapi as { digital: { requests: { protocol: string }[] } }).digital.requests.filter((r) => r.protocol === 'openid4vp-v1-signed') } };
    const cred = (await (
      await fetch(`${svc.url}/v1/sandbox/wallet/dcapi`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ argument, origin }) })
    ).json()) as { protocol: string };
    expect(cred.protocol).toBe('openid4vp-v1-signed');
    const res = await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cred) });
    expect(res.status).toBe(200);
    const result = (await res.json()) as Record<string, any>;
    expect(result.decision.value).toEqual({ kind: 'attributes', attributes: { name: '確認 花子', address: '東京都千代田区千代田1-1', birth_date: '1990-04-01' } });
    const again = await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cred) });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: 'ALREADY_ANSWERED' });
  });
});
