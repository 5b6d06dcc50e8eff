/**
 * Apple Wallet's integrator test IDs (mdoc/test-id.ts, policy/reduce.ts): the real capture from the
 * shared vectors, the sandbox's copy of their shape, and what must keep a document from passing
 * for one. A test ID is never valid and never "verified"; asked for, it decides as `test`.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { createAgeOverPurpose, MDL, reduceToDecision } from '../../src/policy/index.js';
import { createDeviceResponse, issueMdoc, MDL_DOCTYPE, createMdlElements, type IssuerDefects, type SandboxCertificate } from '../../src/sandbox/index.js';
import { TrustStore } from '../../src/trust/store.js';
import { MSO_VALIDITY, AT, sandboxIssuer } from '../helpers/sandbox-issuer.js';
import { checkMap, hex } from '../helpers/vectors.js';

const APPLE = 'apple-wallet-dcapi-test-mdl-unsigned-multipaz/';
const capture = { response: hex(`${APPLE}device_response.hex`), sessionTranscript: hex(`${APPLE}session_transcript.hex`), at: new Date('2025-08-01T00:00:00Z') };
const noTrust = TrustStore.fromCertificates([]);
const adultPurpose = createAgeOverPurpose({ documents: [MDL], allowFallback: true });

describe('the Apple developer test mDL capture', () => {
  it('with test IDs asked for: reported apart, its values the digests matched, and still not valid', () => {
    const r = verifyDeviceResponse(capture.response, { ...capture, trust: noTrust, testIds: true });
    const doc = r.documents[0];
    expect(r.valid).toBe(false);
    expect(doc.elements.issuerSigned).toEqual({});
    expect(doc.testId?.kind).toBe('apple');
    expect(doc.testId?.label).toBe('Apple test ID (not an identity)');
    expect(Object.keys(doc.testId!.elements['org.iso.18013.5.1']).sort()).toHaveLength(11);
    expect(doc.testId!.elements['org.iso.18013.5.1']).toMatchObject({ family_name: 'Garcia', given_name: 'Kelly', issuing_country: 'XX' });
  });

  it('without: no testId, nothing given out (what serve mode does)', () => {
    const r = verifyDeviceResponse(capture.response, { ...capture, trust: noTrust });
    expect(r.documents[0].testId).toBeUndefined();
    expect(reduceToDecision(adultPurpose, r, capture.at)).toMatchObject({ outcome: 'failed', failureCodes: expect.arrayContaining(['ISSUER_CERT_MISSING']) });
  });

  it('decides as test (never verified) when the decision allows test IDs', () => {
    const r = verifyDeviceResponse(capture.response, { ...capture, trust: noTrust, testIds: true });
    const d = reduceToDecision(adultPurpose, r, capture.at, { testIds: true });
    expect(d).toEqual({
      purpose: 'age_over',
      outcome: 'test',
      value: { kind: 'age_over', threshold: 20, over: true },
      docType: MDL,
      issuer: { subject: 'Apple test ID (not an identity)' },
      failureCodes: [],
    });
    // The policy alone does not turn a test ID into a decision: the result must carry it.
    expect(reduceToDecision(adultPurpose, verifyDeviceResponse(capture.response, { ...capture, trust: noTrust }), capture.at, { testIds: true }).outcome).toBe('failed');
  });

  it('for another session: device authentication fails, so it is no test ID either', () => {
    const other = encodeCbor([null, null, ['dcapi', new Uint8Array(32)]]);
    const r = verifyDeviceResponse(capture.response, { ...capture, sessionTranscript: other, trust: noTrust, testIds: true });
    expect(checkMap(r).device_authentication).toBe('fail:DEVICE_AUTH_INVALID');
    expect(r.documents[0].testId).toBeUndefined();
    expect(reduceToDecision(adultPurpose, r, capture.at, { testIds: true }).outcome).toBe('failed');
  });

  it('after its MSO expired: the decision fails on MSO_EXPIRED, test IDs or not', () => {
    const later = new Date('2052-03-01T00:00:00Z');
    const r = verifyDeviceResponse(capture.response, { ...capture, at: later, trust: noTrust, testIds: true });
    expect(reduceToDecision(adultPurpose, r, later, { testIds: true })).toMatchObject({ outcome: 'failed', failureCodes: expect.arrayContaining(['MSO_EXPIRED']) });
  });
});

describe('the sandbox copy of the shape, and near misses', () => {
  const transcript = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('test-id').digest())]]);
  let ds: SandboxCertificate;
  let iacaTrust: TrustStore;
  beforeAll(async () => {
    const issuer = await sandboxIssuer({ commonName: 'test-id IACA' });
    ds = issuer.ds;
    iacaTrust = TrustStore.fromCertificates([issuer.iaca.der], { set: 'sandbox' });
  });

  async function present(defects: IssuerDefects, alter?: (issuerAuth: unknown[]) => void) {
    const mdoc = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, AT, [20]), signer: ds, validity: MSO_VALIDITY, defects });
    alter?.(mdoc.issuerAuth);
    const bytes = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
    return verifyDeviceResponse(bytes, { trust: iacaTrust, at: AT, sessionTranscript: transcript, testIds: true });
  }

  it('the sandbox makes what Apple makes: recognised, and decided as test', async () => {
    const r = await present({ appleTestId: true });
    expect(r.documents[0].testId?.elements['org.iso.18013.5.1'].age_over_20).toBe(true);
    expect(reduceToDecision(createAgeOverPurpose(), r, AT, { testIds: true })).toMatchObject({ outcome: 'test', value: { over: true } });
  });

  it('a real issuer signature with the developer-test namespace is not a test ID (and verifies as itself)', async () => {
    const r = await present({
      alterMsoBeforeSigning: (mso) => (mso.get('valueDigests') as Map<string, unknown>).set('com.apple.identity-presentment.developer-test', new Map([[1, new Uint8Array(32)]])),
    });
    expect(r.valid).toBe(true);
    expect(r.documents[0].testId).toBeUndefined();
  });

  it('an empty x5chain and a zero signature without the namespace are not one', async () => {
    const r = await present({ omitX5chain: true }, (issuerAuth) => {
      issuerAuth[1] = new Map([[33, []]]);
      issuerAuth[3] = new Uint8Array(64);
    });
    expect(r.documents[0].testId).toBeUndefined();
  });

  it('one non-zero byte in the signature and it is not one', async () => {
    const r = await present({ appleTestId: true }, (issuerAuth) => {
      (issuerAuth[3] as Uint8Array)[63] = 1;
    });
    expect(r.documents[0].testId).toBeUndefined();
  });

  it('only an all-zero signature of the length its alg gives: 63, 65 or 96 zero bytes under ES256 are not one', async () => {
    for (const length of [0, 1, 63, 65, 96, 128]) {
      const r = await present({ appleTestId: true }, (issuerAuth) => {
        issuerAuth[3] = new Uint8Array(length);
      });
      expect({ length, testId: r.documents[0].testId }).toEqual({ length, testId: undefined });
    }
  });

  it('the length follows the protected alg: 96 zero bytes under ES384 are one, 64 are not; no alg, none', async () => {
    const withAlg = (alg: number | undefined, length: number) =>
      present({ appleTestId: true }, (issuerAuth) => {
        issuerAuth[0] = encodeCbor(new Map(alg === undefined ? [] : [[1, alg]]));
        issuerAuth[3] = new Uint8Array(length);
      });
    expect((await withAlg(-35, 96)).documents[0].testId?.kind).toBe('apple');
    expect((await withAlg(-35, 64)).documents[0].testId).toBeUndefined();
    expect((await withAlg(-7, 64)).documents[0].testId?.kind).toBe('apple');
    expect((await withAlg(undefined, 64)).documents[0].testId).toBeUndefined();
  });

  it('an altered value fails its digest: no test ID, no decision', async () => {
    const r = await present({ appleTestId: true, alterValueAfterSigning: { nameSpace: 'org.iso.18013.5.1', elementIdentifier: 'age_over_20', value: false } });
    expect(checkMap(r).value_digests).toBe('fail:DIGEST_MISMATCH');
    expect(r.documents[0].testId).toBeUndefined();
    expect(reduceToDecision(createAgeOverPurpose(), r, AT, { testIds: true }).outcome).toBe('failed');
  });
});
