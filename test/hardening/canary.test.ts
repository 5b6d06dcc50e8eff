/**
 * No personal data leaks: every service flow (OpenID4VP by QR, OpenID4VP over the DC API, Annex C
 * org-iso-mdoc; each purpose; answered, answered twice, tampered, garbage) runs with a canary
 * identity from the sandbox issuer — a unique name, address, My Number and birth date — and then all
 * log lines (pino at debug), the metrics, every error body and the receipts and results of purposes
 * that do not report those values are scanned. The canary must appear nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueMdoc, MNC_DOCTYPE, createMyNumberCardElements } from '../../src/sandbox/index.js';
import { answerAnnexC } from '../../src/sandbox/wallet-annex-c.js';
import { answerOpenID4VPOverDcApi, answerOpenID4VPRedirect, requestUriInit } from '../../src/sandbox/wallet-openid4vp.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { TrustStore } from '../../src/trust/store.js';
import { capturingLogger, freePort } from '../service/helpers.js';
import { CANARY, hardeningWorld, type HardeningWorld } from './fixtures.js';

const API_KEY = 'canary-key-0123456789abcdef-QwErTy';
/** Every form the canary could take in text: values, parts of them, and the CBOR/base64 of none (encrypted). */
const NEEDLES = [
  CANARY.fullName,
  'カナリア',
  '試験太郎',
  CANARY.residentAddress,
  'カナリア市',
  '試験町',
  CANARY.individualNumber,
  CANARY.birthDate,
  '19871123',
  CANARY.localGovCode,
  // JSON escapes of the Japanese text (\uXXXX) in case something escapes before writing.
  JSON.stringify(CANARY.fullName).slice(1, -1),
  '\\u30ab\\u30ca\\u30ea\\u30a2',
];

let w: HardeningWorld;
let svc: StartedService;
const log = capturingLogger('debug');
const scanned: { where: string; text: string }[] = [];
let wallet: SandboxWallet;

function keep(where: string, text: string) {
  scanned.push({ where, text });
}

beforeAll(async () => {
  // The canary holder's card; validity around now, as the service verifies at its own clock.
  const now = new Date();
  const day = 86_400_000;
  w = await hardeningWorld(CANARY);
  const mnc = await issueMdoc({
    docType: MNC_DOCTYPE,
    nameSpaces: createMyNumberCardElements(CANARY, now),
    signer: w.ds,
    validity: { signed: new Date(now.getTime() - day), validFrom: new Date(now.getTime() - day), validUntil: new Date(now.getTime() + 30 * day) },
  });
  wallet = new SandboxWallet({ credentials: [mnc], now: () => new Date() });
  const port = await freePort();
  // Sandbox mode: the sandbox IACA is accepted for every purpose (residency accepts only J-LIS
  // otherwise) and revocation runs in "warn" mode (the sandbox IACA publishes no CRL).
  svc = await startDemo(['--port', String(port), '--public-url', `http://127.0.0.1:${port}`, '--municipalities', '131016'], {
    env: {},
    quiet: true,
    logger: log.logger,
    extraTrust: TrustStore.fromCertificates([w.iaca.der], { set: 'sandbox', test: true }),
  });
}, 60_000);

afterAll(async () => svc?.close());

async function create(
  purpose: string,
  account?: Record<string, unknown>,
): Promise<{ id: string; qr: { uri: string }; dcapi: { digital: { requests: { protocol: string; data: Record<string, unknown> }[] } } }> {
  const res = await fetch(`${svc.url}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ purpose, ...(account ? { account } : {}) }),
  });
  expect(res.status).toBe(201);
  const v = (await res.json()) as { id: string; qr: { uri: string } };
  const { dcapi } = (await (await fetch(`${svc.url}/v1/verifications/${v.id}/dcapi-request`)).json()) as { dcapi: never };
  return { ...v, dcapi };
}

async function read(id: string, purpose: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${svc.url}/v1/verifications/${id}`);
  const text = await res.text();
  // kyc reports name, address and birth date by design; the others must not carry them.
  if (purpose !== 'kyc') keep(`result of ${purpose}`, text);
  return JSON.parse(text) as Record<string, unknown>;
}

async function post(path: string, body: string, type: string, where: string): Promise<Response> {
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  const text = await res.clone().text();
  if (res.status >= 400) keep(`error body ${where} (${res.status})`, text);
  return res;
}

const origin = () => new URL(svc.url).origin;

describe('canary identity through every flow', () => {
  for (const purpose of ['age_over', 'residency', 'kyc']) {
    it(`OpenID4VP by QR (direct_post.jwt), ${purpose}: answered, then answered again`, async () => {
      const v = await create(purpose);
      const fetchJar = async (uri: string, walletNonce?: string) => {
        const r = await fetch(uri, requestUriInit(walletNonce));
        expect(r.status).toBe(200);
        return r.text();
      };
      const posted = await answerOpenID4VPRedirect(wallet, v.qr.uri, fetchJar);
      const path = new URL(posted.responseUri).pathname;
      expect((await post(path, posted.body, 'application/x-www-form-urlencoded', 'direct_post')).status).toBe(200);
      const result = await read(v.id, purpose);
      expect(result.state, JSON.stringify(result)).toBe('verified');
      // The same answer again: 409 with a code, nothing echoed.
      expect((await post(path, posted.body, 'application/x-www-form-urlencoded', 'direct_post replay')).status).toBeGreaterThanOrEqual(400);
      if (purpose !== 'kyc') keep(`receipt of ${purpose}`, Buffer.from(String(result.receipt).split('.')[1], 'base64url').toString('utf8'));
    });
  }

  it('OpenID4VP over the DC API and Annex C, age_over; tampered and garbage answers', async () => {
    for (const protocol of ['openid4vp-v1-signed', 'org-iso-mdoc'] as const) {
      const v = await create('age_over');
      const offered = v.dcapi.digital.requests.find((r) => r.protocol === protocol);
      expect(offered, protocol).toBeDefined();
      const cred = protocol === 'org-iso-mdoc' ? await answerAnnexC(wallet, offered!.data as never, origin()) : await answerOpenID4VPOverDcApi(wallet, protocol, offered!.data, origin());
      // Tampered: a flipped byte in the ciphertext.
      const raw = Buffer.from(cred.data.response, protocol === 'org-iso-mdoc' ? 'base64url' : 'latin1');
      raw[raw.length - 5] ^= 1;
      const tampered = { protocol, data: { response: protocol === 'org-iso-mdoc' ? raw.toString('base64url') : raw.toString('latin1') } };
      expect((await post(`/v1/verifications/${v.id}/dcapi-response`, JSON.stringify(tampered), 'application/json', `dcapi tampered ${protocol}`)).status).toBe(400);
      // Garbage with the canary inside: must not be echoed back.
      await post(
        `/v1/verifications/${v.id}/dcapi-response`,
        JSON.stringify({ protocol, data: { response: `${CANARY.fullName}.${CANARY.individualNumber}` } }),
        'application/json',
        `dcapi garbage ${protocol}`,
      );
      const res = await post(`/v1/verifications/${v.id}/dcapi-response`, JSON.stringify(cred), 'application/json', `dcapi ${protocol}`);
      expect(res.status, await res.clone().text()).toBe(200);
      const result = await read(v.id, 'age_over');
      expect(result.state).toBe('verified');
      keep(`receipt of age_over via ${protocol}`, Buffer.from(String(result.receipt).split('.')[1], 'base64url').toString('utf8'));
      expect((await post(`/v1/verifications/${v.id}/dcapi-response`, JSON.stringify(cred), 'application/json', `dcapi replay ${protocol}`)).status).toBe(409);
    }
  });

  it('account_match over both DC API protocols: the reference and the card hold the canary, the answer only words', async () => {
    // The merchant's reference is the canary too, so an echo of either side would be found.
    const references = [
      { id: 'acct-canary', name: CANARY.fullName, birth_date: CANARY.birthDate, address: CANARY.residentAddress, bind: true },
      { id: 'acct-canary', name: 'カナリア 試験次郎', birth_date: CANARY.birthDate, address: CANARY.residentAddress },
    ];
    for (const protocol of ['openid4vp-v1-signed', 'org-iso-mdoc'] as const) {
      for (const account of references) {
        const v = await create('account_match', account);
        const offered = v.dcapi.digital.requests.find((r) => r.protocol === protocol)!;
        const cred = protocol === 'org-iso-mdoc' ? await answerAnnexC(wallet, offered.data as never, origin()) : await answerOpenID4VPOverDcApi(wallet, protocol, offered.data, origin());
        const res = await post(`/v1/verifications/${v.id}/dcapi-response`, JSON.stringify(cred), 'application/json', `dcapi account_match ${protocol}`);
        keep(`answer of account_match via ${protocol}`, await res.text());
        const result = await read(v.id, 'account_match');
        expect(result.state).toBe('verified');
        expect((result.decision as { value: { match: boolean } }).value.match).toBe(account.name === CANARY.fullName);
        keep(`receipt of account_match via ${protocol}`, Buffer.from(String(result.receipt).split('.')[1], 'base64url').toString('utf8'));
      }
    }
    // A bad reference: refused without repeating it.
    const res = await fetch(`${svc.url}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ purpose: 'account_match', account: { id: 'x', name: CANARY.fullName, birth_date: '1987-11-31', address: CANARY.residentAddress } }),
    });
    expect(res.status).toBe(400);
    keep('error body account_match reference', await res.text());
  });

  it('a create call with the canary in its fields gets an error body without it', async () => {
    const res = await fetch(`${svc.url}/v1/verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ purpose: CANARY.individualNumber }),
    });
    // The unknown purpose is named in neither the message nor the log.
    expect(res.status).toBe(400);
    keep('error body create', await res.text());
  });

  it('appears in no log line, metric, error body, or receipt and result of a purpose that does not report it', async () => {
    keep('metrics', await (await fetch(`${svc.url}/metrics`)).text());
    for (const line of log.lines) keep('log', line);
    expect(log.lines.length).toBeGreaterThan(10);
    expect(scanned.filter((s) => s.where.startsWith('receipt')).length).toBeGreaterThanOrEqual(8);
    expect(scanned.filter((s) => s.where.startsWith('error body')).length).toBeGreaterThanOrEqual(8);
    const leaks = scanned.flatMap((s) => NEEDLES.filter((n) => s.text.includes(n)).map((n) => `${s.where}: ${n}`));
    expect(leaks).toEqual([]);
    console.log(`canary: ${scanned.length} outputs scanned (${log.lines.length} log lines), ${leaks.length} leaks`);
  });
});
