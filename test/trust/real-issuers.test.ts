/**
 * Certificates as real issuers make them: document-signer usages per docType (18013-5 Annex B for
 * the mDL, 23220-4 for the rest), malformed non-critical extensions, unknown critical ones, trust
 * folders with a bad file, docTypes that belong to one authority, a re-keyed IACA. Every
 * certificate here is made on purpose by the sandbox issuer (src/sandbox/certificates.ts quirks).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/cbor/encode.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import {
  createDeviceResponse,
  createDocumentSigner,
  createIaca,
  createIntermediateCa,
  MDL_DOCTYPE,
  MNC_DOCTYPE,
  OID_MDL_DS_EKU,
  OID_MDOC_DS_EKU,
  buildX5chain,
  type SandboxCa,
} from '../../src/sandbox/index.js';
import { CERTIFICATE_LIMITS, crlDistributionPointsOf, parseCertificate } from '../../src/trust/certificate.js';
import { cachedPathCount, verifyIssuerChain } from '../../src/trust/chain.js';
import { DOCUMENT_SIGNER_PROFILES, documentSignerUsages } from '../../src/trust/document-signer-profiles.js';
import { RevocationLists } from '../../src/trust/revocation-lists.js';
import { TrustStore } from '../../src/trust/store.js';
import { loadTrustStore } from '../../src/runtime/trust-folder.js';
import { AT, DS_VALIDITY, IACA_VALIDITY, issueSample } from '../helpers/sandbox-issuer.js';
import type { IssuedMdoc } from '../../src/sandbox/index.js';
import { checkMap, VECTORS } from '../helpers/vectors.js';

const PHOTO_ID = 'org.iso.23220.photoid.1';
const PID = 'eu.europa.ec.eudi.pid.1';
const AV = 'eu.europa.ec.av.1';
const OTHER = 'com.example.membership.1';
const READER_AUTH = '1.0.18013.5.1.6';
/** Any SessionTranscript: the device signs over it and the verifier is given the same. */
const TRANSCRIPT = encodeCbor([null, null, ['kakunin-test', 'real-issuers']]);

function present(mdoc: IssuedMdoc): { bytes: Uint8Array; sessionTranscript: Uint8Array } {
  return { bytes: createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] }), sessionTranscript: TRANSCRIPT };
}

let iaca: SandboxCa;
/** A production-like anchor (not a test anchor) that may sign anything but the sole-authority docTypes. */
let store: TrustStore;
beforeAll(async () => {
  iaca = await createIaca({ ...IACA_VALIDITY, pathLength: 1 });
  store = TrustStore.fromCertificates([iaca.der], { name: 'state IACA', set: 'issuers' });
});

describe('document signer usage per docType', () => {
  // Expected verdicts, written out: [docType][signer EKU set] -> pass, or the failure code.
  const sets: Record<string, string[]> = {
    'mDL only': [OID_MDL_DS_EKU],
    '23220-4 only': [OID_MDOC_DS_EKU],
    both: [OID_MDL_DS_EKU, OID_MDOC_DS_EKU],
    none: [],
    'reader auth by mistake': [READER_AUTH],
  };
  const expected: Record<string, Record<string, string>> = {
    [MDL_DOCTYPE]: { 'mDL only': 'pass', '23220-4 only': 'ISSUER_CERT_PROFILE', both: 'pass', none: 'ISSUER_CERT_PROFILE', 'reader auth by mistake': 'ISSUER_CERT_PROFILE' },
    [MNC_DOCTYPE]: { 'mDL only': 'pass', '23220-4 only': 'pass', both: 'pass', none: 'ISSUER_CERT_PROFILE', 'reader auth by mistake': 'ISSUER_CERT_PROFILE' },
    [PHOTO_ID]: { 'mDL only': 'pass', '23220-4 only': 'pass', both: 'pass', none: 'ISSUER_CERT_PROFILE', 'reader auth by mistake': 'ISSUER_CERT_PROFILE' },
    [PID]: { 'mDL only': 'pass', '23220-4 only': 'pass', both: 'pass', none: 'ISSUER_CERT_PROFILE', 'reader auth by mistake': 'ISSUER_CERT_PROFILE' },
    [AV]: { 'mDL only': 'pass', '23220-4 only': 'pass', both: 'pass', none: 'ISSUER_CERT_PROFILE', 'reader auth by mistake': 'ISSUER_CERT_PROFILE' },
    [OTHER]: { 'mDL only': 'pass', '23220-4 only': 'pass', both: 'pass', none: 'ISSUER_CERT_PROFILE', 'reader auth by mistake': 'ISSUER_CERT_PROFILE' },
  };
  const signers = new Map<string, Uint8Array[]>();
  beforeAll(async () => {
    for (const [name, eku] of Object.entries(sets)) signers.set(name, buildX5chain(await createDocumentSigner(iaca, { ...DS_VALIDITY, defects: { extendedKeyUsage: eku } }), iaca));
  });
  // The sole-authority rule is its own test below: here the anchor lists every docType.
  const listing = () => TrustStore.fromCertificates([iaca.der], { name: 'listing IACA', set: 'issuers', docTypes: Object.keys(expected) });

  for (const [docType, row] of Object.entries(expected)) {
    it(`${docType}: ${Object.entries(row)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`, () => {
      const trust = listing();
      for (const [name, verdict] of Object.entries(row)) {
        const r = verifyIssuerChain(signers.get(name)!, trust, AT, docType);
        expect(r.chain, `${docType} / ${name}`).toBeUndefined();
        expect(r.profile?.code ?? 'pass', `${docType} / ${name}`).toBe(verdict);
      }
    });
  }

  it('names the docType, the accepted usages and the usages found', () => {
    const r = verifyIssuerChain(signers.get('reader auth by mistake')!, listing(), AT, MNC_DOCTYPE);
    expect(r.profile!.message).toBe(
      `document signer for ${MNC_DOCTYPE} needs extendedKeyUsage 1.0.23220.4.1.2 or 1.0.18013.5.1.2; it has 1.0.18013.5.1.6 (reader authentication, which never signs documents)`,
    );
    expect(verifyIssuerChain(signers.get('23220-4 only')!, listing(), AT, MDL_DOCTYPE).profile!.message).toMatch(/needs extendedKeyUsage 1\.0\.18013\.5\.1\.2; it has 1\.0\.23220\.4\.1\.2$/);
  });

  it('an anchor side file can replace the usages for its documents (documentSignerEku)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-eku-'));
    writeFileSync(join(dir, 'iaca.pem'), iaca.pem);
    writeFileSync(join(dir, 'iaca.json'), JSON.stringify({ documentSignerEku: ['1.3.6.1.4.1.99999.7'], docTypes: [MDL_DOCTYPE] }));
    const custom = loadTrustStore([dir]);
    expect(custom.anchors[0].documentSignerEku).toEqual(['1.3.6.1.4.1.99999.7']);
    const own = buildX5chain(await createDocumentSigner(iaca, { ...DS_VALIDITY, defects: { extendedKeyUsage: ['1.3.6.1.4.1.99999.7'] } }), iaca);
    expect(verifyIssuerChain(own, custom, AT, MDL_DOCTYPE).profile).toBeUndefined();
    expect(verifyIssuerChain(signers.get('mDL only')!, custom, AT, MDL_DOCTYPE).profile?.code).toBe('ISSUER_CERT_PROFILE');
  });

  it('every profile row names its source', () => {
    for (const p of DOCUMENT_SIGNER_PROFILES) expect(p.source.length).toBeGreaterThan(20);
    expect(documentSignerUsages(MDL_DOCTYPE)).toEqual([OID_MDL_DS_EKU]);
  });

  it('a My Number Card signed by a 23220-4-only signer verifies end to end (the old mDL-only rule rejected it)', async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, extendedKeyUsage: [OID_MDOC_DS_EKU] });
    const mdoc = await issueSample(ds, MNC_DOCTYPE, { chain: iaca.chain });
    const trust = TrustStore.fromCertificates([iaca.der], { name: 'J-LIS stand-in', set: 'jp-jlis', docTypes: [MNC_DOCTYPE] });
    const { bytes, sessionTranscript } = present(mdoc);
    const r = verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript });
    expect(r.errors).toEqual([]);
    expect(checkMap(r).issuer_certificate_profile).toBe('pass');
  });
});

describe('certificates with malformed non-critical extensions', () => {
  it('a double-wrapped CRLDistributionPoints hides nothing else; revocation reports it as the reason', async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, quirks: { doubleWrappedCrlDistributionPoint: 'https://crl.example/ds.crl' } });
    const parsed = parseCertificate(ds.der);
    expect(parsed.unusable).toBeUndefined();
    expect(crlDistributionPointsOf(parsed)).toEqual({ urls: [], malformed: expect.stringMatching(/CRL distribution points extension is malformed/) });
    const r = verifyIssuerChain(buildX5chain(ds, iaca), store, AT, MDL_DOCTYPE);
    expect(r.chain).toBeUndefined();
    expect(r.profile).toBeUndefined();
    // With revocation on: no CRL known for the IACA, and the DS's pointer cannot be read.
    const lists = new RevocationLists({ trust: store, unavailablePolicy: 'fail' });
    expect(lists.checkCertificate(ds.der, iaca.der, AT)).toEqual({
      status: 'unavailable',
      message: "no CRL is known for this issuer and the certificate's CRL distribution points extension is malformed",
    });
  });

  it('an issuerAltName holding a whole Extension: the document verifies', async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, quirks: { issuerAltNameAsExtension: true } });
    expect(parseCertificate(ds.der).extensions.some((e) => e.oid === '2.5.29.18')).toBe(true);
    const mdoc = await issueSample(ds, MDL_DOCTYPE, { chain: iaca.chain });
    const { bytes, sessionTranscript } = present(mdoc);
    const r = verifyDeviceResponse(bytes, { trust: store, at: AT, sessionTranscript });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('@peculiar/x509 alone cannot read such certificates (why certificate.ts decodes extensions one by one)', async () => {
    const x509 = await import('../../src/trust/x509.js');
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, quirks: { doubleWrappedCrlDistributionPoint: 'https://crl.example/ds.crl' } });
    expect(() => new x509.X509Certificate(new Uint8Array(ds.der)).getExtension(x509.CRLDistributionPointsExtension)).toThrow();
  });
});

describe('critical extensions (RFC 5280 §4.2)', () => {
  it('an unknown critical extension on the DS: ISSUER_CERT_PROFILE naming it', async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, quirks: { unknownCriticalExtension: '1.3.6.1.4.1.99999.42' } });
    const r = verifyIssuerChain(buildX5chain(ds, iaca), store, AT, MDL_DOCTYPE);
    expect(r.profile).toEqual({ code: 'ISSUER_CERT_PROFILE', message: expect.stringContaining('critical extension 1.3.6.1.4.1.99999.42 is not processed by this verifier') });
  });

  it('an unknown critical extension on an intermediate CA: ISSUER_CERT_PROFILE', async () => {
    const mid = await createIntermediateCa(iaca, { quirks: { unknownCriticalExtension: '1.3.6.1.4.1.99999.43' } });
    const ds = await createDocumentSigner(mid, DS_VALIDITY);
    const r = verifyIssuerChain(buildX5chain(ds, mid), store, AT, MDL_DOCTYPE);
    expect(r.chain).toBeUndefined();
    expect(r.profile?.message).toMatch(/intermediate CA.*critical extension 1\.3\.6\.1\.4\.1\.99999\.43 is not processed/);
  });

  it('critical name constraints are not enforced here, so they are refused', async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, quirks: { unknownCriticalExtension: '2.5.29.30' } });
    expect(verifyIssuerChain(buildX5chain(ds, iaca), store, AT, MDL_DOCTYPE).profile?.message).toMatch(/critical extension 2\.5\.29\.30 is not processed/);
  });
});

describe('limits before parsing (hostile certificates are cheap)', () => {
  it(`a certificate over ${CERTIFICATE_LIMITS.bytes} bytes: ISSUER_CERT_PROFILE with the limit, in microseconds`, async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, quirks: { paddingExtensionBytes: 480_000 } });
    const started = process.hrtime.bigint();
    const r = verifyIssuerChain(buildX5chain(ds, iaca), store, AT, MDL_DOCTYPE);
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    expect(r.chain).toEqual({ code: 'ISSUER_CERT_PROFILE', message: expect.stringContaining(`over the limit of ${CERTIFICATE_LIMITS.bytes}`) });
    // Not a timing assertion on speed (benchmarks do that); only far from the 350 ms a full parse took.
    expect(micros).toBeLessThan(50_000);
  });

  it(`a name with more than ${CERTIFICATE_LIMITS.nameAttributes} attributes: refused before it is used`, async () => {
    const x509 = await import('../../src/trust/x509.js');
    const { webcrypto } = await import('node:crypto');
    const crypto = webcrypto as unknown as Crypto;
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const name = Array.from({ length: 40 }, (_, i) => `OU=unit ${i}`).join(', ') + ', C=JP';
    const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } }, crypto);
    expect(() => parseCertificate(new Uint8Array(cert.rawData))).toThrow(/subject name has 41 attributes, over the limit of 32/);
  });

  it('paths that do not reach an anchor are not kept; paths that do are', async () => {
    const stranger = await createIaca(IACA_VALIDITY);
    const fresh = TrustStore.fromCertificates([iaca.der], { set: 'issuers' });
    const ds = await createDocumentSigner(stranger, DS_VALIDITY);
    verifyIssuerChain(buildX5chain(ds, stranger), fresh, AT, MDL_DOCTYPE);
    expect(cachedPathCount(fresh)).toBe(0);
    const good = await createDocumentSigner(iaca, DS_VALIDITY);
    verifyIssuerChain(buildX5chain(good, iaca), fresh, AT, MDL_DOCTYPE);
    expect(cachedPathCount(fresh)).toBe(1);
  });

  it('a kept path serves only the same certificates byte for byte: one byte changed before the signature is checked afresh', async () => {
    const fresh = TrustStore.fromCertificates([iaca.der], { set: 'issuers' });
    const good = await createDocumentSigner(iaca, DS_VALIDITY);
    const x5chain = buildX5chain(good, iaca);
    expect(verifyIssuerChain(x5chain, fresh, AT, MDL_DOCTYPE).chain).toBeUndefined();
    expect(cachedPathCount(fresh)).toBe(1);
    // Same length, same last bytes (the lookup's fingerprint), one byte of the serial number changed:
    // the signature no longer covers it, so no anchor issued it.
    const forged = new Uint8Array(x5chain[0]);
    forged[15] ^= 0x01;
    const r = verifyIssuerChain([forged, ...x5chain.slice(1)], fresh, AT, MDL_DOCTYPE);
    expect(r.anchor).toBeUndefined();
    expect(r.chain?.code).toBe('ISSUER_CERT_UNTRUSTED');
    expect(cachedPathCount(fresh)).toBe(1);
    expect(verifyIssuerChain(x5chain, fresh, AT, MDL_DOCTYPE).chain).toBeUndefined();
  });

  it("a kept path's signer profile follows each call's docType", async () => {
    const fresh = TrustStore.fromCertificates([iaca.der], { set: 'issuers' });
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, extendedKeyUsage: [OID_MDOC_DS_EKU] });
    const x5chain = buildX5chain(ds, iaca);
    for (let i = 0; i < 2; i++) {
      expect(verifyIssuerChain(x5chain, fresh, AT, PHOTO_ID).profile).toBeUndefined();
      expect(verifyIssuerChain(x5chain, fresh, AT, MDL_DOCTYPE).profile?.code).toBe('ISSUER_CERT_PROFILE');
      expect(verifyIssuerChain(x5chain, fresh, AT, MDL_DOCTYPE).profile?.code).toBe('ISSUER_CERT_PROFILE');
    }
    expect(cachedPathCount(fresh)).toBe(1);
  });
});

describe('docTypes that belong to one authority', () => {
  it('a My Number Card under a trusted anchor that does not list it: ISSUER_CERT_UNTRUSTED', async () => {
    const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, extendedKeyUsage: [OID_MDOC_DS_EKU] });
    const r = verifyIssuerChain(buildX5chain(ds, iaca), store, AT, MNC_DOCTYPE);
    expect(r.chain).toEqual({ code: 'ISSUER_CERT_UNTRUSTED', message: expect.stringContaining('org.iso.23220.1.jp.mnc is issued only by J-LIS') });
    // The same anchor still signs other docTypes, and an anchor that lists jp.mnc signs it.
    expect(verifyIssuerChain(buildX5chain(ds, iaca), store, AT, PHOTO_ID).chain).toBeUndefined();
    const jlis = TrustStore.fromCertificates([iaca.der], { set: 'jp-jlis', docTypes: [MNC_DOCTYPE] });
    expect(verifyIssuerChain(buildX5chain(ds, iaca), jlis, AT, MNC_DOCTYPE).chain).toBeUndefined();
    // Test anchors (sandbox and test sets, loaded only in sandbox or test mode) stand in for J-LIS.
    const sandbox = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
    expect(verifyIssuerChain(buildX5chain(ds, iaca), sandbox, AT, MNC_DOCTYPE).chain).toBeUndefined();
  });

  it('the shipped J-LIS anchor lists jp.mnc, and no other shipped anchor may sign it', () => {
    const shipped = loadTrustStore([new URL('../../certs', import.meta.url).pathname]);
    const signers = shipped.anchors.filter((a) => a.docTypes?.includes(MNC_DOCTYPE));
    expect(signers.map((a) => a.set)).toEqual(['jp-jlis']);
  });
});

describe('an IACA re-keyed under the same subject name', () => {
  it('documents under the old and the new key both chain, each to its own anchor', async () => {
    const old = await createIaca({ ...IACA_VALIDITY, commonName: 'State IACA' });
    const rekeyed = await createIaca({ ...IACA_VALIDITY, commonName: 'State IACA' });
    expect(rekeyed.certificate.subject).toBe(old.certificate.subject);
    const both = new TrustStore([
      ...TrustStore.fromCertificates([old.der], { name: 'old', set: 'issuers' }).anchors,
      ...TrustStore.fromCertificates([rekeyed.der], { name: 'new', set: 'issuers' }).anchors,
    ]);
    const dsOld = await createDocumentSigner(old, DS_VALIDITY);
    const dsNew = await createDocumentSigner(rekeyed, DS_VALIDITY);
    expect(verifyIssuerChain(buildX5chain(dsOld, old), both, AT, MDL_DOCTYPE).anchor?.name).toBe('old');
    expect(verifyIssuerChain(buildX5chain(dsNew, rekeyed), both, AT, MDL_DOCTYPE).anchor?.name).toBe('new');
    // Only the old key trusted: the new key's documents do not chain, though the names match.
    const onlyOld = TrustStore.fromCertificates([old.der], { set: 'issuers' });
    expect(verifyIssuerChain(buildX5chain(dsNew, rekeyed), onlyOld, AT, MDL_DOCTYPE).chain?.code).toBe('ISSUER_CERT_UNTRUSTED');
  });
});

describe('trust folders load what they can', () => {
  it('one garbage file and one good IACA: the IACA is loaded, the warning names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-folder-'));
    writeFileSync(join(dir, 'garbage.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'utopia.pem'), readFileSync(VECTORS + 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem'));
    writeFileSync(join(dir, 'ds.pem'), readFileSync(VECTORS + 'mdoc-ts-wallet-examples/google/signingCertificate.pem'));
    const trust = loadTrustStore([dir]);
    expect(trust.anchors.map((a) => a.name)).toEqual(['utopia']);
    expect(trust.warnings).toEqual([expect.stringMatching(/ds\.pem: not a CA certificate, so not a trust anchor$/), expect.stringMatching(/garbage\.pem: .*not a readable X\.509 certificate/)]);
  });
});
