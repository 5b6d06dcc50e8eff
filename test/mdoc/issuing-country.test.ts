/**
 * issuing_country (ISO 18013-5 §9.3.3, Annex B): a document's issuing_country is its document
 * signer's countryName, and issuing_jurisdiction its stateOrProvinceName when the certificate has one.
 * The sandbox issuer writes what its signer certificate says unless a defect makes it claim another.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import type { VerificationResult } from '../../src/mdoc/result.js';
import { reduceToDecision } from '../../src/policy/reduce.js';
import { createAgeOverPurpose } from '../../src/policy/index.js';
import {
  createDeviceResponse,
  createDocumentSigner,
  createIaca,
  createMdlElements,
  createMyNumberCardElements,
  issueMdoc,
  MDL_DOCTYPE,
  MDL_NS,
  MNC_DOCTYPE,
  MNC_NS,
  type ElementValues,
  type IssuerDefects,
  type SandboxCertificate,
} from '../../src/sandbox/index.js';
import { TrustStore } from '../../src/trust/store.js';
import { AT, DS_VALIDITY, IACA_VALIDITY, MSO_VALIDITY } from '../helpers/sandbox-issuer.js';

const TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('issuing-country').digest())]]);

/** A US state issuer whose signer names its jurisdiction, and one whose signer names none. */
let californian: SandboxCertificate;
let federal: SandboxCertificate;
let trust: TrustStore;

beforeAll(async () => {
  const state = await createIaca({ ...IACA_VALIDITY, country: 'US', stateOrProvince: 'US-CA', commonName: 'sandbox California IACA' });
  const nation = await createIaca({ ...IACA_VALIDITY, country: 'US', commonName: 'sandbox US IACA' });
  californian = await createDocumentSigner(state, { ...DS_VALIDITY, stateOrProvince: 'US-CA' });
  federal = await createDocumentSigner(nation, DS_VALIDITY);
  trust = TrustStore.fromCertificates([state.der, nation.der], { set: 'sandbox' });
});

/** The sandbox mDL with an issuing_jurisdiction, signed by `signer`. */
function mdl(jurisdiction = 'US-CA'): ElementValues {
  const elements = createMdlElements(undefined, AT, [20]);
  return { ...elements, [MDL_NS]: { ...elements[MDL_NS], issuing_jurisdiction: jurisdiction } };
}

async function present(signer: SandboxCertificate, defects?: IssuerDefects, nameSpaces = mdl(), docType = MDL_DOCTYPE): Promise<VerificationResult> {
  const mdoc = await issueMdoc({ docType, nameSpaces, signer, validity: MSO_VALIDITY, defects });
  const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
  return verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: TRANSCRIPT });
}

const notPassed = (r: VerificationResult) => r.documents[0].checks.filter((c) => c.status !== 'pass').map((c) => `${c.check}:${c.status}:${c.code}`);
const issuingCountryCheck = (r: VerificationResult) => r.documents[0].checks.find((c) => c.check === 'issuing_country');

describe('issuing_country and issuing_jurisdiction against the document signer', () => {
  it('matching country and jurisdiction: valid, and the check says what it compared', async () => {
    const r = await present(californian);
    expect(notPassed(r)).toEqual([]);
    expect(r.valid).toBe(true);
    expect(issuingCountryCheck(r)).toEqual({ check: 'issuing_country', status: 'pass', message: `${MDL_NS}/issuing_country, ${MDL_NS}/issuing_jurisdiction` });
  });

  it('an mDL claiming another country than its signer: ISSUING_COUNTRY_MISMATCH, and the decision fails with it', async () => {
    const r = await present(californian, { issuingCountry: 'CA' });
    expect(notPassed(r)).toEqual(['issuing_country:fail:ISSUING_COUNTRY_MISMATCH']);
    expect(r.errors.map((e) => e.code)).toEqual(['ISSUING_COUNTRY_MISMATCH']);
    expect(r.errors[0].message).toContain(`${MDL_NS}/issuing_country "CA" is not the document signer's countryName "US"`);
    expect(r.valid).toBe(false);
    expect(reduceToDecision(createAgeOverPurpose(), r, AT)).toMatchObject({ outcome: 'failed', failureCodes: ['ISSUING_COUNTRY_MISMATCH'] });
  });

  it('another jurisdiction than the signer names: ISSUING_COUNTRY_MISMATCH', async () => {
    const r = await present(californian, { issuingJurisdiction: 'US-NY' });
    expect(notPassed(r)).toEqual(['issuing_country:fail:ISSUING_COUNTRY_MISMATCH']);
    expect(r.errors[0].message).toContain(`issuing_jurisdiction "US-NY" is not the document signer's stateOrProvinceName "US-CA"`);
  });

  it('a signer without stateOrProvinceName: any issuing_jurisdiction passes (Annex B makes it optional)', async () => {
    const r = await present(federal, undefined, mdl('US-NY'));
    expect(r.documents[0].elements.issuerSigned[MDL_NS].issuing_jurisdiction).toBe('US-NY');
    expect(notPassed(r)).toEqual([]);
    expect(r.valid).toBe(true);
    expect(issuingCountryCheck(r)?.message).toBe(`${MDL_NS}/issuing_country`);
  });

  it('the comparison is case-sensitive: "us" is not "US"', async () => {
    const r = await present(federal, { issuingCountry: 'us' });
    expect(notPassed(r)).toEqual(['issuing_country:fail:ISSUING_COUNTRY_MISMATCH']);
  });

  it('ISO 23220 (org.iso.23220.1) issuing_country is held to the same rule', async () => {
    const elements = createMyNumberCardElements(undefined, AT);
    const nameSpaces = { ...elements, [MNC_NS]: { ...elements[MNC_NS], issuing_country: 'US' } };
    expect(notPassed(await present(federal, undefined, nameSpaces, MNC_DOCTYPE))).toEqual([]);
    const r = await present(federal, { issuingCountry: 'JP' }, nameSpaces, MNC_DOCTYPE);
    expect(notPassed(r)).toEqual(['issuing_country:fail:ISSUING_COUNTRY_MISMATCH']);
  });

  it("only digest-verified values count: a forged issuing_country is value_digests' finding alone", async () => {
    const r = await present(federal, { alterValueAfterSigning: { nameSpace: MDL_NS, elementIdentifier: 'issuing_country', value: 'CA' } });
    expect(notPassed(r)).toEqual(['value_digests:fail:DIGEST_MISMATCH']);
  });

  it('a document without issuing_country passes', async () => {
    const elements = createMdlElements(undefined, AT, [20]);
    const { issuing_country: _dropped, ...rest } = elements[MDL_NS];
    const r = await present(federal, undefined, { [MDL_NS]: rest });
    expect(issuingCountryCheck(r)).toEqual({ check: 'issuing_country', status: 'pass', message: 'no issuing_country presented' });
  });
});
