/**
 * The `test` trust set, as the README describes it: an integrator's own test IACA in <trust-dir>/test/
 * is trusted in sandbox mode and never outside it. A residency purpose of a purposes file that names
 * the set verifies a My Number Card issued under that IACA (the card's docType is otherwise J-LIS's
 * alone); outside sandbox mode the same folder stops the start, saying why.
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentSigner, createIaca, issueMdoc, createMyNumberCardElements, OID_MDOC_DS_EKU, type SandboxCa } from '../../src/sandbox/index.js';
import { SandboxWallet } from '../../src/sandbox/wallet.js';
import { answerOpenID4VPRedirect, requestUriInit } from '../../src/sandbox/wallet-openid4vp.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from './helpers.js';

const DAY = 86_400_000;
const T0 = new Date();
const KEY = 'test-set-key-0123456789abcdef-QwEr';
const dir = mkdtempSync(join(tmpdir(), 'kakunin-test-set-'));
const trustDir = join(dir, 'certs');
const purposesFile = join(dir, 'purposes.json');
let iaca: SandboxCa;
let wallet: SandboxWallet;
let svc: StartedService | undefined;

const serve = async (args: string[], env: Record<string, string> = {}) =>
  startServe(['--port', String(await freePort()), '--trust-dir', trustDir, '--purposes', purposesFile, '--revocation', 'off', ...args], { env, logger: createLogger('silent') });

beforeAll(async () => {
  iaca = await createIaca({ commonName: 'Example Integrator test IACA', notBefore: new Date(T0.getTime() - DAY), notAfter: new Date(T0.getTime() + 400 * DAY) });
  const ds = await createDocumentSigner(iaca, { extendedKeyUsage: [OID_MDOC_DS_EKU] });
  const validity = { signed: new Date(T0.getTime() - 60_000), validFrom: new Date(T0.getTime() - 60_000), validUntil: new Date(T0.getTime() + 90 * DAY) };
  const mnc = await issueMdoc({ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: createMyNumberCardElements(undefined, T0), signer: ds, validity });
  wallet = new SandboxWallet({ credentials: [mnc], now: () => new Date() });
  mkdirSync(join(trustDir, 'test'), { recursive: true });
  writeFileSync(join(trustDir, 'test', 'integrator-test-iaca.pem'), iaca.pem);
  writeFileSync(purposesFile, JSON.stringify({ purposes: [{ name: 'residency_test', kind: 'residency', municipalities: ['131016'], trustSets: ['test'] }] }));
}, 30_000);

afterAll(async () => svc?.close());

describe('the test trust set', () => {
  it('in sandbox mode a test IACA in <trust-dir>/test is loaded, and a purpose naming the set verifies residency under it', async () => {
    svc = await serve([], { KAKUNIN_SANDBOX: 'true' });
    const url = `http://localhost:${(svc.server.address() as { port: number }).port}`;
    expect(svc.ctx.trust.anchors.map((a) => [a.set, a.test, a.name])).toEqual([['test', true, 'integrator-test-iaca']]);
    const res = await fetch(`${url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'residency_test' }) });
    expect(res.status).toBe(201);
    const v = (await res.json()) as { id: string; qr: { uri: string } };
    const viaLocal: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/localhost:\d+/, url), init);
    const answer = await answerOpenID4VPRedirect(wallet, v.qr.uri, async (requestUri, walletNonce) => (await viaLocal(requestUri, requestUriInit(walletNonce))).text());
    expect((await viaLocal(answer.responseUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: answer.body })).status).toBe(200);
    const result = (await (await fetch(`${url}/v1/verifications/${v.id}`)).json()) as { state: string; decision: { value: unknown; issuer: { trustSet: string; anchor: string } } };
    expect(result.state).toBe('verified');
    expect(result.decision.value).toMatchObject({ kind: 'residency', resident: true });
    expect(result.decision.issuer).toMatchObject({ trustSet: 'test', anchor: 'integrator-test-iaca' });
  });

  it('outside sandbox mode the test set stops the start, naming it and sandbox mode', async () => {
    await expect(serve(['--api-keys', KEY])).rejects.toThrow(/no trust anchors found in .*certs \(its trust set "test" holds test roots, trusted only in sandbox mode \(KAKUNIN_SANDBOX=true\)\)/);
    await expect(serve(['--api-keys', KEY, '--trust-dir', join(trustDir, 'test')])).rejects.toThrow(
      /KAKUNIN_TRUST_DIR \(--trust-dir\) .*test: trust set "test" holds test roots, trusted only in sandbox mode/,
    );
    await expect(serve(['--api-keys', KEY, '--trust-sets', 'test'])).rejects.toThrow(/KAKUNIN_TRUST_SETS \(--trust-sets\): trust set "test" holds test roots/);
  });
});
