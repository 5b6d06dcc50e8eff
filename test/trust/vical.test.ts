import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCertificates } from '../../src/trust/certificate.js';
import { loadTrustStore } from '../../src/runtime/trust-folder.js';
import { parseVical, verifyVical } from '../../src/trust/vical.js';
import { importVical } from '../../src/runtime/vical-import.js';

const VEC = join(import.meta.dirname, '../vectors');
const bytes = (p: string) => new Uint8Array(readFileSync(join(VEC, p)));
const cert = (p: string) => readCertificates(readFileSync(join(VEC, p)))[0];

const AAMVA_2024 = bytes('vicals-multipaz-parser-test/aamva_vical_2024-09-24.cbor');
const AAMVA_2025 = bytes('aamva-vical-isomdl/aamva-vical-2025-11-18-1763491092481.cbor');
const AUSTROADS = bytes('vicals-multipaz-parser-test/austroads_vical_2024-09-19.cbor');
const RDW = bytes('rdw-test-vical-20250225-multipaz/20250225_RDW_Test_Vical.vical');
const AAMVA_ROOT = cert('aamva-vical-isomdl/aamva_ca_root.crt');
const AAMVA_INTERMEDIATE = cert('aamva-vical-isomdl/aamva_ca_intermediate.crt');
const AUSTROADS_ROOT = cert('vicals-multipaz-parser-test/austroads_vical_root.pem');

const subjectOf = (der: Uint8Array) => new X509Certificate(der).subject.split('\n').join(',');

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('VICAL: AAMVA 2024-09-24 (Multipaz VicalParserTest)', () => {
  const v = verifyVical(AAMVA_2024, { roots: [cert('vicals-multipaz-parser-test/aamva_dts_root.pem')], at: new Date('2024-09-24T18:00:00Z') });
  it('has the fields the source asserts', () => {
    expect(v.x5chain).toHaveLength(3);
    expect(Buffer.from(v.x5chain[2]).equals(Buffer.from(AAMVA_ROOT))).toBe(true);
    expect(v.vical.vicalProvider).toBe('AAMVA');
    expect(v.vical.version).toBe('1.0');
    expect(v.vical.date.toISOString()).toBe('2024-09-24T17:37:31.000Z');
    expect(v.vical.nextUpdate?.toISOString()).toBe('2024-09-25T17:37:31.000Z');
    expect(v.vical.vicalIssueID).toBe(616575);
    expect(v.vical.certificateInfos).toHaveLength(3);
    expect(subjectOf(v.vical.certificateInfos[0].certificate)).toContain('CN=Fast Enterprises Root');
    expect(v.vical.certificateInfos.map((c) => c.stateOrProvinceName)).toEqual(['US-MD', 'US-UT', 'US-VA']);
    expect(v.signerPath.signer.subject).toContain('AAMVA Prod Vical-Signer-01');
  });
  it('is stale the day after nextUpdate unless archived import is asked for', () => {
    const at = new Date('2024-09-26T00:00:00Z');
    expect(code(() => verifyVical(AAMVA_2024, { roots: [AAMVA_ROOT], at }))).toBe('VICAL_EXPIRED');
    expect(verifyVical(AAMVA_2024, { roots: [AAMVA_ROOT], at, allowStale: true }).vical.vicalIssueID).toBe(616575);
  });
});

describe('VICAL: AAMVA 2025-11-18 (isomdl)', () => {
  const at = new Date('2025-11-18T20:00:00Z');
  it('verifies under the DTS root and under the intermediate', () => {
    const v = verifyVical(AAMVA_2025, { roots: [AAMVA_ROOT], at });
    expect(v.vical.vicalIssueID).toBe(227602);
    expect(v.vical.nextUpdate?.toISOString()).toBe('2025-11-19T18:38:12.000Z');
    expect(v.vical.certificateInfos).toHaveLength(14);
    expect(v.vical.certificateInfos.every((c) => c.docTypes.join() === 'org.iso.18013.5.1.mDL')).toBe(true);
    expect(v.signerPath.path.map((c) => c.subject.match(/CN=(.*)/)?.[1])).toEqual(['AAMVA Prod Vical-Signer-01', 'AAMVA DTS Issuing CA', 'AAMVA DTS Root CA']);
    expect(verifyVical(AAMVA_2025, { roots: [AAMVA_INTERMEDIATE], at }).signerPath.anchor.subject).toContain('AAMVA DTS Issuing CA');
  });
  it('lists exactly the IACAs shipped in certs/us-aamva', () => {
    const v = verifyVical(AAMVA_2025, { roots: [AAMVA_ROOT], at });
    const shipped = loadTrustStore([join(import.meta.dirname, '../../certs')], { sets: ['us-aamva'] })
      .anchors.map((a) => a.certificate.sha256)
      .sort();
    expect(v.vical.certificateInfos.map((c) => c.sha256).sort()).toEqual(shipped);
  });
  it('fails with no anchor, an unrelated anchor, and after the signer expired', () => {
    expect(code(() => verifyVical(AAMVA_2025, { roots: [], at }))).toBe('VICAL_UNTRUSTED');
    expect(code(() => verifyVical(AAMVA_2025, { roots: [AUSTROADS_ROOT], at }))).toBe('VICAL_UNTRUSTED');
    expect(code(() => verifyVical(AAMVA_2025, { roots: [AAMVA_ROOT], at: new Date('2026-04-19T00:00:00Z'), allowStale: true }))).toBe('VICAL_EXPIRED');
  });
  it('rejects a flipped signature bit, a changed payload byte and garbage', () => {
    const sig = AAMVA_2025.slice();
    sig[sig.length - 5] ^= 0x01;
    expect(code(() => verifyVical(sig, { roots: [AAMVA_ROOT], at }))).toBe('VICAL_SIGNATURE_INVALID');
    const body = AAMVA_2025.slice();
    const i = Buffer.from(body).indexOf(Buffer.from('vicalProvider\x65AAMVA', 'latin1')) + 14;
    body[i + 1] = 0x42; // "ABMVA": still well-formed, no longer what was signed
    expect(code(() => verifyVical(body, { roots: [AAMVA_ROOT], at }))).toBe('VICAL_SIGNATURE_INVALID');
    expect(code(() => verifyVical(AAMVA_2025.subarray(0, 500), { roots: [AAMVA_ROOT], at }))).toBe('VICAL_MALFORMED');
    expect(code(() => verifyVical(new Uint8Array([0xa0]), { roots: [AAMVA_ROOT], at }))).toBe('VICAL_MALFORMED');
  });
});

describe('VICAL: Austroads pre-production 2024-09-19', () => {
  const v = verifyVical(AUSTROADS, { roots: [AUSTROADS_ROOT], at: new Date('2024-09-20T00:00:00Z') });
  it('has the fields the source asserts', () => {
    expect(v.x5chain).toHaveLength(1);
    expect(v.signerPath.anchor.subject).toContain('Austroads Pre-production DTS Root CA');
    expect(v.vical.vicalProvider).toBe('Austroads');
    expect(v.vical.version).toBe('1.0');
    expect(v.vical.date.toISOString()).toBe('2024-09-19T23:19:59.000Z');
    expect(v.vical.nextUpdate).toBeUndefined();
    expect(v.vical.vicalIssueID).toBe(15);
    expect(v.vical.certificateInfos).toHaveLength(35);
    const info = v.vical.certificateInfos[1];
    // Multipaz prints the DN as "C=ZZ,CN=OWF Identity Credential TEST IACA"
    expect(subjectOf(info.certificate).split(',').sort()).toEqual(['C=ZZ', 'CN=OWF Identity Credential TEST IACA']);
    expect(info.docTypes).toEqual(['org.iso.18013.5.1.mDL', 'org.iso.23220.photoid.1', 'org.micov.1', 'org.iso.7367.1.mVRC']);
    expect(info.certificateProfiles).toBeUndefined();
    expect(v.vical.certificateInfos.some((c) => subjectOf(c.certificate).includes('California DMV IACA Root'))).toBe(true);
  });
  it('is not trusted under the AAMVA root', () => {
    expect(code(() => verifyVical(AUSTROADS, { roots: [AAMVA_ROOT], at: new Date('2024-09-20T00:00:00Z') }))).toBe('VICAL_UNTRUSTED');
  });
});

describe('VICAL: RDW test 2025-02-25', () => {
  const at = new Date('2025-03-01T00:00:00Z');
  const signer = parseVical(RDW).x5chain[0];
  it('has no published root: untrusted without one, verifies with the signer pinned', () => {
    expect(code(() => verifyVical(RDW, { roots: [], at }))).toBe('VICAL_UNTRUSTED');
    const v = verifyVical(RDW, { roots: [signer], at });
    expect(v.signerPath.signer.subject).toContain('CN=RDW Vical Test Signer');
    expect(v.signerPath.signer.issuer).toContain('CN=RDW Vical Test Root CA');
    expect(v.vical.vicalProvider).toBe('RDW');
    expect(v.vical.vicalIssueID).toBe(5);
    expect(v.vical.certificateInfos).toHaveLength(45);
  });
  it('lists brainpool, P-521 and RSA IACAs without choking', () => {
    const v = verifyVical(RDW, { roots: [signer], at });
    const kinds = new Set(
      v.vical.certificateInfos.map((c) => {
        const k = new X509Certificate(c.certificate).publicKey;
        return k.asymmetricKeyType === 'ec' ? k.asymmetricKeyDetails?.namedCurve : k.asymmetricKeyType;
      }),
    );
    expect(kinds).toContain('prime256v1');
    expect(kinds).toContain('secp521r1');
    expect(kinds).toContain('rsa');
    expect([...kinds].some((k) => String(k).startsWith('brainpool'))).toBe(true);
  });
});

describe('importVical', () => {
  it('writes a loadable trust set, and a newer VICAL replaces what an older one listed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-vical-'));
    const older = verifyVical(AAMVA_2024, { roots: [AAMVA_ROOT], at: new Date('2024-09-24T18:00:00Z') });
    const r1 = importVical(older, { certsDir: dir, set: 'us-aamva', source: 'aamva_vical_2024-09-24.cbor', at: new Date('2024-09-24T18:00:00Z') });
    expect(r1.written).toHaveLength(3);
    expect(readdirSync(join(dir, 'us-aamva'))).toHaveLength(6);
    const newer = verifyVical(AAMVA_2025, { roots: [AAMVA_ROOT], at: new Date('2025-11-18T20:00:00Z') });
    const r2 = importVical(newer, { certsDir: dir, set: 'us-aamva', source: 'https://vical.dts.aamva.org/', at: new Date('2025-11-18T20:00:00Z') });
    expect(r2.written).toHaveLength(14);
    // The 2024 list had an older Maryland root (ecb8...) that the 2025 list still has, and nothing else dropped
    expect(r2.removed).toEqual([]);
    const store = loadTrustStore([dir]);
    expect(store.anchors).toHaveLength(14);
    expect(store.sets).toEqual(['us-aamva']);
    const va = store.anchors.find((a) => a.certificate.subject.includes('VA mID IACA\n') || a.certificate.subject.endsWith('CN=VA mID IACA'));
    expect(va?.docTypes).toEqual(['org.iso.18013.5.1.mDL']);
    expect(va?.country).toBe('US');
    const side = JSON.parse(readFileSync(join(dir, 'us-aamva', `${r2.written[0].file}.json`), 'utf8'));
    expect(side.vical).toEqual({ provider: 'AAMVA', issueID: 227602, date: '2025-11-18T18:38:12.000Z' });
    expect(r2.written.find((w) => w.subject.includes('VA mID IACA'))).toBeDefined();
  });
  it('removes IACAs the provider no longer lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-vical-'));
    const newer = verifyVical(AAMVA_2025, { roots: [AAMVA_ROOT], at: new Date('2025-11-18T20:00:00Z') });
    importVical(newer, { certsDir: dir, set: 's', source: 'x', at: new Date('2025-11-18T20:00:00Z') });
    const older = verifyVical(AAMVA_2024, { roots: [AAMVA_ROOT], at: new Date('2024-09-24T18:00:00Z') });
    const r = importVical(older, { certsDir: dir, set: 's', source: 'x', at: new Date('2024-09-24T18:00:00Z') });
    expect(r.removed).toHaveLength(11);
    expect(loadTrustStore([dir]).anchors).toHaveLength(3);
  });
});
