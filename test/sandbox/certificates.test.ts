import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDocumentSigner, createIaca, createIntermediateCa, OID_MDL_DS_EKU, buildX5chain, type SandboxCurve } from '../../src/sandbox/index.js';

const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const NOT_AFTER = new Date('2034-01-01T00:00:00Z');

function ext<T extends x509.Extension>(cert: x509.X509Certificate, type: new (...args: never[]) => T): T | null {
  return cert.getExtension(type as unknown as { new (raw: BufferSource): T });
}

function peculiar(der: Uint8Array): x509.X509Certificate {
  return new x509.X509Certificate(new Uint8Array(der));
}

/** Parsed by node:crypto (OpenSSL), independent of the library that made the certificate. */
function openssl(der: Uint8Array): X509Certificate {
  return new X509Certificate(Buffer.from(der));
}

describe('sandbox IACA', () => {
  it('is a self-signed CA with keyCertSign + cRLSign, SKI, issuerAltName and the chosen country', async () => {
    const iaca = await createIaca({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER, crlDistributionPoint: 'https://sandbox.kakunin.invalid/iaca.crl' });
    const o = openssl(iaca.der);
    expect(o.ca).toBe(true);
    expect(o.subject).toBe(o.issuer);
    expect(o.subject).toContain('C=JP');
    expect(o.verify(o.publicKey)).toBe(true);
    expect(new Date(o.validFrom).toISOString()).toBe(NOT_BEFORE.toISOString());

    const c = peculiar(iaca.der);
    const bc = ext(c, x509.BasicConstraintsExtension)!;
    expect(bc.ca).toBe(true);
    expect(bc.critical).toBe(true);
    expect(bc.pathLength).toBe(0);
    const ku = ext(c, x509.KeyUsagesExtension)!;
    expect(ku.critical).toBe(true);
    expect(ku.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(ext(c, x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(ext(c, x509.IssuerAlternativeNameExtension)?.names.items[0].value).toBe('https://sandbox.kakunin.invalid');
    expect(c.getExtension('2.5.29.31')).not.toBeNull();
    expect(iaca.chain).toEqual([]);
  });

  it('takes another country and breaks its own profile on request', async () => {
    const us = await createIaca({ country: 'US', notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    expect(openssl(us.der).subject).toContain('C=US');
    const notCa = await createIaca({ defects: { notCa: true }, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    expect(openssl(notCa.der).ca).toBe(false);
    const noSign = await createIaca({ defects: { noKeyCertSign: true }, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    const ku = ext(peculiar(noSign.der), x509.KeyUsagesExtension)!;
    expect(ku.usages & x509.KeyUsageFlags.keyCertSign).toBe(0);
  });
});

describe('sandbox document signer', () => {
  for (const curve of ['P-256', 'P-384', 'P-521', 'Ed25519'] as SandboxCurve[]) {
    it(`follows the Annex B DS profile (${curve} IACA and DS)`, async () => {
      const iaca = await createIaca({ curve, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
      const ds = await createDocumentSigner(iaca, { curve });
      const o = openssl(ds.der);
      expect(o.ca).toBe(false);
      expect(o.verify(openssl(iaca.der).publicKey)).toBe(true);
      expect(o.checkIssued(openssl(iaca.der))).toBe(true);
      expect(o.subject).toContain('C=JP');
      expect(o.publicKey.asymmetricKeyType).toBe(curve === 'Ed25519' ? 'ed25519' : 'ec');
      // Validity inside the IACA's.
      expect(ds.notBefore.getTime()).toBeGreaterThanOrEqual(iaca.notBefore.getTime());
      expect(ds.notAfter.getTime()).toBeLessThanOrEqual(iaca.notAfter.getTime());

      const c = peculiar(ds.der);
      const ku = ext(c, x509.KeyUsagesExtension)!;
      expect(ku.critical).toBe(true);
      expect(ku.usages).toBe(x509.KeyUsageFlags.digitalSignature);
      const eku = ext(c, x509.ExtendedKeyUsageExtension)!;
      expect(eku.usages).toEqual([OID_MDL_DS_EKU]);
      expect(ext(c, x509.BasicConstraintsExtension)).toBeNull();
      const aki = ext(c, x509.AuthorityKeyIdentifierExtension)!;
      expect(aki.keyId).toBe(ext(peculiar(iaca.der), x509.SubjectKeyIdentifierExtension)!.keyId);
      expect(ext(c, x509.SubjectKeyIdentifierExtension)).not.toBeNull();
      expect(buildX5chain(ds, iaca)).toEqual([ds.der]);
    });
  }

  it('makes each profile defect on request', async () => {
    const iaca = await createIaca({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    const ca = await createDocumentSigner(iaca, { defects: { ca: true } });
    // OpenSSL's `ca` also wants keyCertSign; the defect is basicConstraints cA=TRUE on a DS.
    expect(ext(peculiar(ca.der), x509.BasicConstraintsExtension)!.ca).toBe(true);

    const wrongEku = await createDocumentSigner(iaca, { defects: { extendedKeyUsage: [x509.ExtendedKeyUsage.serverAuth] } });
    expect(ext(peculiar(wrongEku.der), x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    const noEku = await createDocumentSigner(iaca, { defects: { extendedKeyUsage: [] } });
    expect(ext(peculiar(noEku.der), x509.ExtendedKeyUsageExtension)).toBeNull();

    const otherCountry = await createDocumentSigner(iaca, { country: 'US' });
    expect(openssl(otherCountry.der).subject).toContain('C=US');

    const expired = await createDocumentSigner(iaca, { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-02-01T00:00:00Z') });
    expect(expired.notAfter.toISOString()).toBe('2025-02-01T00:00:00.000Z');
    const future = await createDocumentSigner(iaca, { notBefore: new Date('2030-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') });
    expect(future.notBefore.toISOString()).toBe('2030-01-01T00:00:00.000Z');

    const certSigner = await createDocumentSigner(iaca, { defects: { keyUsage: x509.KeyUsageFlags.keyCertSign } });
    expect(ext(peculiar(certSigner.der), x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.keyCertSign);
  });

  it('chains through an intermediate CA', async () => {
    const iaca = await createIaca({ pathLength: 1, curve: 'P-384', notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    const mid = await createIntermediateCa(iaca);
    const ds = await createDocumentSigner(mid);
    const chain = buildX5chain(ds, mid);
    expect(chain).toHaveLength(2);
    expect(openssl(chain[0]).verify(openssl(chain[1]).publicKey)).toBe(true);
    expect(openssl(chain[1]).verify(openssl(iaca.der).publicKey)).toBe(true);
    expect(openssl(chain[1]).ca).toBe(true);
    expect(ext(peculiar(iaca.der), x509.BasicConstraintsExtension)!.pathLength).toBe(1);
  });
});
