/**
 * account_match through the HTTP API with the sandbox wallet (holder 確認 花子, 1990-04-01,
 * 東京都千代田区千代田1-1): every field result, the minimal answer, the channel rule (no OpenID4VP
 * request unless the purpose lists it), an answer made for another origin, the credential binding,
 * and the reference gone from the stored session once it ends.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { answerOpenID4VPOverDcApi } from '../../src/sandbox/wallet-openid4vp.js';
import { answerAnnexC, type AnnexCRequestData } from '../../src/sandbox/wallet-annex-c.js';
import { TrustStore } from '../../src/trust/index.js';
import { freePort, withoutTimes } from './helpers.js';

const KEY = 'account-match-key-0123456789-QwErT';
const OTHER_MERCHANT = 'account-match-other-merchant-key-Q';
const BINDING_KEY = 'b'.repeat(43);
let svc: StartedService;
let relaxed: StartedService;
let holder: DemoWallet;
let stranger: DemoWallet;

const HOLDER = { name: '確認 花子', birth_date: '1990-04-01', address: '東京都千代田区千代田1-1' };

beforeAll(async () => {
  holder = await DemoWallet.create(new Date());
  stranger = await DemoWallet.create(new Date(), { birthDate: '1991-04-01' });
  const trust = TrustStore.merge(TrustStore.fromCertificates([holder.iaca.der], { set: 'sandbox', test: true }), TrustStore.fromCertificates([stranger.iaca.der], { set: 'sandbox', test: true }));
  const env = { KAKUNIN_REVOCATION: 'off', KAKUNIN_BINDING_KEY: BINDING_KEY };
  svc = await startServe(['--port', String(await freePort()), '--api-keys', `${KEY},${OTHER_MERCHANT}`], { env, logger: createLogger('silent'), extraTrust: trust });
  // A purposes file whose account_match also offers the OpenID4VP QR code, explicitly.
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-account-'));
  const file = join(dir, 'purposes.json');
  writeFileSync(file, JSON.stringify({ purposes: [{ name: 'account_match_qr', kind: 'account_match', channels: ['dc_api', 'openid4vp'] }] }));
  relaxed = await startServe(['--port', String(await freePort()), '--api-keys', KEY, '--purposes', file], { env, logger: createLogger('silent'), extraTrust: trust });
});
afterAll(async () => {
  await svc?.close();
  await relaxed?.close();
});

const base = (s: StartedService) => `http://localhost:${(s.server.address() as { port: number }).port}`;
const origin = () => new URL(svc.url).origin;

async function create(account: Record<string, unknown> | undefined, options: { key?: string; purpose?: string; service?: StartedService } = {}) {
  return fetch(`${base(options.service ?? svc)}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? KEY}` },
    body: JSON.stringify({ purpose: options.purpose ?? 'account_match', ...(account ? { account } : {}) }),
  });
}

type Request = { protocol: string; data: Record<string, unknown> };

async function dcApiOf(id: string, s = svc): Promise<Request[]> {
  const { dcapi } = (await (await fetch(`${base(s)}/v1/verifications/${id}/dcapi-request`)).json()) as { dcapi: { digital: { requests: Request[] } } };
  return dcapi.digital.requests;
}

/** Creates, answers with `wallet` over the DC API, returns the final result. */
async function check(account: Record<string, unknown>, wallet = holder, protocol = 'org-iso-mdoc', key = KEY): Promise<Record<string, any>> {
  const res = await create(account, { key });
  expect(res.status, await res.clone().text()).toBe(201);
  const v = (await res.json()) as { id: string };
  const requests = (await dcApiOf(v.id)).filter((r) => r.protocol === protocol);
  const credential = await wallet.answerDcApi({ digital: { requests } }, origin());
  const answered = await fetch(`${base(svc)}/v1/verifications/${v.id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credential) });
  expect(answered.status, await answered.clone().text()).toBe(200);
  return (await (await fetch(`${base(svc)}/v1/verifications/${v.id}`)).json()) as Record<string, any>;
}

describe('account_match: the comparison, field by field, never the values', () => {
  it.each([
    ['the same account', { ...HOLDER }, true, { name: 'match', birth_date: 'match', address: 'match' }],
    ['written another way', { ...HOLDER, name: '確認　花子', address: '千代田区千代田一丁目一番' }, true, { name: 'match', birth_date: 'match', address: 'match' }],
    ['an old form of 確 (碻, 戸籍 notices)', { ...HOLDER, name: '碻認 花子' }, true, { name: 'variant', birth_date: 'match', address: 'match' }],
    ['another name', { ...HOLDER, name: '確認 次郎' }, false, { name: 'mismatch', birth_date: 'match', address: 'match' }],
    ['another birth date', { ...HOLDER, birth_date: '1990-04-02' }, false, { name: 'match', birth_date: 'mismatch', address: 'match' }],
    ['another address', { ...HOLDER, address: '東京都千代田区千代田1-2' }, false, { name: 'match', birth_date: 'match', address: 'mismatch' }],
    ['no address held', { name: HOLDER.name, birth_date: HOLDER.birth_date }, true, { name: 'match', birth_date: 'match' }],
  ])('%s', async (_label, reference, match, fields) => {
    const result = await check({ id: 'acct-1029', ...reference });
    expect(result.state).toBe('verified');
    expect(result.decision.value).toEqual({ kind: 'account_match', account: 'acct-1029', match, fields });
    const text = JSON.stringify(result) + Buffer.from(String(result.receipt).split('.')[1], 'base64url').toString('utf8');
    expect(withoutTimes(text)).not.toMatch(/花子|千代田|1990|次郎/);
  });

  it('asks the wallet for the address only when the reference holds one', async () => {
    const elements = async (account: Record<string, unknown>) => {
      const v = (await (await create(account)).json()) as { id: string };
      const oid4vp = (await dcApiOf(v.id)).find((r) => r.protocol.startsWith('openid4vp'))!;
      const jwt = decodeJwt(String(oid4vp.data.request)) as { dcql_query: { credentials: { meta: { doctype_value: string }; claims: { path: string[] }[] }[] } };
      const mnc = jwt.dcql_query.credentials.find((c) => c.meta.doctype_value === 'org.iso.23220.1.jp.mnc')!;
      return mnc.claims.map((c) => c.path[1]).sort();
    };
    expect(await elements({ id: 'a', ...HOLDER })).toEqual(['birth_date', 'full_name_unicode', 'resident_address_unicode']);
    expect(await elements({ id: 'a', name: HOLDER.name, birth_date: HOLDER.birth_date })).toEqual(['birth_date', 'full_name_unicode']);
  });

  it("answers over Google's protocol too", async () => {
    const result = await check({ id: 'acct-g', ...HOLDER }, holder, 'openid4vp-v1-signed');
    expect(result.decision.value).toMatchObject({ match: true });
  });

  it.each([
    [undefined, 'needs account'],
    [{ id: 'a', name: 'x', birth_date: '1990-02-30' }, 'calendar date'],
    [{ id: 'a'.repeat(129), name: 'x', birth_date: '1990-02-01' }, ''],
    [{ id: 'a', name: 'x', birth_date: '1990/02/01' }, ''],
    [{ id: 'a', name: 'x', birth_date: '1990-02-01', extra: 1 }, ''],
  ])('refuses a bad reference with 400 (%j)', async (account, words) => {
    const res = await create(account);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('INVALID_REQUEST');
    expect(body.message).toContain(words);
  });

  it('is not offered to the counter page (/v1/config), which has no account to compare with', async () => {
    const config = (await (await fetch(`${base(svc)}/v1/config`)).json()) as { purposes: { name: string }[] };
    expect(config.purposes.map((p) => p.name)).toEqual(['age_over', 'residency', 'kyc']);
  });

  it('refuses a reference on a purpose that takes none', async () => {
    const res = await create({ id: 'a', ...HOLDER }, { purpose: 'age_over' });
    expect(res.status).toBe(400);
  });
});

describe('account_match: only channels that cannot be relayed', () => {
  it('makes no OpenID4VP request (no QR code) unless the purpose lists that channel', async () => {
    const v = (await (await create({ id: 'a', ...HOLDER })).json()) as Record<string, any>;
    expect(v.qr).toBeUndefined();
    const stored = await svc.ctx.store.get(v.id);
    expect(stored.status === 'found' && stored.session.qrUri).toBeFalsy();
    const listed = (await (await create({ id: 'a', ...HOLDER }, { purpose: 'account_match_qr', service: relaxed })).json()) as Record<string, any>;
    expect(listed.qr.uri).toMatch(/^openid4vp:/);
    // Every other purpose keeps its QR code.
    const age = (await (
      await fetch(`${base(svc)}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: '{"purpose":"age_over"}' })
    ).json()) as Record<string, any>;
    expect(age.qr.uri).toMatch(/^openid4vp:/);
  });

  it.each(['org-iso-mdoc', 'openid4vp-v1-signed'])('refuses an answer the wallet made for another origin (%s)', async (protocol) => {
    const v = (await (await create({ id: 'a', ...HOLDER })).json()) as { id: string };
    const request = (await dcApiOf(v.id)).find((r) => r.protocol === protocol)!;
    // A wallet that checks nothing, as on a phishing page at another origin relaying the request.
    const careless = new SandboxWallet({ ...holder.wallet.options, behaviour: { skipRequestChecks: true } });
    const relayed =
      protocol === 'org-iso-mdoc'
        ? await answerAnnexC(careless, request.data as unknown as AnnexCRequestData, 'https://kakunin-login.example')
        : await answerOpenID4VPOverDcApi(careless, protocol, request.data, 'https://kakunin-login.example');
    const res = await fetch(`${base(svc)}/v1/verifications/${v.id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(relayed) });
    const result = (await (await fetch(`${base(svc)}/v1/verifications/${v.id}`)).json()) as Record<string, any>;
    // Either the answer does not open (Annex C: the origin is in the HPKE info) or it opens and the
    // device signature over the transcript, which holds the origin, does not verify.
    if (res.status === 400) expect(result.state).toBe('pending');
    else {
      expect(result.state).toBe('failed');
      expect(result.decision.failureCodes).toContain('DEVICE_AUTH_INVALID');
    }
    expect(result.decision?.value).toBeUndefined();
  });
});

describe('account_match: the receipt is the evidence', () => {
  it('carries the account, the comparison, the issuer, the channel and the origin, and no value', async () => {
    const result = await check({ id: 'acct-r1', ...HOLDER, name: '碻認 花子' });
    const claims = await svc.ctx.receipts.verify(result.receipt);
    expect(claims).toMatchObject({
      purpose: 'account_match',
      outcome: 'verified',
      decision: { account: 'acct-r1', match: true, fields: { name: 'variant', birth_date: 'match', address: 'match' } },
      doc_type: 'org.iso.23220.1.jp.mnc',
      issuer: { trust_set: 'sandbox', anchor: expect.any(String) },
      channel: 'dc_api:org-iso-mdoc',
      origin: origin(),
    });
    expect(JSON.stringify(claims)).not.toMatch(/花子|千代田|1990/);
  });
});

describe('account_match: credential binding', () => {
  it('returns a binding when asked, and reports same_credential at the next check', async () => {
    const onboarding = await check({ id: 'acct-b', ...HOLDER, bind: true });
    const binding = onboarding.decision.value.binding as string;
    expect(binding).toMatch(/^cb1\.[A-Za-z0-9_-]{43}$/);
    const again = await check({ id: 'acct-b', ...HOLDER, bind: true });
    expect(again.decision.value.binding).toBe(binding);

    const same = await check({ id: 'acct-b', ...HOLDER, binding });
    expect(same.decision.value).toEqual({ kind: 'account_match', account: 'acct-b', match: true, fields: { name: 'match', birth_date: 'match', address: 'match' }, same_credential: true });
    // Another wallet credential with the same name and address (a re-issued card, a new phone, or
    // someone else): the fields may match, the credential does not, so no match.
    const other = await check({ id: 'acct-b', ...HOLDER, birth_date: '1991-04-01', binding }, stranger);
    expect(other.decision.value).toMatchObject({ match: false, same_credential: false, fields: { name: 'match', birth_date: 'match' } });
  });

  it('gives two merchants unrelated bindings for the same credential', async () => {
    const mine = (await check({ id: 'acct-b', ...HOLDER, bind: true })).decision.value.binding;
    const theirs = (await check({ id: 'acct-b', ...HOLDER, bind: true }, holder, 'org-iso-mdoc', OTHER_MERCHANT)).decision.value.binding;
    expect(theirs).toMatch(/^cb1\./);
    expect(theirs).not.toBe(mine);
  });
});

describe('account_match: the reference does not outlive the verification', () => {
  it('is in the pending session and gone from the finished one', async () => {
    const v = (await (await create({ id: 'acct-r', ...HOLDER })).json()) as { id: string };
    const pending = await svc.ctx.store.get(v.id);
    expect(pending.status === 'found' && pending.session.account?.name).toBe(HOLDER.name);
    const requests = (await dcApiOf(v.id)).filter((r) => r.protocol === 'org-iso-mdoc');
    const credential = await holder.answerDcApi({ digital: { requests } }, origin());
    await fetch(`${base(svc)}/v1/verifications/${v.id}/dcapi-response`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credential) });
    const done = await svc.ctx.store.get(v.id);
    expect(done.status).toBe('found');
    if (done.status === 'found') {
      expect(done.session.state).toBe('verified');
      expect(JSON.stringify(done.session)).not.toMatch(/花子|千代田|1990-04-01/);
    }
  });
});
