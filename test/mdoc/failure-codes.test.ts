/**
 * One test (at least) per failure code of DESIGN.md that the verification core produces, each made
 * on purpose with the sandbox issuer. Every test states which checks fail (and with which code) and
 * that all others pass, so a defect that trips the wrong check is caught as well as one that slips
 * through. ELEMENT_NOT_REQUESTED / ELEMENT_MISSING belong to the protocol layer and are not here.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, type KeyObject } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, encodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse, type VerifyDeviceResponseOptions } from '../../src/mdoc/verify.js';
import type { CheckName, FailureCode, VerificationResult } from '../../src/mdoc/result.js';
import type { RevocationChecker, RevocationStatus } from '../../src/trust/revocation.js';
import { TrustStore } from '../../src/trust/store.js';
import {
  createDeviceResponse,
  createDocumentSigner,
  createIaca,
  createIntermediateCa,
  issueMdoc,
  MDL_DOCTYPE,
  createMdlElements,
  MNC_DOCTYPE,
  MNC_JP_NS,
  MNC_NS,
  createMyNumberCardElements,
  type DeviceAuthKind,
  type DeviceDefects,
  type DocumentSignerOptions,
  type IssueOptions,
  type SandboxCa,
  type SandboxCertificate,
  type SandboxCurve,
} from '../../src/sandbox/index.js';
import { AT, DS_VALIDITY, IACA_VALIDITY, MSO_VALIDITY, sandboxIssuer } from '../helpers/sandbox-issuer.js';

const TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('failure-codes').digest())]]);

const iacas = new Map<SandboxCurve, SandboxCa>();
const signers = new Map<SandboxCurve, SandboxCertificate>();
let trust: TrustStore;
let reader: { privateKey: KeyObject; publicKey: KeyObject };

beforeAll(async () => {
  for (const curve of ['P-256', 'P-384', 'P-521', 'Ed25519'] as SandboxCurve[]) {
    const { iaca, ds } = await sandboxIssuer({ curve, commonName: `kakunin sandbox IACA ${curve}` });
    iacas.set(curve, iaca);
    signers.set(curve, ds);
  }
  trust = TrustStore.fromCertificates(
    [...iacas.values()].map((c) => c.der),
    { set: 'sandbox' },
  );
  reader = newKeyPair('P-256');
});

interface Scenario {
  curve?: SandboxCurve;
  signer?: SandboxCertificate;
  chain?: Uint8Array[];
  issue?: Partial<IssueOptions>;
  deviceAuth?: DeviceAuthKind;
  deviceDefects?: DeviceDefects;
  deviceNameSpaces?: Record<string, Record<string, unknown>>;
  verify?: Partial<VerifyDeviceResponseOptions>;
  /** Change the encoded response (e.g. append bytes). */
  mangle?: (bytes: Uint8Array) => Uint8Array;
}

async function run(s: Scenario = {}): Promise<VerificationResult> {
  const curve = s.curve ?? 'P-256';
  const mdoc = await issueMdoc({
    docType: MNC_DOCTYPE,
    nameSpaces: createMyNumberCardElements(undefined, AT),
    signer: s.signer ?? signers.get(curve)!,
    chain: s.chain,
    validity: MSO_VALIDITY,
    deviceCurve: curve,
    ...s.issue,
  });
  let bytes = createDeviceResponse({
    sessionTranscript: TRANSCRIPT,
    documents: [{ mdoc, deviceAuth: s.deviceAuth ?? { kind: 'signature' }, defects: s.deviceDefects, deviceNameSpaces: s.deviceNameSpaces }],
  });
  if (s.mangle) bytes = s.mangle(bytes);
  return verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: TRANSCRIPT, readerEphemeralKey: reader.privateKey, ...s.verify });
}

/** The document is invalid, exactly `expected` checks did not pass (with those codes), and every
 * code is in result.errors. */
function expectOnly(result: VerificationResult, expected: Partial<Record<CheckName, { status: 'fail' | 'not_run'; code: FailureCode }>>): void {
  expect(result.valid).toBe(false);
  expect(result.documents).toHaveLength(1);
  const doc = result.documents[0];
  expect(doc.valid).toBe(false);
  const notPassed = Object.fromEntries(doc.checks.filter((c) => c.status !== 'pass').map((c) => [c.check, { status: c.status, code: c.code }]));
  expect(notPassed).toEqual(expected);
  const codes = result.errors.map((e) => e.code);
  for (const e of Object.values(expected)) expect(codes).toContain(e.code);
}

function expectValid(result: VerificationResult): void {
  const failing = result.documents.flatMap((d) => d.checks.filter((c) => c.status !== 'pass'));
  expect(failing).toEqual([]);
  expect(result.errors).toEqual([]);
  expect(result.valid).toBe(true);
  expect(result.documents.every((d) => d.valid)).toBe(true);
}

const fail = (code: FailureCode) => ({ status: 'fail' as const, code });
const notRun = (code: FailureCode) => ({ status: 'not_run' as const, code });

describe('valid sandbox documents', () => {
  for (const curve of ['P-256', 'P-384', 'P-521', 'Ed25519'] as SandboxCurve[]) {
    it(`${curve} issuer and device keys, deviceSignature`, async () => {
      const result = await run({ curve });
      expectValid(result);
      const doc = result.documents[0];
      expect(doc.docType).toBe(MNC_DOCTYPE);
      expect(doc.issuer?.country).toBe('JP');
      expect(doc.issuer?.anchor?.set).toBe('sandbox');
      expect(doc.elements.issuerSigned[MNC_NS].age_over_20).toBe(true);
      expect(doc.elements.issuerSigned[MNC_JP_NS].local_gov_code_unicode).toBe('131016');
      expect(doc.checks.find((c) => c.check === 'device_authentication')?.message).toBe('deviceSignature');
    });
  }

  it('deviceMac (P-256 device key, reader ephemeral key)', async () => {
    const result = await run({ deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey } });
    expectValid(result);
    expect(result.documents[0].checks.find((c) => c.check === 'device_authentication')?.message).toBe('deviceMac');
  });

  it('an mDL with SHA-512 digests through an intermediate CA', async () => {
    const root = await createIaca({ pathLength: 1, country: 'US', ...IACA_VALIDITY, commonName: 'kakunin sandbox IACA with intermediate' });
    const mid = await createIntermediateCa(root);
    const ds = await createDocumentSigner(mid, DS_VALIDITY);
    const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, AT), signer: ds, chain: mid.chain, validity: MSO_VALIDITY, digestAlgorithm: 'SHA-512' });
    const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
    const result = verifyDeviceResponse(bytes, { trust: TrustStore.fromCertificates([root.der], { set: 'sandbox' }), at: AT, sessionTranscript: TRANSCRIPT });
    expectValid(result);
    expect(result.documents[0].elements.issuerSigned['org.iso.18013.5.1'].family_name).toBe('Sandbox');
  });

  it('authorised device-signed elements are reported apart from issuer-signed ones', async () => {
    const result = await run({ issue: { keyAuthorizations: { nameSpaces: ['org.example.device'] } }, deviceNameSpaces: { 'org.example.device': { nickname: 'phone' } } });
    expectValid(result);
    expect(result.documents[0].elements.deviceSigned).toEqual({ 'org.example.device': { nickname: 'phone' } });
    expect(result.documents[0].elements.issuerSigned['org.example.device']).toBeUndefined();
  });

  it('MSO validFrom within the clock skew passes; with no skew it is not yet valid', async () => {
    const soon = new Date(AT.getTime() + 60_000);
    const issue = { validity: { signed: soon, validFrom: soon, validUntil: MSO_VALIDITY.validUntil } };
    expectValid(await run({ issue }));
    expectOnly(await run({ issue, verify: { clockSkewSeconds: 0 } }), { mso_validity: fail('MSO_NOT_YET_VALID') });
  });
});

describe('parse failures', () => {
  it('CBOR_MALFORMED: truncated response', async () => {
    const result = await run({ mangle: (b) => b.subarray(0, b.length - 3) });
    expect(result.valid).toBe(false);
    expect(result.documents).toEqual([]);
    expect(result.errors.map((e) => e.code)).toEqual(['CBOR_MALFORMED']);
  });

  it('CBOR_MALFORMED: trailing bytes after the response', async () => {
    const result = await run({ mangle: (b) => concat(b, Uint8Array.of(0x00)) });
    expect(result.errors.map((e) => e.code)).toEqual(['CBOR_MALFORMED']);
    expect(result.valid).toBe(false);
  });

  it('DOCUMENT_MISSING: only documentErrors', () => {
    const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [], documentErrors: { [MNC_DOCTYPE]: 0 } });
    const result = verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: TRANSCRIPT });
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.code)).toEqual(['DOCUMENT_MISSING']);
    expect(result.documentErrors).toEqual({ [MNC_DOCTYPE]: 0 });
  });
});

describe('issuer certificate', () => {
  it('ISSUER_CERT_MISSING: no x5chain in issuerAuth', async () => {
    expectOnly(await run({ issue: { defects: { omitX5chain: true } } }), {
      issuer_certificate_chain: fail('ISSUER_CERT_MISSING'),
      issuer_certificate_profile: notRun('ISSUER_CERT_MISSING'),
      issuer_signature: notRun('ISSUER_CERT_MISSING'),
      mso_signed_within_certificate: notRun('ISSUER_CERT_MISSING'),
      issuing_country: notRun('ISSUER_CERT_MISSING'),
    });
  });

  it('ISSUER_CERT_UNTRUSTED: a well-formed IACA that is not in the trust store', async () => {
    const { ds } = await sandboxIssuer({ commonName: 'not trusted IACA' });
    expectOnly(await run({ signer: ds }), {
      issuer_certificate_chain: fail('ISSUER_CERT_UNTRUSTED'),
      issuer_certificate_profile: notRun('ISSUER_CERT_UNTRUSTED'),
    });
  });

  it('ISSUER_CERT_UNTRUSTED: same subject as a trusted IACA, different key', async () => {
    const { ds } = await sandboxIssuer({ commonName: 'kakunin sandbox IACA P-256' });
    expectOnly(await run({ signer: ds }), {
      issuer_certificate_chain: fail('ISSUER_CERT_UNTRUSTED'),
      issuer_certificate_profile: notRun('ISSUER_CERT_UNTRUSTED'),
    });
  });

  it('ISSUER_CERT_EXPIRED: DS expired before the time of verification', async () => {
    const ds = await createDocumentSigner(iacas.get('P-256')!, { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-06-01T00:00:00Z') });
    const validity = { signed: new Date('2025-05-01T00:00:00Z'), validFrom: new Date('2025-05-01T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };
    expectOnly(await run({ signer: ds, issue: { validity } }), { issuer_certificate_chain: fail('ISSUER_CERT_EXPIRED') });
  });

  it('ISSUER_CERT_EXPIRED: DS not yet valid (the MSO it signed is not yet valid either)', async () => {
    const ds = await createDocumentSigner(iacas.get('P-256')!, { notBefore: new Date('2026-07-01T00:00:00Z'), notAfter: new Date('2027-07-01T00:00:00Z') });
    const validity = { signed: new Date('2026-07-02T00:00:00Z'), validFrom: new Date('2026-07-02T00:00:00Z'), validUntil: new Date('2027-05-01T00:00:00Z') };
    expectOnly(await run({ signer: ds, issue: { validity } }), {
      issuer_certificate_chain: fail('ISSUER_CERT_EXPIRED'),
      mso_validity: fail('MSO_NOT_YET_VALID'),
    });
  });

  const profileCases: [string, DocumentSignerOptions][] = [
    ['DS is a CA', { defects: { ca: true } }],
    ['DS has serverAuth instead of the mdoc EKU', { defects: { extendedKeyUsage: [x509.ExtendedKeyUsage.serverAuth] } }],
    ['DS has no EKU', { defects: { extendedKeyUsage: [] } }],
    ['DS country differs from the IACA', { country: 'US' }],
    ['DS keyUsage lacks digitalSignature', { defects: { keyUsage: x509.KeyUsageFlags.nonRepudiation } }],
  ];
  for (const [name, options] of profileCases) {
    it(`ISSUER_CERT_PROFILE: ${name}`, async () => {
      const ds = await createDocumentSigner(iacas.get('P-256')!, { ...DS_VALIDITY, ...options });
      expectOnly(await run({ signer: ds }), { issuer_certificate_profile: fail('ISSUER_CERT_PROFILE') });
    });
  }

  it('ISSUER_CERT_PROFILE: intermediate without keyCertSign', async () => {
    const root = await createIaca({ pathLength: 1, ...IACA_VALIDITY, commonName: 'IACA for a bad intermediate' });
    // An "intermediate" that is really a DS-profile certificate (no keyCertSign, not a CA).
    const notCa = await createDocumentSigner(root, { ...DS_VALIDITY, commonName: 'not a CA' });
    const notCaAsCa: SandboxCa = { ...notCa, chain: [notCa.der] };
    const ds = await createDocumentSigner(notCaAsCa, DS_VALIDITY);
    const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer: ds, chain: notCaAsCa.chain, validity: MSO_VALIDITY });
    const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
    expectOnly(verifyDeviceResponse(bytes, { trust: TrustStore.fromCertificates([root.der], { set: 'sandbox' }), at: AT, sessionTranscript: TRANSCRIPT }), {
      issuer_certificate_profile: fail('ISSUER_CERT_PROFILE'),
    });
  });
});

describe('IACA profile', () => {
  for (const [name, defects] of [
    ['IACA is not a CA', { notCa: true }],
    ['IACA keyUsage lacks keyCertSign', { noKeyCertSign: true }],
  ] as const) {
    it(`ISSUER_CERT_PROFILE: ${name}`, async () => {
      const root = await createIaca({ ...IACA_VALIDITY, commonName: `bad IACA ${name}`, defects });
      const ds = await createDocumentSigner(root, DS_VALIDITY);
      const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer: ds, validity: MSO_VALIDITY });
      const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
      expectOnly(verifyDeviceResponse(bytes, { trust: TrustStore.fromCertificates([root.der], { set: 'sandbox' }), at: AT, sessionTranscript: TRANSCRIPT }), {
        issuer_certificate_profile: fail('ISSUER_CERT_PROFILE'),
      });
    });
  }
});

describe('several documents', () => {
  it('one bad document makes the response invalid; errors name its index; the good one stays valid', async () => {
    const good = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer: signers.get('P-256')!, validity: MSO_VALIDITY });
    const bad = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, AT), signer: signers.get('P-384')!, validity: MSO_VALIDITY, defects: { forgeSignature: true } });
    const bytes = createDeviceResponse({
      sessionTranscript: TRANSCRIPT,
      documents: [
        { mdoc: good, deviceAuth: { kind: 'signature' } },
        { mdoc: bad, deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey } },
      ],
    });
    const result = verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: TRANSCRIPT, readerEphemeralKey: reader.privateKey });
    expect(result.valid).toBe(false);
    expect(result.documents.map((d) => [d.docType, d.valid])).toEqual([
      [MNC_DOCTYPE, true],
      [MDL_DOCTYPE, false],
    ]);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'ISSUER_SIGNATURE_INVALID', document: 1 })]);
  });
});

describe('issuer signature and MSO', () => {
  it('ISSUER_SIGNATURE_INVALID: a bit flipped in the signature', async () => {
    expectOnly(await run({ issue: { defects: { forgeSignature: true } } }), { issuer_signature: fail('ISSUER_SIGNATURE_INVALID') });
  });

  it('ISSUER_SIGNATURE_INVALID: signed by another key than the DS in x5chain', async () => {
    const other = await createDocumentSigner(iacas.get('P-256')!, DS_VALIDITY);
    expectOnly(await run({ issue: { defects: { signWithKey: other.keys.privateKey } } }), { issuer_signature: fail('ISSUER_SIGNATURE_INVALID') });
  });

  it('ISSUER_SIGNATURE_INVALID: protected alg (ES384) does not fit the P-256 DS key', async () => {
    expectOnly(await run({ issue: { defects: { algOverride: -35 } } }), { issuer_signature: fail('ISSUER_SIGNATURE_INVALID') });
  });

  it('ISSUER_SIGNATURE_INVALID: MSO changed after signing', async () => {
    const later = new Date('2027-12-01T00:00:00Z');
    const result = await run({
      issue: {
        defects: {
          alterMsoAfterSigning: (m) =>
            m.set(
              'validityInfo',
              new Map([
                ['signed', MSO_VALIDITY.signed],
                ['validFrom', MSO_VALIDITY.validFrom],
                ['validUntil', later],
              ]),
            ),
        },
      },
    });
    expectOnly(result, { issuer_signature: fail('ISSUER_SIGNATURE_INVALID') });
    // The altered (unsigned) MSO is what the result shows, and the document is not valid.
    expect(result.documents[0].validity?.validUntil).toBe('2027-12-01T00:00:00Z');
  });

  it('DOCTYPE_MISMATCH: the MSO is for another docType', async () => {
    expectOnly(await run({ issue: { defects: { msoDocType: MDL_DOCTYPE } } }), { mso_doctype: fail('DOCTYPE_MISMATCH') });
  });

  it('DOCTYPE_MISMATCH: the Document claims another docType than its MSO', async () => {
    const result = await run({ deviceDefects: { documentDocType: MDL_DOCTYPE } });
    expectOnly(result, { mso_doctype: fail('DOCTYPE_MISMATCH') });
  });

  it('MSO_INVALID: unsupported MSO version', async () => {
    expectOnly(await run({ issue: { defects: { msoVersion: '2.0' } } }), {
      mso_structure: fail('MSO_INVALID'),
      mso_doctype: notRun('MSO_INVALID'),
      mso_validity: notRun('MSO_INVALID'),
      mso_signed_within_certificate: notRun('MSO_INVALID'),
      value_digests: notRun('MSO_INVALID'),
      issuing_country: notRun('MSO_INVALID'),
      device_authentication: notRun('MSO_INVALID'),
    });
  });

  for (const alg of ['SHA-1', 'MD5', 'sha-256']) {
    it(`MSO_INVALID: digestAlgorithm ${alg}`, async () => {
      const result = await run({ issue: { digestAlgorithm: alg } });
      expect(result.valid).toBe(false);
      const structure = result.documents[0].checks.find((c) => c.check === 'mso_structure');
      expect(structure).toMatchObject({ status: 'fail', code: 'MSO_INVALID' });
      expect(result.errors.map((e) => e.code)).toContain('MSO_INVALID');
      expect(result.documents[0].elements.issuerSigned).toEqual({});
    });
  }

  it('MSO_INVALID: deviceKeyInfo missing (validly signed)', async () => {
    const result = await run({ issue: { defects: { alterMsoBeforeSigning: (m) => m.delete('deviceKeyInfo') } } });
    expect(result.documents[0].checks.find((c) => c.check === 'mso_structure')).toMatchObject({ status: 'fail', code: 'MSO_INVALID' });
    expect(result.errors.map((e) => e.code)).toContain('MSO_INVALID');
    expect(result.valid).toBe(false);
  });

  it('MSO_EXPIRED', async () => {
    const validity = { signed: new Date('2026-02-01T00:00:00Z'), validFrom: new Date('2026-02-01T00:00:00Z'), validUntil: new Date('2026-05-31T00:00:00Z') };
    expectOnly(await run({ issue: { validity } }), { mso_validity: fail('MSO_EXPIRED') });
  });

  it('MSO_NOT_YET_VALID', async () => {
    const validity = { signed: new Date('2026-06-10T00:00:00Z'), validFrom: new Date('2026-06-10T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };
    expectOnly(await run({ issue: { validity } }), { mso_validity: fail('MSO_NOT_YET_VALID') });
  });

  it('MSO_SIGNED_OUTSIDE_CERT_VALIDITY: signed before the DS was valid', async () => {
    const ds = await createDocumentSigner(iacas.get('P-256')!, { notBefore: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2027-03-01T00:00:00Z') });
    const validity = { signed: new Date('2026-02-01T00:00:00Z'), validFrom: new Date('2026-02-01T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };
    expectOnly(await run({ signer: ds, issue: { validity } }), { mso_signed_within_certificate: fail('MSO_SIGNED_OUTSIDE_CERT_VALIDITY') });
  });

  it('DIGEST_MISMATCH: wrong digest in the MSO; the element is not reported, the others are', async () => {
    const result = await run({ issue: { defects: { wrongDigest: { nameSpace: MNC_JP_NS, elementIdentifier: 'full_name_unicode' } } } });
    expectOnly(result, { value_digests: fail('DIGEST_MISMATCH') });
    const jp = result.documents[0].elements.issuerSigned[MNC_JP_NS];
    expect(jp.full_name_unicode).toBeUndefined();
    expect(jp.local_gov_code_unicode).toBe('131016');
  });

  it('DIGEST_MISMATCH: value changed after signing', async () => {
    const result = await run({ issue: { defects: { alterValueAfterSigning: { nameSpace: MNC_NS, elementIdentifier: 'age_over_20', value: true } } } });
    expectOnly(result, { value_digests: fail('DIGEST_MISMATCH') });
    expect(result.documents[0].elements.issuerSigned[MNC_NS].age_over_20).toBeUndefined();
  });

  it('DIGEST_MISMATCH: element whose digest the MSO does not hold', async () => {
    expectOnly(await run({ issue: { defects: { omitDigest: { nameSpace: MNC_NS, elementIdentifier: 'sex' } } } }), { value_digests: fail('DIGEST_MISMATCH') });
  });
});

describe('device authentication', () => {
  it('TRANSCRIPT_MISSING: no SessionTranscript given', async () => {
    expectOnly(await run({ verify: { sessionTranscript: undefined } }), { device_authentication: notRun('TRANSCRIPT_MISSING') });
  });

  it('deviceMac without the reader key is not run (READER_KEY_MISSING)', async () => {
    expectOnly(await run({ deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey }, verify: { readerEphemeralKey: undefined } }), {
      device_authentication: notRun('READER_KEY_MISSING'),
    });
  });

  it('DEVICE_AUTH_MISSING: empty deviceAuth', async () => {
    expectOnly(await run({ deviceAuth: { kind: 'none' } }), { device_authentication: fail('DEVICE_AUTH_MISSING') });
  });

  it('DEVICE_AUTH_MISSING: no deviceSigned', async () => {
    const result = await run({ deviceDefects: { omitDeviceSigned: true } });
    expect(result.valid).toBe(false);
    expect(result.documents[0].checks.find((c) => c.check === 'device_authentication')).toMatchObject({ status: 'fail', code: 'DEVICE_AUTH_MISSING' });
    expect(result.errors.map((e) => e.code)).toContain('DEVICE_AUTH_MISSING');
  });

  const signatureDefects: [string, () => DeviceDefects][] = [
    ['signed with a key other than the MSO device key', () => ({ deviceKey: newKeyPair('P-256').privateKey })],
    ['signature bit flipped', () => ({ corrupt: true })],
    ['signed for another session', () => ({ sessionTranscript: encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(32)]]) })],
    ['signed for another docType', () => ({ docType: MDL_DOCTYPE })],
  ];
  for (const [name, defects] of signatureDefects) {
    it(`DEVICE_AUTH_INVALID (deviceSignature): ${name}`, async () => {
      expectOnly(await run({ deviceDefects: defects() }), { device_authentication: fail('DEVICE_AUTH_INVALID') });
    });
    it(`DEVICE_AUTH_INVALID (deviceMac): ${name}`, async () => {
      expectOnly(await run({ deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey }, deviceDefects: defects() }), {
        device_authentication: fail('DEVICE_AUTH_INVALID'),
      });
    });
  }

  it('DEVICE_AUTH_INVALID: deviceMac checked with another reader key', async () => {
    const otherReader = newKeyPair('P-256');
    expectOnly(await run({ deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey }, verify: { readerEphemeralKey: otherReader.privateKey } }), {
      device_authentication: fail('DEVICE_AUTH_INVALID'),
    });
  });

  it('DEVICE_KEY_NOT_AUTHORIZED: device-signed element without keyAuthorizations', async () => {
    const result = await run({ deviceNameSpaces: { [MNC_NS]: { age_over_20: true } } });
    expectOnly(result, { key_authorizations: fail('DEVICE_KEY_NOT_AUTHORIZED') });
    expect(result.documents[0].elements.deviceSigned).toEqual({});
  });

  it('DEVICE_KEY_NOT_AUTHORIZED: element outside the authorised dataElements', async () => {
    const result = await run({
      issue: { keyAuthorizations: { dataElements: { 'org.example.device': ['nickname'] } } },
      deviceNameSpaces: { 'org.example.device': { nickname: 'phone', age_over_20: true } },
    });
    expectOnly(result, { key_authorizations: fail('DEVICE_KEY_NOT_AUTHORIZED') });
  });
});

/** Answers from a fixed list, as a checker backed by a fetched CRL / status list would. */
class ListRevocationChecker implements RevocationChecker {
  constructor(
    private readonly revokedCertificates: Set<string>,
    private readonly revokedIndices: Set<number>,
    private readonly listAvailable: boolean,
    readonly unavailablePolicy: 'fail' | 'warn' = 'fail',
  ) {}
  checkCertificate(certificate: Uint8Array): RevocationStatus {
    if (!this.listAvailable) return { status: 'unavailable', message: 'CRL not fetched' };
    const id = createHash('sha256').update(certificate).digest('hex');
    return this.revokedCertificates.has(id) ? { status: 'revoked', message: 'certificate on the CRL' } : { status: 'good' };
  }
  checkMsoStatus(status: Map<unknown, unknown>): RevocationStatus {
    if (!this.listAvailable) return { status: 'unavailable', message: 'status list not fetched' };
    const idx = (status.get('status_list') as Map<unknown, unknown> | undefined)?.get('idx');
    return typeof idx === 'number' && this.revokedIndices.has(idx) ? { status: 'revoked', message: 'status list says revoked' } : { status: 'good' };
  }
}

describe('revocation (pipeline reaction to a RevocationChecker)', () => {
  const status = (idx: number) =>
    new Map<string, unknown>([
      [
        'status_list',
        new Map<string, unknown>([
          ['idx', idx],
          ['uri', 'https://sandbox.kakunin.invalid/statuslists/1'],
        ]),
      ],
    ]);
  const sha = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

  it('all good: issuer_revocation and status pass', async () => {
    const result = await run({ issue: { status: status(3) }, verify: { revocation: new ListRevocationChecker(new Set(), new Set([4]), true) } });
    expectValid(result);
    expect(result.documents[0].checks.map((c) => c.check)).toEqual(expect.arrayContaining(['issuer_revocation', 'status']));
  });

  it('ISSUER_CERT_REVOKED: the DS is on the CRL', async () => {
    const ds = signers.get('P-256')!;
    expectOnly(await run({ verify: { revocation: new ListRevocationChecker(new Set([sha(ds.der)]), new Set(), true) } }), {
      issuer_revocation: fail('ISSUER_CERT_REVOKED'),
    });
  });

  it('STATUS_REVOKED: the MSO status list entry is revoked', async () => {
    expectOnly(await run({ issue: { status: status(4) }, verify: { revocation: new ListRevocationChecker(new Set(), new Set([4]), true) } }), {
      status: fail('STATUS_REVOKED'),
    });
  });

  it('an unauthenticated MSO: its status reference is not followed', async () => {
    const asked: unknown[] = [];
    const checker = new ListRevocationChecker(new Set(), new Set(), true);
    const spy: RevocationChecker = {
      unavailablePolicy: 'fail',
      checkCertificate: (c) => checker.checkCertificate(c),
      checkMsoStatus: (st) => {
        asked.push(st);
        return { status: 'good' };
      },
    };
    const result = await run({ issue: { status: status(3), defects: { forgeSignature: true } }, verify: { revocation: spy } });
    expect(asked).toEqual([]);
    expect(result.documents[0].checks.find((c) => c.check === 'status')).toMatchObject({ status: 'not_run', code: 'ISSUER_SIGNATURE_INVALID' });
  });

  it('a document signer trusted directly has no CRL: STATUS_UNAVAILABLE under the policy, not ISSUER_CERT_UNTRUSTED', async () => {
    const ds = signers.get('P-256')!;
    const direct = TrustStore.fromCertificates([ds.der], { set: 'direct', test: true });
    const checker = new ListRevocationChecker(new Set(), new Set(), true, 'fail');
    expectOnly(await run({ verify: { trust: direct, revocation: checker } }), { issuer_revocation: fail('STATUS_UNAVAILABLE') });
    const warn = new ListRevocationChecker(new Set(), new Set(), true, 'warn');
    expectOnly(await run({ verify: { trust: direct, revocation: warn } }), { issuer_revocation: notRun('STATUS_UNAVAILABLE') });
  });

  it('STATUS_UNAVAILABLE: no list, policy fail', async () => {
    expectOnly(await run({ issue: { status: status(3) }, verify: { revocation: new ListRevocationChecker(new Set(), new Set(), false, 'fail') } }), {
      issuer_revocation: fail('STATUS_UNAVAILABLE'),
      status: fail('STATUS_UNAVAILABLE'),
    });
  });

  it('STATUS_UNAVAILABLE: no list, policy warn -> not run, and the document is not called valid', async () => {
    expectOnly(await run({ issue: { status: status(3) }, verify: { revocation: new ListRevocationChecker(new Set(), new Set(), false, 'warn') } }), {
      issuer_revocation: notRun('STATUS_UNAVAILABLE'),
      status: notRun('STATUS_UNAVAILABLE'),
    });
  });
});
