/**
 * The service with a second verifier certificate (another trust framework's) and verifier_info: the
 * DC API request is offered as openid4vp-v1-multisigned, signed under both; every OpenID4VP request
 * object carries the configured verifier_info; a bad file stops the start, naming it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { loadVerifierInfo, MAX_VERIFIER_INFO_BYTES, MAX_VERIFIER_INFO_DEPTH } from '../../src/service/startup/verifier-info.js';
import { freePort } from './helpers.js';

const INFO = [{ format: 'registration_cert', data: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' }];
const dir = mkdtempSync(join(tmpdir(), 'kakunin-identities-'));
let svc: StartedService;

const decode = (b64u: string) => JSON.parse(Buffer.from(b64u, 'base64url').toString('utf8')) as Record<string, any>;
const json = (path: string, body?: unknown) =>
  fetch(`${svc.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, any>,
  }));

beforeAll(async () => {
  const ecosystem = await createDevelopmentIdentity('ecosystem.example', new Date());
  writeFileSync(join(dir, 'eco.pem'), ecosystem.leafPem);
  writeFileSync(join(dir, 'eco.key.pem'), ecosystem.keyPem);
  writeFileSync(join(dir, 'info.json'), JSON.stringify(INFO));
  svc = await startDemo(['--port', String(await freePort())], {
    env: { KAKUNIN_VERIFIER_EXTRA_CERT_FILES: join(dir, 'eco.pem'), KAKUNIN_VERIFIER_EXTRA_KEY_FILES: join(dir, 'eco.key.pem'), KAKUNIN_VERIFIER_INFO_FILE: join(dir, 'info.json') },
    quiet: true,
    logger: createLogger('silent'),
  });
});
afterAll(async () => svc?.close());

describe('more than one verifier certificate, and verifier_info', () => {
  it('offers openid4vp-v1-multisigned signed under both certificates, and the sandbox wallet answer verifies', async () => {
    const v = (await json('/v1/verifications', { purpose: 'age_over' })).body;
    const { dcapi } = (await json(`/v1/verifications/${v.id}/dcapi-request`)).body;
    const requests = dcapi.digital.requests as { protocol: string; data: Record<string, any> }[];
    expect(requests.map((r) => r.protocol)).toEqual(['org-iso-mdoc', 'openid4vp-v1-multisigned']);
    const headers = requests[1].data.signatures.map((s: { protected: string }) => decode(s.protected));
    expect(headers).toHaveLength(2);
    expect(new Set(headers.map((h: { client_id: string }) => h.client_id)).size).toBe(2);
    expect(headers[0].verifier_info).toEqual(INFO);
    const credential = (await json('/v1/sandbox/wallet/dcapi', { argument: { digital: { requests: [requests[1]] } }, origin: v.origin })).body;
    expect(credential.protocol).toBe('openid4vp-v1-multisigned');
    const result = await json(`/v1/verifications/${v.id}/dcapi-response`, credential);
    expect([result.status, result.body.state]).toEqual([200, 'verified']);
  });

  it("the QR code's request object carries verifier_info", async () => {
    const v = (await json('/v1/verifications', { purpose: 'age_over' })).body;
    const requestUri = new URL(v.qr.uri).searchParams.get('request_uri')!.replace(/^http:\/\/localhost:\d+/, svc.url);
    const jar = await (await fetch(requestUri)).text();
    expect(decode(jar.split('.')[1]).verifier_info).toEqual(INFO);
  });

  it('a verifier_info file past its size or depth bound stops the start, naming the file; at the bounds it loads', async () => {
    // [ {format, data: {a: {a: ...}}} ] as text (JSON.stringify itself would overflow on the deep one):
    // the array and the entry are two levels, data the third.
    const nested = (depth: number) => `[{"format":"jwt","data":${'{"a":'.repeat(depth - 3)}{}${'}'.repeat(depth - 3)}}]`;
    const write = (name: string, value: unknown) => {
      writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
      return join(dir, name);
    };
    expect(loadVerifierInfo(write('deep-ok.json', nested(MAX_VERIFIER_INFO_DEPTH)))).toHaveLength(1);
    expect(() => loadVerifierInfo(write('deep.json', nested(MAX_VERIFIER_INFO_DEPTH + 1)))).toThrow(/KAKUNIN_VERIFIER_INFO_FILE \(--verifier-info\) .*deep\.json: nested deeper than 16 levels/);
    const entry = (n: number) => ({ format: 'jwt', data: 'x'.repeat(n) });
    const sized = (total: number) => {
      const shell = JSON.stringify([entry(0), entry(0)]).length;
      const first = Math.floor((total - shell) / 2);
      return JSON.stringify([entry(first), entry(total - shell - first)]);
    };
    expect(sized(MAX_VERIFIER_INFO_BYTES)).toHaveLength(MAX_VERIFIER_INFO_BYTES);
    expect(loadVerifierInfo(write('big-ok.json', sized(MAX_VERIFIER_INFO_BYTES)))).toHaveLength(2);
    expect(() => loadVerifierInfo(write('big.json', sized(MAX_VERIFIER_INFO_BYTES + 1)))).toThrow(/KAKUNIN_VERIFIER_INFO_FILE \(--verifier-info\) .*big\.json: 65537 bytes, more than 65536/);
    // What the attack used: 20,000 levels, and 1 MB; both stop the service at start.
    for (const [name, value] of [
      ['bomb.json', nested(20_000)],
      ['huge.json', Array.from({ length: 16 }, () => entry(65_000))],
    ] as const) {
      await expect(startDemo(['--port', String(await freePort())], { env: { KAKUNIN_VERIFIER_INFO_FILE: write(name, value) }, quiet: true, logger: createLogger('silent') })).rejects.toThrow(
        new RegExp(`KAKUNIN_VERIFIER_INFO_FILE \\(--verifier-info\\) .*${name.replace('.', '\\.')}: `),
      );
    }
  });

  it('a verifier_info file that is not an array of attestations, or extra certificates without keys, stop the start', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ format: 'x' }]));
    await expect(startDemo(['--port', String(await freePort())], { env: { KAKUNIN_VERIFIER_INFO_FILE: join(dir, 'bad.json') }, quiet: true, logger: createLogger('silent') })).rejects.toThrow(
      /KAKUNIN_VERIFIER_INFO_FILE \(--verifier-info\) .*bad\.json: \/0 must have required property 'data'/,
    );
    await expect(startDemo(['--port', String(await freePort())], { env: { KAKUNIN_VERIFIER_EXTRA_CERT_FILES: join(dir, 'eco.pem') }, quiet: true, logger: createLogger('silent') })).rejects.toThrow(
      /KAKUNIN_VERIFIER_EXTRA_CERT_FILES \(--verifier-extra-certs\) and KAKUNIN_VERIFIER_EXTRA_KEY_FILES \(--verifier-extra-keys\) name as many files/,
    );
  });
});
