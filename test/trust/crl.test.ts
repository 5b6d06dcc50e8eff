import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { createDocumentSigner, createIaca } from '../../src/sandbox/index.js';
import { crlDistributionPointsOf, parseCertificate } from '../../src/trust/certificate.js';
import { TRUST_CLOCK_SKEW_SECONDS } from '../../src/trust/clock-skew.js';
import { normalizeSerial, parseCrl, verifyCrl } from '../../src/trust/crl.js';
import { RevocationLists } from '../../src/trust/revocation-lists.js';
import { TrustStore } from '../../src/trust/store.js';
import { largeCrl } from '../../bench/scale-fixtures.js';
import { makeCrl } from './helpers/lists.js';

describe('CRL', () => {
  it('reads a 10,000-entry CRL (past the ASN.1 parser default node limit) and finds a revoked serial', async () => {
    const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
    const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01'), notAfter: new Date('2027-01-01') });
    // Written by the scale fixtures' DER writer: @peculiar/x509's generator took ~50 s for 10,000.
    const der = largeCrl(iaca, 10_000, { thisUpdate: new Date('2026-05-31'), nextUpdate: new Date('2026-06-07'), revoked: [{ serial: ds.certificate.serialNumber, date: new Date('2026-05-02') }] });
    const crl = verifyCrl(der, parseCertificate(iaca.der), { at: new Date('2026-06-01') });
    expect(crl.revoked.size).toBe(10_001);
    expect(crl.revoked.get(ds.certificate.serialNumber.replace(/^0+/, '').toLowerCase())?.toISOString()).toBe('2026-05-02T00:00:00.000Z');
  });

  it('rejects trailing bytes and non-CRL input with CRL_MALFORMED', async () => {
    const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
    const der = await makeCrl(iaca, [], new Date('2026-05-31'), new Date('2026-06-07'));
    const padded = new Uint8Array([...der, 0]);
    expect(() => parseCrl(padded)).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
    expect(() => parseCrl(iaca.der)).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
    expect(() => parseCrl(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
  });

  it('reads the J-LIS root CRL distribution point', async () => {
    const { readFileSync } = await import('node:fs');
    const { readCertificates } = await import('../../src/trust/certificate.js');
    const der = readCertificates(readFileSync(new URL('../../certs/jp-jlis/mncmdocRootCA.pem', import.meta.url)))[0];
    expect(crlDistributionPointsOf(parseCertificate(der))).toEqual({ urls: ['https://dts.mdoc-iaca.digital.go.jp/certificate/latest/mnc.crl'] });
  });

  it('tolerates TRUST_CLOCK_SKEW_SECONDS of clock difference on thisUpdate, and no more', async () => {
    const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
    const at = new Date('2026-06-01T00:00:00Z');
    const issuedIn = (s: number) => makeCrl(iaca, [], new Date(at.getTime() + s * 1000), new Date('2026-06-07'));
    expect(verifyCrl(await issuedIn(TRUST_CLOCK_SKEW_SECONDS - 1), parseCertificate(iaca.der), { at }).revoked.size).toBe(0);
    expect(() => verifyCrl(new Uint8Array(0), parseCertificate(iaca.der), { at })).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
    const late = await issuedIn(TRUST_CLOCK_SKEW_SECONDS + 1);
    expect(() => verifyCrl(late, parseCertificate(iaca.der), { at })).toThrow(expect.objectContaining({ code: 'CRL_EXPIRED' }));
  });

  it('normalizes serials the way CRLs, certificates and VICALs print them', () => {
    expect(normalizeSerial('00AB01')).toBe('ab01');
    expect(normalizeSerial('0')).toBe('0');
    expect(normalizeSerial('000')).toBe('0');
  });

  describe('partitioned and other CRLs that cannot speak for a document signer', () => {
    const at = new Date('2026-06-01T00:00:00Z');
    const idp = (hex: string) => new x509.Extension('2.5.29.28', true, Buffer.from(hex, 'hex'));
    const cases: [string, x509.Extension][] = [
      ['onlyContainsCACerts', idp('30038201ff')],
      ['onlySomeReasons', idp('3004830207 80'.replace(' ', ''))],
      ['indirectCRL', idp('30038401ff')],
      ['onlyContainsAttributeCerts', idp('30038501ff')],
      ['an unknown critical extension', new x509.Extension('1.2.3.4', true, Buffer.from('0500', 'hex'))],
      ['a delta CRL', new x509.Extension('2.5.29.27', true, Buffer.from('020101', 'hex'))],
    ];
    for (const [what, ext] of cases) {
      it(`${what}: CRL_UNSUPPORTED, and the document signer stays unavailable, never good`, async () => {
        const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
        const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01'), notAfter: new Date('2027-01-01') });
        const der = await makeCrl(iaca, [], new Date('2026-05-31'), new Date('2026-06-07'), [ext]);
        expect(() => verifyCrl(der, parseCertificate(iaca.der), { at })).toThrow(expect.objectContaining({ code: 'CRL_UNSUPPORTED' }));
        const lists = new RevocationLists({ trust: TrustStore.fromCertificates([iaca.der]), unavailablePolicy: 'fail' });
        const target = { url: 'http://crl.example/iaca.crl', kind: 'crl' as const, issuer: iaca.der };
        expect(() => lists.accept(target, der, at)).toThrow(expect.objectContaining({ code: 'CRL_UNSUPPORTED' }));
        expect(lists.checkCertificate(ds.der, iaca.der, at).status).toBe('unavailable');
      });
    }

    it('a CRL limited to end-entity certificates (onlyContainsUserCerts) still answers for a document signer', async () => {
      const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
      const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01'), notAfter: new Date('2027-01-01') });
      const der = await makeCrl(iaca, [{ serial: ds.certificate.serialNumber, date: new Date('2026-05-01') }], new Date('2026-05-31'), new Date('2026-06-07'), [idp('30038101ff')]);
      const lists = new RevocationLists({ trust: TrustStore.fromCertificates([iaca.der]), unavailablePolicy: 'fail' });
      lists.accept({ url: 'http://crl.example/iaca.crl', kind: 'crl', issuer: iaca.der }, der, at);
      expect(lists.checkCertificate(ds.der, iaca.der, at).status).toBe('revoked');
    });

    it('a malformed IssuingDistributionPoint is CRL_MALFORMED', async () => {
      const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
      const der = await makeCrl(iaca, [], new Date('2026-05-31'), new Date('2026-06-07'), [idp('3005820 1ff'.replace(' ', ''))]);
      expect(() => parseCrl(der)).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
    });
  });
});
