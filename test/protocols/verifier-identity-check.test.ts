/**
 * The verifier's own certificate, checked at start: expired or not yet valid, a chain whose links do
 * not verify, expiry within 30 days, a host it does not name. And the service refuses to start on a
 * configured certificate with a problem, and exports its expiry as a metric.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkVerifierIdentity } from '../../src/protocols/keys/verifier-identity-check.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe } from '../../src/service/startup/serve.js';
import { freePort } from '../service/helpers.js';

const DAY = 86_400_000;
const T0 = new Date('2026-11-25T00:00:00Z');

describe('checkVerifierIdentity', () => {
  it('a current certificate for this host: nothing to say; its expiry is reported', async () => {
    const id = await createDevelopmentIdentity('verify.example', T0);
    const check = await checkVerifierIdentity(id, { now: T0, host: 'verify.example' });
    expect(check).toEqual({ problems: [], warnings: [], notAfter: new Date(T0.getTime() - DAY + 365 * DAY) });
  });

  it('warns 30 days ahead of expiry, and when the certificate does not name the host', async () => {
    const id = await createDevelopmentIdentity('verify.example', T0);
    const late = new Date(T0.getTime() - DAY + 355 * DAY);
    const check = await checkVerifierIdentity(id, { now: late, host: 'shop.example' });
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([expect.stringContaining('expires on 2027-11-24T00:00:00.000Z (in 10 days)'), expect.stringContaining("not this service's host shop.example")]);
  });

  it('refuses an expired or not yet valid certificate, and a chain whose links do not verify', async () => {
    const id = await createDevelopmentIdentity('verify.example', T0);
    expect((await checkVerifierIdentity(id, { now: new Date(T0.getTime() + 400 * DAY), host: 'verify.example' })).problems).toEqual([
      expect.stringMatching(/^the verifier certificate .* expired on 2027-11-24T00:00:00.000Z/),
    ]);
    expect((await checkVerifierIdentity(id, { now: new Date(T0.getTime() - 2 * DAY), host: 'verify.example' })).problems).toEqual([expect.stringMatching(/is not valid before/)]);
    const other = await createDevelopmentIdentity('other.example', T0);
    const broken = { ...id, x5chain: [...id.x5chain, other.rootDer] };
    expect((await checkVerifierIdentity(broken, { now: T0, host: 'verify.example' })).problems).toEqual([
      expect.stringMatching(/^chain certificate 1 .* is self-signed/),
      expect.stringContaining('is not signed by the next one'),
    ]);
  });

  it('refuses a self-signed certificate in the chain: the root is never sent (HAIP 1.0 section 5), nor is a self-signed leaf', async () => {
    const id = await createDevelopmentIdentity('verify.example', T0);
    const withRoot = { ...id, x5chain: [...id.x5chain, id.rootDer] };
    expect((await checkVerifierIdentity(withRoot, { now: T0, host: 'verify.example' })).problems).toEqual([
      expect.stringMatching(/^chain certificate 1 \(.*CN=kakunin development reader root\) is self-signed, a trust anchor, which is never sent \(HAIP 1.0 section 5\)/),
    ]);
    const rootAsLeaf = { ...id, x5chain: [id.rootDer] };
    expect((await checkVerifierIdentity(rootAsLeaf, { now: T0, host: 'verify.example' })).problems).toEqual([expect.stringMatching(/^the verifier certificate .* is self-signed/)]);
  });
});

describe('the service at start', () => {
  it('will not start on an expired verifier certificate, naming the file and why', async () => {
    const past = await createDevelopmentIdentity('localhost', new Date(Date.now() - 500 * DAY));
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-vid-'));
    writeFileSync(join(dir, 'cert.pem'), past.leafPem);
    writeFileSync(join(dir, 'key.pem'), past.keyPem);
    const start = startServe(
      ['--port', String(await freePort()), '--api-keys', 'k-0123456789abcdef01-QwErTyUiOpAsD', '--verifier-cert', join(dir, 'cert.pem'), '--verifier-key', join(dir, 'key.pem'), '--revocation', 'off'],
      { env: {}, logger: createLogger('silent') },
    );
    await expect(start).rejects.toThrow(/KAKUNIN_VERIFIER_CERT_FILE \(--verifier-cert\) .*cert\.pem: the verifier certificate .* expired on/);
  });

  it('will not start on a certificate file that holds the root, main or extra, naming the file', async () => {
    const id = await createDevelopmentIdentity('localhost', new Date());
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-vid-'));
    writeFileSync(join(dir, 'with-root.pem'), id.leafPem + id.rootPem);
    writeFileSync(join(dir, 'key.pem'), id.keyPem);
    const base = ['--port', String(await freePort()), '--api-keys', 'k-0123456789abcdef01-QwErTyUiOpAsD', '--revocation', 'off'];
    const serve = (args: string[]) => startServe([...base, ...args], { env: {}, logger: createLogger('silent') });
    await expect(serve(['--verifier-cert', join(dir, 'with-root.pem'), '--verifier-key', join(dir, 'key.pem')])).rejects.toThrow(
      /KAKUNIN_VERIFIER_CERT_FILE \(--verifier-cert\) .*with-root\.pem: chain certificate 1 .* is self-signed/,
    );
    await expect(serve(['--verifier-extra-certs', join(dir, 'with-root.pem'), '--verifier-extra-keys', join(dir, 'key.pem')])).rejects.toThrow(
      /KAKUNIN_VERIFIER_EXTRA_CERT_FILES \(--verifier-extra-certs\) .*with-root\.pem: chain certificate 1 .* is self-signed/,
    );
  });

  it("exports the certificate's expiry as a metric an alert can watch", async () => {
    const svc = await startServe(['--port', String(await freePort()), '--api-keys', 'k-0123456789abcdef01-QwErTyUiOpAsD', '--revocation', 'off'], { env: {}, logger: createLogger('silent') });
    try {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const value = Number(/^kakunin_verifier_certificate_expiry_timestamp_seconds (\d+)$/m.exec(text)?.[1]);
      expect(value * 1000).toBeGreaterThan(Date.now() + 300 * DAY);
    } finally {
      await svc.close();
    }
  });
});
