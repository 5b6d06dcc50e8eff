/**
 * Revocation through the service API: a sandbox IACA whose CRL and status list are served by a local
 * HTTP server, a service in serve mode with KAKUNIN_REVOCATION=fail, and a wallet answering by QR.
 * Covers a revoked DS, a revoked mdoc, an unreachable list, /metrics, the last good copy when the
 * server turns corrupt, and a restart from the on-disk cache.
 */
import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { createDocumentSigner, createIaca, issueMdoc, createMyNumberCardElements, type SandboxCa, type SandboxCertificate } from '../../src/sandbox/index.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { answerOpenID4VPRedirect, requestUriInit } from '../../src/sandbox/wallet-openid4vp.js';
import { cacheKey } from '../../src/runtime/revocation-cache.js';
import { TrustStore } from '../../src/trust/index.js';
import { ListServer, makeCrl, makeStatusList, type ListSigner } from '../trust/helpers/lists.js';
import { capturingLogger, freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'revocation-test-key-0123456789-QwE';
const DAY = 86_400_000;
const T0 = new Date();
let now = T0;
const later = (s: number) => new Date(T0.getTime() + s * 1000);

const lists = new ListServer();
let iaca: SandboxCa;
let goodDs: SandboxCertificate;
let revokedDs: SandboxCertificate;
let listSigner: ListSigner;
let goodCrl: Uint8Array;
let goodStatus: Uint8Array;
let deadPort: number;
let cacheDir: string;
let emptyCerts: string;
let svc: StartedService;
let log: ReturnType<typeof capturingLogger>;

async function wallet(signer: SandboxCertificate, status?: Map<string, unknown>): Promise<SandboxWallet> {
  const validity = { signed: new Date(T0.getTime() - 60_000), validFrom: new Date(T0.getTime() - 60_000), validUntil: new Date(T0.getTime() + 90 * DAY) };
  const mnc = await issueMdoc({ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: createMyNumberCardElements(undefined, T0), signer, validity, ...(status ? { status } : {}) });
  return new SandboxWallet({ credentials: [mnc], now: () => new Date() });
}

const statusRef = (uri: string, idx: number) =>
  new Map([
    [
      'status_list',
      new Map<string, unknown>([
        ['idx', idx],
        ['uri', uri],
      ]),
    ],
  ]);

async function start(extraEnv: Record<string, string> = {}): Promise<StartedService> {
  log = capturingLogger('debug');
  const s = await startServe(['--port', String(await freePort()), '--api-keys', KEY, '--trust-dir', emptyCerts, '--revocation-cache', cacheDir, '--revocation-allow-private', 'true'], {
    env: { KAKUNIN_REVOCATION: 'fail', ...extraEnv },
    logger: log.logger,
    extraTrust: TrustStore.fromCertificates([iaca.der], { set: 'sandbox' }),
    now: () => now,
  });
  s.url = `http://localhost:${(s.server.address() as { port: number }).port}`;
  return s;
}

/** Creates a verification, lets `w` answer it by QR, returns the final public view. */
async function verifyWith(w: SandboxWallet, purpose = 'age_over'): Promise<{ state: string; decision: { outcome: string; failureCodes: string[] } }> {
  const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ purpose }) });
  expect(res.status).toBe(201);
  const v = (await res.json()) as { id: string; qr: { uri: string } };
  const viaLocal: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/localhost:\d+/, svc.url), init);
  const answer = await answerOpenID4VPRedirect(w, v.qr.uri, async (requestUri, walletNonce) => (await viaLocal(requestUri, requestUriInit(walletNonce))).text());
  const posted = await viaLocal(answer.responseUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answer.body });
  expect(posted.status).toBe(200);
  return (await (await fetch(`${svc.url}/v1/verifications/${v.id}`)).json()) as never;
}

/** Refresh rounds until `url` has been attempted at the current clock (a background round may be under way). */
async function attempted(url: string): Promise<void> {
  const rev = svc.ctx.revocation!;
  for (let i = 0; i < 5; i++) {
    await rev.refresher.refreshOnce();
    const m = rev.lists.metrics(now).find((x) => x.url === url);
    if (m?.lastAttempt && Date.parse(m.lastAttempt) >= now.getTime()) return;
  }
  throw new Error(`${url} was not attempted: ${JSON.stringify(rev.lists.metrics(now))} due ${JSON.stringify(rev.lists.due(now).map((t) => t.url))}`);
}

async function metricsText(): Promise<string> {
  return (await fetch(`${svc.url}/metrics`)).text();
}

function metric(text: string, name: string, url: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{url="${url}"`));
  return line ? Number(line.split(' ').pop()) : undefined;
}

beforeAll(async () => {
  await lists.start();
  deadPort = await freePort();
  cacheDir = mkdtempSync(join(tmpdir(), 'kakunin-rev-cache-'));
  emptyCerts = mkdtempSync(join(tmpdir(), 'kakunin-rev-certs-'));
  iaca = await createIaca({
    commonName: 'kakunin sandbox IACA',
    notBefore: new Date(T0.getTime() - DAY),
    notAfter: new Date(T0.getTime() + 400 * DAY),
    crlDistributionPoint: `${lists.base}/iaca.crl`,
  });
  goodDs = await createDocumentSigner(iaca);
  revokedDs = await createDocumentSigner(iaca);
  const sl = await createDocumentSigner(iaca, { commonName: 'kakunin sandbox status list signer' });
  listSigner = { key: sl.keys.privateKey, chain: [sl.der] };
  goodCrl = await makeCrl(iaca, [{ serial: revokedDs.certificate.serialNumber, date: new Date(T0.getTime() - 3_600_000) }], new Date(T0.getTime() - 3_600_000), new Date(T0.getTime() + 7 * DAY));
  lists.files.set('/iaca.crl', goodCrl);
  const statuses = Array.from({ length: 64 }, (_, i) => (i === 6 ? 1 : 0));
  goodStatus = makeStatusList(`${lists.base}/status`, statuses, listSigner, new Date(T0.getTime() - 60_000), new Date(T0.getTime() + DAY), 600);
  lists.files.set('/status', goodStatus);
  svc = await start();
}, 30_000);

afterAll(async () => {
  await svc?.close();
  await lists.stop();
});

describe('revocation through the service (KAKUNIN_REVOCATION=fail)', () => {
  it('fetches the IACA CRL in the background at start; a revoked DS fails ISSUER_CERT_REVOKED, a good one verifies', async () => {
    await svc.ctx.revocation!.refresher.refreshOnce();
    const revoked = await verifyWith(await wallet(revokedDs));
    expect(revoked.state).toBe('failed');
    expect(revoked.decision.failureCodes).toContain('ISSUER_CERT_REVOKED');
    const good = await verifyWith(await wallet(goodDs));
    expect(good.state).toBe('verified');
    expect(lists.hits.get('/iaca.crl')).toBe(1);
  });

  it('trust per purpose: in serve mode residency accepts J-LIS only, so the sandbox IACA does not even anchor a chain', async () => {
    const r = await verifyWith(await wallet(goodDs), 'residency');
    expect(r.state).toBe('failed');
    expect(r.decision.failureCodes).toContain('ISSUER_CERT_UNTRUSTED');
  });

  it('an mdoc revoked in its status list: STATUS_UNAVAILABLE until the nudged refresher has the list, then STATUS_REVOKED', async () => {
    const revokedMdoc = await wallet(goodDs, statusRef(`${lists.base}/status`, 6));
    const first = await verifyWith(revokedMdoc);
    expect(first).toMatchObject({ state: 'failed', decision: { outcome: 'failed' } });
    expect(first.decision.failureCodes).toContain('STATUS_UNAVAILABLE');
    // No explicit refresh: the list URI learnt on the hot path nudges the background refresher.
    await waitFor('the refresher to fetch the status list', () => lists.hits.get('/status'), { timeoutMs: 5000 });
    expect(lists.hits.get('/status')).toBe(1);
    await svc.ctx.revocation!.refresher.refreshOnce();
    const second = await verifyWith(revokedMdoc);
    expect(second.state).toBe('failed');
    expect(second.decision.failureCodes).toEqual(['STATUS_REVOKED']);
    expect((await verifyWith(await wallet(goodDs, statusRef(`${lists.base}/status`, 5)))).state).toBe('verified');
  });

  it('a list server that is down: STATUS_UNAVAILABLE, never verified, under policy fail', async () => {
    const w = await wallet(goodDs, statusRef(`http://127.0.0.1:${deadPort}/status`, 1));
    expect((await verifyWith(w)).decision.failureCodes).toContain('STATUS_UNAVAILABLE');
    await attempted(`http://127.0.0.1:${deadPort}/status`);
    expect(svc.ctx.revocation!.lists.metrics(now).find((m) => m.url.includes(String(deadPort)))).toMatchObject({ usable: false, lastError: { code: 'FETCH_FAILED' } });
    const again = await verifyWith(w);
    expect(again.state).toBe('failed');
    expect(again.decision.failureCodes).toEqual(['STATUS_UNAVAILABLE']);
    const text = await metricsText();
    expect(metric(text, 'kakunin_revocation_list_usable', `http://127.0.0.1:${deadPort}/status`)).toBe(0);
    expect(metric(text, 'kakunin_revocation_list_age_seconds', `http://127.0.0.1:${deadPort}/status`)).toBeUndefined();
    expect(text).toMatch(/kakunin_revocation_refresh_attempts_total\{kind="status_list",result="FETCH_FAILED"\} [1-9]/);
  });

  it('/metrics shows each list: last success, age, valid until, usable, and refresher rounds', async () => {
    now = later(120);
    const text = await metricsText();
    const crl = `${lists.base}/iaca.crl`;
    expect(metric(text, 'kakunin_revocation_list_age_seconds', crl)).toBeGreaterThanOrEqual(120);
    expect(metric(text, 'kakunin_revocation_list_usable', crl)).toBe(1);
    expect(metric(text, 'kakunin_revocation_list_valid_until_timestamp_seconds', crl)).toBe(Math.floor((T0.getTime() + 7 * DAY) / 1000));
    expect(metric(text, 'kakunin_revocation_list_last_success_timestamp_seconds', crl)).toBeGreaterThanOrEqual(Math.floor(T0.getTime() / 1000));
    expect(metric(text, 'kakunin_revocation_list_usable', `${lists.base}/status`)).toBe(1);
    expect(text).toMatch(/kakunin_revocation_refresh_rounds_total [1-9]/);
    expect(text).toContain('# TYPE kakunin_revocation_list_age_seconds gauge');
  });

  it('keeps the last good copy (in memory and on disk) when the server returns a corrupt list', async () => {
    const url = `${lists.base}/status`;
    lists.files.set('/status', new Uint8Array([0xd2, 0x84, 0x40, 0xa0]));
    try {
      now = later(700); // past the list's ttl (600 s), so it is due
      await attempted(url);
      expect(svc.ctx.revocation!.lists.metrics(now).find((m) => m.url === url)).toMatchObject({ usable: true, lastError: { code: 'STATUS_LIST_MALFORMED' } });
      const text = await metricsText();
      expect(metric(text, 'kakunin_revocation_list_usable', url)).toBe(1);
      expect(metric(text, 'kakunin_revocation_list_age_seconds', url)).toBeGreaterThanOrEqual(700 - 5);
      expect((await verifyWith(await wallet(goodDs, statusRef(url, 6)))).decision.failureCodes).toEqual(['STATUS_REVOKED']);
      const key = cacheKey('status_list', url);
      expect(new Uint8Array(readFileSync(join(cacheDir, `${key}.bin`)))).toEqual(goodStatus);
      const state = JSON.parse(readFileSync(join(cacheDir, `${key}.json`), 'utf8'));
      expect(state).toMatchObject({ url, kind: 'status_list', lastError: { code: 'STATUS_LIST_MALFORMED' } });
      expect(log.lines.some((l) => l.includes('"code":"STATUS_LIST_MALFORMED"') && l.includes('last good copy stays in use'))).toBe(true);
    } finally {
      lists.files.set('/status', goodStatus);
    }
  });

  it('after a restart with the list server down, the cached copies answer at once (verified again on load); a corrupt cache file is ignored with a warning', async () => {
    await svc.close();
    now = later(800);
    lists.files.set('/iaca.crl', 503);
    lists.files.set('/status', 503);
    const files = readdirSync(cacheDir);
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    // A stray corrupt state file, and a .bin whose bytes no longer verify, must not be trusted.
    writeFileSync(join(cacheDir, `${'0'.repeat(32)}.json`), '{not json');
    try {
      svc = await start();
      expect(log.lines.some((l) => l.includes('revocation cache: unreadable state file ignored'))).toBe(true);
      expect(log.lines.some((l) => l.includes('"restoredFromCache":2'))).toBe(true);
      expect((await verifyWith(await wallet(revokedDs))).decision.failureCodes).toContain('ISSUER_CERT_REVOKED');
      expect((await verifyWith(await wallet(goodDs, statusRef(`${lists.base}/status`, 6)))).decision.failureCodes).toEqual(['STATUS_REVOKED']);
      // The restored copy keeps its real age.
      expect(metric(await metricsText(), 'kakunin_revocation_list_age_seconds', `${lists.base}/iaca.crl`)).toBeGreaterThanOrEqual(800);

      await svc.close();
      const crlBin = join(cacheDir, `${cacheKey('crl', `${lists.base}/iaca.crl`)}.bin`);
      const bytes = readFileSync(crlBin);
      bytes[bytes.length - 5] ^= 0xff;
      writeFileSync(crlBin, bytes);
      svc = await start();
      expect(log.lines.some((l) => l.includes('cached copy does not verify, ignored'))).toBe(true);
      expect((await verifyWith(await wallet(revokedDs))).decision.failureCodes).toContain('STATUS_UNAVAILABLE');
    } finally {
      lists.files.set('/iaca.crl', goodCrl);
      lists.files.set('/status', goodStatus);
    }
    expect(existsSync(cacheDir)).toBe(true);
  });
});
