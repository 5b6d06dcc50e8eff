/**
 * The CRL reader that serves large CRLs: entries read by hand into a table of offsets (not a Map of
 * strings), the same answers as the ASN.1 library gave, and an asynchronous reader that lets the
 * event loop run while a large CRL loads.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { createScaleIssuer, fillerSerial, largeCrl } from '../../bench/scale-fixtures.js';
import { TrustRefresher } from '../../src/runtime/refresher.js';
import { createIaca } from '../../src/sandbox/index.js';
import { parseCertificate } from '../../src/trust/certificate.js';
import { parseCrl, parseCrlAsync, verifyCrl, verifyCrlAsync } from '../../src/trust/crl.js';
import { RevocationLists } from '../../src/trust/revocation-lists.js';
import { TrustStore } from '../../src/trust/store.js';

const AT = new Date('2026-06-01T00:00:00Z');
const WINDOW = { thisUpdate: new Date('2026-05-31T00:00:00Z'), nextUpdate: new Date('2026-06-07T00:00:00Z') };

async function peculiarCrl(entries: x509.X509CrlEntryParams[]): Promise<{ der: Uint8Array; iaca: Awaited<ReturnType<typeof createIaca>> }> {
  const iaca = await createIaca({ notBefore: new Date('2025-01-01'), notAfter: new Date('2035-01-01') });
  const crl = await x509.X509CrlGenerator.create(
    { issuer: iaca.certificate.subject, ...WINDOW, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, signingKey: iaca.keys.cryptoKeys.privateKey, entries },
    crypto,
  );
  return { der: new Uint8Array(crl.rawData), iaca };
}

describe('CRL entries read by hand', () => {
  it('finds serials however they are printed, with their dates (UTCTime and GeneralizedTime), and not others', async () => {
    const { der, iaca } = await peculiarCrl([
      { serialNumber: '00ab01', revocationDate: new Date('2026-05-01T10:20:30Z') },
      { serialNumber: '7f', revocationDate: new Date('2051-02-03T00:00:00Z'), reason: x509.X509CrlReason.keyCompromise },
      { serialNumber: '0102030405060708090a0b0c0d0e0f1011121314', revocationDate: new Date('2026-05-02T00:00:00Z'), invalidity: new Date('2026-04-01T00:00:00Z') },
    ]);
    const crl = verifyCrl(der, parseCertificate(iaca.der), { at: AT });
    expect(crl.revoked.size).toBe(3);
    expect(crl.revoked.get('AB01')?.toISOString()).toBe('2026-05-01T10:20:30.000Z');
    expect(crl.revoked.get('00ab01')?.toISOString()).toBe('2026-05-01T10:20:30.000Z');
    // 2051 is past UTCTime's range: written as GeneralizedTime.
    expect(crl.revoked.get('7f')?.toISOString()).toBe('2051-02-03T00:00:00.000Z');
    expect(crl.revoked.get('102030405060708090a0b0c0d0e0f1011121314')?.toISOString()).toBe('2026-05-02T00:00:00.000Z');
    expect(crl.revoked.get('ab02')).toBeUndefined();
    expect(crl.revoked.get('ab')).toBeUndefined();
    expect(crl.revoked.get('not hex')).toBeUndefined();
  });

  it('a critical entry extension (certificateIssuer of an indirect CRL) is CRL_UNSUPPORTED', async () => {
    const { der } = await peculiarCrl([{ serialNumber: '01', revocationDate: new Date('2026-05-01T00:00:00Z'), extensions: [new x509.Extension('2.5.29.29', true, Buffer.from('3000', 'hex'))] }]);
    expect(() => parseCrl(der)).toThrow(expect.objectContaining({ code: 'CRL_UNSUPPORTED', message: expect.stringContaining('2.5.29.29') }));
  });

  it('the same serial twice: the later entry answers', async () => {
    // @peculiar/x509 refuses to write this; an issuer's own software might not.
    const issuer = await createScaleIssuer();
    const der = largeCrl(issuer.iaca, 0, {
      ...WINDOW,
      revoked: [
        { serial: '05', date: new Date('2026-05-01T00:00:00Z') },
        { serial: '05', date: new Date('2026-05-03T00:00:00Z') },
      ],
    });
    const crl = parseCrl(der);
    expect(crl.revoked.size).toBe(1);
    expect(crl.revoked.get('5')?.toISOString()).toBe('2026-05-03T00:00:00.000Z');
  });

  it('a malformed entry is CRL_MALFORMED: a bad date, a length past its entry', async () => {
    const issuer = await createScaleIssuer();
    const der = largeCrl(issuer.iaca, 3, WINDOW);
    // The first entry's date: 13 ASCII bytes after the 16-byte serial. Month 13 is no date.
    const bad = new Uint8Array(der);
    const at = Buffer.from(bad).indexOf(Buffer.from('260501000000Z', 'latin1'));
    bad[at + 2] = 0x31;
    bad[at + 3] = 0x33;
    expect(() => parseCrl(bad)).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
    const long = new Uint8Array(der);
    const serialAt = Buffer.from(long).indexOf(fillerSerial(0));
    long[serialAt - 1] = 0x7f; // the serial's length now runs past its entry
    expect(() => parseCrl(long)).toThrow(expect.objectContaining({ code: 'CRL_MALFORMED' }));
  });
});

describe('loading a large CRL lets the event loop run', () => {
  it('parseCrlAsync pauses between slices and reads the same CRL as parseCrl', async () => {
    const issuer = await createScaleIssuer();
    const der = largeCrl(issuer.iaca, 100_000, { ...WINDOW, revoked: [{ serial: issuer.ds.certificate.serialNumber, date: new Date('2026-05-02') }] });
    let pauses = 0;
    const crl = await parseCrlAsync(der, async () => {
      pauses++;
    });
    expect(pauses).toBeGreaterThanOrEqual(100);
    expect(crl.revoked.size).toBe(parseCrl(der).revoked.size);
    expect(crl.revoked.size).toBe(100_001);
    expect(crl.revoked.get(issuer.ds.certificate.serialNumber)?.toISOString()).toBe('2026-05-02T00:00:00.000Z');
    expect(crl.revoked.get(fillerSerial(99_999).toString('hex'))).toBeDefined();
    const pause = async () => undefined;
    await expect(verifyCrlAsync(der, parseCertificate(issuer.ds.der), { at: AT, pause })).rejects.toMatchObject({ code: 'CRL_UNTRUSTED' });
    const tampered = new Uint8Array(der);
    tampered[tampered.length - 10] ^= 1;
    await expect(verifyCrlAsync(tampered, parseCertificate(issuer.iaca.der), { at: AT, pause })).rejects.toMatchObject({ code: 'CRL_SIGNATURE_INVALID' });
    expect((await verifyCrlAsync(der, parseCertificate(issuer.iaca.der), { at: AT, pause })).revoked.size).toBe(100_001);
  });

  it('a CRL whose signature fails gets no lookup table: the serials, which pick its slots, are trusted only once signed', async () => {
    // A forged CRL (distribution points are plain HTTP) could choose serials that all share a slot:
    // n² probes. Counted by the reader's pauses: the table's slices come after the signature check.
    const issuer = await createScaleIssuer();
    const der = largeCrl(issuer.iaca, 100_000, WINDOW);
    const forged = new Uint8Array(der);
    forged[forged.length - 10] ^= 1; // in the signature
    const count = async (input: Uint8Array) => {
      let pauses = 0;
      const pause = async () => {
        pauses++;
      };
      const outcome = await verifyCrlAsync(input, parseCertificate(issuer.iaca.der), { at: AT, pause }).then(
        (crl) => crl.revoked.size,
        (e: { code: string }) => e.code,
      );
      return { outcome, pauses };
    };
    const valid = await count(der);
    const refused = await count(forged);
    expect(valid.outcome).toBe(100_000);
    expect(refused.outcome).toBe('CRL_SIGNATURE_INVALID');
    // 100,000 entries are 25 slices of the table (4,000 each), 24 pauses between them: none for the forged one.
    expect(valid.pauses - refused.pauses).toBe(24);
    expect(() => verifyCrl(forged, parseCertificate(issuer.iaca.der), { at: AT })).toThrow(expect.objectContaining({ code: 'CRL_SIGNATURE_INVALID' }));
  });

  it("the refresher's load of a 200,000-entry CRL lets timers fire while it reads it, and the CRL then answers", async () => {
    const issuer = await createScaleIssuer();
    const der = largeCrl(issuer.iaca, 200_000, { ...WINDOW, revoked: [{ serial: issuer.ds.certificate.serialNumber, date: new Date('2026-05-02') }] });
    const lists = new RevocationLists({ trust: TrustStore.fromCertificates([issuer.iaca.der]), unavailablePolicy: 'fail' });
    let ticks = 0;
    let timer: NodeJS.Timeout | undefined;
    const refresher = new TrustRefresher({
      lists,
      now: () => AT,
      intervalMs: 60_000,
      // Ticks are counted from when the bytes arrive: what runs after is the load alone.
      fetch: async () => {
        timer = setInterval(() => ticks++, 1);
        return der;
      },
    });
    lists.want({ url: issuer.crlUrl, kind: 'crl', issuer: issuer.iaca.der });
    const results = await refresher.refreshOnce();
    clearInterval(timer);
    expect(results).toEqual([{ url: issuer.crlUrl, kind: 'crl', ok: true }]);
    // Read at once (the whole load in one turn of the event loop), no timer would fire in between.
    expect(ticks).toBeGreaterThan(0);
    expect(lists.checkCertificate(issuer.ds.der, issuer.iaca.der, AT).status).toBe('revoked');
  });
});
