/**
 * The fixtures `npm run bench:scale` builds at deployment size, built here small: each must be what it
 * claims (a CRL the verifier reads and that lists the revoked signer, a status list that revokes the
 * indices it says, anchors a trust store loads, portraits of the size asked), so that the benchmark
 * measures real work and cannot rot while CI never runs it.
 */
import { describe, expect, it } from 'vitest';
import {
  createScaleIssuer,
  fillerAnchors,
  fillerRevoked,
  fillerSerial,
  largeCrl,
  largeStatusList,
  portraitOfSize,
  SCALE_AT,
  SCALE_TRANSCRIPT,
  scaleMdoc,
  statusListAtLimit,
  scaleResponse,
} from '../../bench/scale-fixtures.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { MNC_DOCTYPE } from '../../src/sandbox/index.js';
import { parseCertificate } from '../../src/trust/certificate.js';
import { verifyCrl } from '../../src/trust/crl.js';
import { RevocationLists } from '../../src/trust/revocation-lists.js';
import { MAX_LIST_BYTES, statusAt, verifyStatusListToken, type StatusList } from '../../src/trust/status-list.js';
import { TrustStore } from '../../src/trust/store.js';

const WINDOW = { thisUpdate: new Date('2026-05-31T00:00:00Z'), nextUpdate: new Date('2026-06-07T00:00:00Z') };

describe('scale fixtures (small sizes)', () => {
  it('a CRL of filler serials plus a real one verifies and lists exactly those', async () => {
    const issuer = await createScaleIssuer();
    const der = largeCrl(issuer.iaca, 1000, { ...WINDOW, revoked: [{ serial: issuer.ds.certificate.serialNumber, date: new Date('2026-05-02T00:00:00Z') }] });
    const crl = verifyCrl(der, parseCertificate(issuer.iaca.der), { at: SCALE_AT });
    expect(crl.revoked.size).toBe(1001);
    expect(crl.revoked.get(fillerSerial(0).toString('hex'))?.toISOString()).toBe('2026-05-01T00:00:00.000Z');
    expect(crl.revoked.get(fillerSerial(999).toString('hex'))).toBeDefined();
    expect(crl.revoked.get(fillerSerial(1000).toString('hex'))).toBeUndefined();
    expect(crl.revoked.get(issuer.ds.certificate.serialNumber)?.toISOString()).toBe('2026-05-02T00:00:00.000Z');
    // Entries with and without a reasonCode, as real CRLs mix them: about 42 bytes each.
    expect(der.length).toBeGreaterThan(1000 * 35);
    expect(der.length).toBeLessThan(1000 * 50 + 1000);
  });

  it('a status list of 1,000 entries revokes the filler indices and those asked, no others', async () => {
    const issuer = await createScaleIssuer();
    const bytes = largeStatusList(issuer, 1000, { iat: WINDOW.thisUpdate, revokedIndices: [7] });
    const list = verifyStatusListToken(bytes, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: issuer.statusListUrl }) as StatusList;
    expect(list.kind).toBe('status_list');
    for (let i = 0; i < 1000; i++) expect(statusAt(list, i)).toBe(i === 7 || fillerRevoked(i) ? 1 : 0);
    expect(statusAt(list, 1000)).toBeUndefined(); // 1,000 bits: 125 bytes, no padding
    expect(Array.from({ length: 1000 }, (_, i) => fillerRevoked(i)).filter(Boolean).length).toBeGreaterThan(3);
  });

  it('the status list at the size limit is within it, verifies, and its first entries are good', async () => {
    const issuer = await createScaleIssuer();
    const bytes = statusListAtLimit(issuer, { iat: WINDOW.thisUpdate });
    expect(bytes.length).toBeLessThanOrEqual(MAX_LIST_BYTES);
    expect(bytes.length).toBeGreaterThan(MAX_LIST_BYTES - 200_000);
    const list = verifyStatusListToken(bytes, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: issuer.statusListUrl }) as StatusList;
    for (let i = 0; i < 8; i++) expect(statusAt(list, i)).toBe(0);
    expect(list.lst.length).toBe(MAX_LIST_BYTES - 100_000);
  });

  it('filler anchors load into a trust store, each its own anchor', async () => {
    const anchors = await fillerAnchors(3);
    const store = TrustStore.fromCertificates(anchors, { set: 'scale' });
    expect(store.anchors).toHaveLength(3);
    expect(new Set(store.anchors.map((a) => a.certificate.subject)).size).toBe(3);
    // Each a well-formed self-signed CA whose signature verifies (re-signed after its names changed).
    for (const a of store.anchors) {
      expect(a.certificate.subject).toBe(a.certificate.issuer);
      expect(a.certificate.node.verify(a.certificate.publicKey)).toBe(true);
    }
  });

  it('portraits are JPEG-framed and exactly the size asked', () => {
    for (const size of [50_000, 100_000]) {
      const p = portraitOfSize(size);
      expect(p.length).toBe(size);
      expect([p[0], p[1], p[p.length - 2], p[p.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    }
  });

  it('responses of 1 and 2 documents with a portrait and a status verify, with every check run, and a listed one is revoked', async () => {
    const issuer = await createScaleIssuer();
    const trust = TrustStore.fromCertificates([issuer.iaca.der, ...(await fillerAnchors(2))], { set: 'scale', docTypes: [MNC_DOCTYPE] });
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    lists.accept({ url: issuer.crlUrl, kind: 'crl', issuer: issuer.iaca.der }, largeCrl(issuer.iaca, 10, WINDOW), SCALE_AT);
    lists.accept({ url: issuer.statusListUrl, kind: 'status_list', anchor: issuer.iaca.der }, largeStatusList(issuer, 1000, { iat: WINDOW.thisUpdate, revokedIndices: [7] }), SCALE_AT);
    const good = 1;
    expect(fillerRevoked(good)).toBe(false);
    const mdoc = await scaleMdoc(issuer, { portraitBytes: 50_000, statusIndex: good });
    for (const docs of [[mdoc], [mdoc, await scaleMdoc(issuer, { statusIndex: good })]]) {
      const bytes = scaleResponse(docs);
      const r = verifyDeviceResponse(bytes, { trust, at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT, revocation: lists });
      expect(r.errors).toEqual([]);
      expect(r.documents).toHaveLength(docs.length);
      for (const d of r.documents) expect(d.checks.filter((c) => c.status !== 'pass')).toEqual([]);
      expect(r.documents[0].checks.map((c) => c.check)).toEqual(expect.arrayContaining(['issuer_revocation', 'status']));
    }
    expect(scaleResponse([mdoc]).length).toBeGreaterThan(50_000);
    const revoked = verifyDeviceResponse(scaleResponse([await scaleMdoc(issuer, { statusIndex: 7 })]), { trust, at: SCALE_AT, sessionTranscript: SCALE_TRANSCRIPT, revocation: lists });
    expect(revoked.errors.map((e) => e.code)).toEqual(['STATUS_REVOKED']);
  });
});
