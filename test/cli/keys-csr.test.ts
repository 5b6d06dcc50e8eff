/**
 * `kakunin keys csr` makes the key and the signing request Apple Business Connect asks for (PEM;
 * CN = the domain, C, ST, O, optional OU, email), and `kakunin keys import` takes the certificate a
 * CA issued for it back: checked against the key, the time and its chain, and written where the
 * service reads it; the service then starts with it.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeys } from '../../src/cli/keys.js';
import { loadVerifierIdentity } from '../../src/runtime/verifier-identity-files.js';

function io() {
  const out: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) }, out };
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CSR_ARGS = ['--domain', 'verify.example.jp', '--country', 'jp', '--state', 'Tokyo', '--org', 'Example, K.K.', '--unit', 'Identity', '--email', 'it@example.jp'];

/** A stand-in for Apple's CA: issues a certificate for the CSR's key, valid from `from` for `days`. */
async function issue(csrPem: string, from: Date, days: number) {
  const caKeys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=stand-in CA',
      notBefore: from,
      notAfter: new Date(from.getTime() + 3650 * 86_400_000),
      keys: caKeys,
      signingAlgorithm: ALG,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    },
    crypto,
  );
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '02',
      subject: csr.subject,
      issuer: ca.subject,
      notBefore: from,
      notAfter: new Date(from.getTime() + days * 86_400_000),
      publicKey: await csr.publicKey.export(crypto),
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: csr.extensions,
    },
    crypto,
  );
  return { leafPem: leaf.toString('pem'), caPem: ca.toString('pem') };
}

describe('kakunin keys csr / import', () => {
  it('writes a P-256 key and a signed PKCS#10 request naming the domain, the company and the administrator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-csr-'));
    const a = io();
    expect(await runKeys(['csr', '--dir', dir, ...CSR_ARGS], a.io)).toBe(0);
    const csr = new x509.Pkcs10CertificateRequest(readFileSync(join(dir, 'verifier.csr.pem'), 'utf8'));
    expect(await csr.verify(crypto)).toBe(true);
    expect(csr.subject).toBe('CN=verify.example.jp, C=JP, ST=Tokyo, O=Example\\, K.K., OU=Identity, E=it@example.jp');
    const san = new x509.SubjectAlternativeNameExtension(csr.extensions.find((e) => e.type === '2.5.29.17')!.rawData);
    expect(san.names.items.map((n) => n.value)).toEqual(['verify.example.jp']);
    expect(createPrivateKey(readFileSync(join(dir, 'verifier.key.pem'))).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // A second run keeps the key it made (a certificate may already be on its way for it).
    await expect(runKeys(['csr', '--dir', dir, ...CSR_ARGS], io().io)).rejects.toThrow(/exists; --force/);
  });

  it.each([
    [['--domain', 'not a domain'], /--domain must be the website's fully qualified domain name/],
    [['--country', 'Japan'], /--country must be a two-letter country code/],
    [['--email', 'nobody'], /--email is not an email address/],
  ])('refuses a bad %j', async (override, message) => {
    const args = [...CSR_ARGS];
    args[args.indexOf(override[0]) + 1] = override[1];
    await expect(runKeys(['csr', '--dir', mkdtempSync(join(tmpdir(), 'kakunin-csr-')), ...args], io().io)).rejects.toThrow(message);
  });

  it('imports the certificate issued for that key with its chain, leaving out the root; refuses one for another key, one not valid now, and a chain that does not link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-csr-'));
    await runKeys(['csr', '--dir', dir, ...CSR_ARGS], io().io);
    const csrPem = readFileSync(join(dir, 'verifier.csr.pem'), 'utf8');
    const good = await issue(csrPem, new Date(Date.now() - 86_400_000), 365);
    writeFileSync(join(dir, 'issued.pem'), good.leafPem);
    writeFileSync(join(dir, 'ca.pem'), good.caPem);
    const a = io();
    expect(await runKeys(['import', '--dir', dir, '--cert', join(dir, 'issued.pem'), '--chain', join(dir, 'ca.pem')], a.io)).toBe(0);
    expect(a.out.join('\n')).toMatch(/verifier\.pem .*valid 36\d more days/);
    // The stand-in CA is a self-signed root: left out of the file, which the service would refuse with it.
    expect(a.out.join('\n')).toMatch(/left out "CN=stand-in CA": a self-signed root is never sent/);
    const identity = loadVerifierIdentity(join(dir, 'verifier.pem'), join(dir, 'verifier.key.pem'));
    expect([identity.x5chain.length, identity.dnsNames]).toEqual([1, ['verify.example.jp']]);

    const other = mkdtempSync(join(tmpdir(), 'kakunin-csr-'));
    await runKeys(['csr', '--dir', other, ...CSR_ARGS], io().io);
    await expect(runKeys(['import', '--dir', other, '--cert', join(dir, 'issued.pem')], io().io)).rejects.toThrow(/is not the certificate of .*verifier\.key\.pem/);
    const expired = await issue(csrPem, new Date(Date.now() - 400 * 86_400_000), 30);
    writeFileSync(join(dir, 'expired.pem'), expired.leafPem);
    await expect(runKeys(['import', '--dir', dir, '--cert', join(dir, 'expired.pem')], io().io)).rejects.toThrow(/not now/);
    await expect(runKeys(['import', '--dir', dir, '--cert', join(dir, 'issued.pem'), '--chain', join(dir, 'expired.pem')], io().io)).rejects.toThrow(/not issued by certificate 2|not now/);
  });
});
