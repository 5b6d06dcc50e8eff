/**
 * EU PID and age-verification document signers as the EUDI reference issuers make them: their
 * certificates carry the PID rulebook's usage 1.3.130.2.0.0.1.2 (id-eudi-iso-pid-kp-DS) alone and
 * critical. Real documents from public EUDI repositories (test/vectors/eudi-reference-issuer-pid,
 * test/vectors/eu-av-spec-annexA-dcapi-example; SOURCE.txt in each): accepted for the PID and AV
 * docTypes, refused with ISSUER_CERT_PROFILE for any other, the mDLs the same issuer signed with it
 * included. No SessionTranscript is published with them, so device authentication is not run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { verifyIssuerChain } from '../../src/trust/chain.js';
import { DOCUMENT_SIGNER_PROFILES, documentSignerUsages, EKU } from '../../src/trust/document-signer-profiles.js';
import { ALL_PASS, bin, checkMap, trustOf, VECTORS } from '../helpers/vectors.js';

const DIR = 'eudi-reference-issuer-pid/';
const AV_DIR = 'eu-av-spec-annexA-dcapi-example/';
const b64u = (p: string) => new Uint8Array(Buffer.from(readFileSync(VECTORS + p, 'utf8').trim(), 'base64url'));
const iaca = () => trustOf(`${DIR}pid-issuer-ca-ut-01.pem`);

/** Every check passes but device authentication, which needs the transcript nobody published. */
const ISSUER_LEVEL_PASS = { ...ALL_PASS, device_authentication: 'not_run:TRANSCRIPT_MISSING' };

/** The x5chain (DER, leaf first) of document `i` of a DeviceResponse, as sent. */
function x5chainOf(response: Uint8Array, i = 0): Uint8Array[] {
  const doc = (decodeCbor(response) as Map<string, unknown>).get('documents') as Map<string, unknown>[];
  const issuerAuth = (doc[i].get('issuerSigned') as Map<string, unknown>).get('issuerAuth') as unknown[];
  const x5chain = (issuerAuth[1] as Map<number, unknown>).get(33);
  return Array.isArray(x5chain) ? (x5chain as Uint8Array[]) : [x5chain as Uint8Array];
}

describe('EUDI reference PID issuer (PID Issuer CA - UT 01)', () => {
  const threeDocuments = b64u(`${DIR}verifier-endpoint-three-documents.b64u`);
  const at = new Date('2024-11-01T00:00:00Z');

  it('two real PIDs signed by "PID DS - 0001" (usage 1.3.130.2.0.0.1.2 alone, critical) verify up to device authentication', () => {
    const r = verifyDeviceResponse(threeDocuments, { trust: iaca(), at });
    for (const i of [0, 1]) {
      expect(r.documents[i].docType).toBe('eu.europa.ec.eudi.pid.1');
      expect(r.documents[i].issuer?.subject).toBe('CN=PID DS - 0001, O=EUDI Wallet Reference Implementation, C=UT');
      expect(checkMap(r, i)).toEqual(ISSUER_LEVEL_PASS);
      expect(Object.keys(r.documents[i].elements.issuerSigned['eu.europa.ec.eudi.pid.1']).sort()).toEqual(['birth_date', 'family_name', 'given_name']);
    }
  });

  it('the mDL the same signer put beside them is refused: that usage does not sign mDLs', () => {
    const r = verifyDeviceResponse(threeDocuments, { trust: iaca(), at });
    expect(r.documents[2].docType).toBe('org.iso.18013.5.1.mDL');
    expect(checkMap(r, 2)).toMatchObject({ issuer_certificate_chain: 'pass', issuer_signature: 'pass', issuer_certificate_profile: 'fail:ISSUER_CERT_PROFILE' });
    expect(r.documents[2].checks.find((c) => c.check === 'issuer_certificate_profile')?.message).toBe(
      'document signer for org.iso.18013.5.1.mDL needs extendedKeyUsage 1.0.18013.5.1.2; it has 1.3.130.2.0.0.1.2',
    );
    // So is an mDL the Android wallet library's tests carry, signed by "PID DS - 003" (2025).
    const android = verifyDeviceResponse(b64u(`${DIR}android-wallet-core-mdl.b64u`), { trust: iaca(), at: new Date('2025-04-10T00:00:00Z') });
    expect(checkMap(android)).toMatchObject({ issuer_certificate_chain: 'pass', issuer_signature: 'pass', issuer_certificate_profile: 'fail:ISSUER_CERT_PROFILE', mso_validity: 'pass' });
  });

  it("the PID signer's chain: accepted for the PID docTypes and age verification, ISSUER_CERT_PROFILE for any other", () => {
    const chain = x5chainOf(threeDocuments);
    for (const docType of ['eu.europa.ec.eudi.pid.1', 'eu.europa.ec.eudiw.pid.1', 'eu.europa.ec.av.1']) {
      const r = verifyIssuerChain(chain, iaca(), at, docType);
      expect([r.chain, r.profile], docType).toEqual([undefined, undefined]);
    }
    for (const docType of ['org.iso.18013.5.1.mDL', 'org.iso.23220.photoid.1', 'com.example.membership.1']) {
      expect(verifyIssuerChain(chain, iaca(), at, docType).profile?.code, docType).toBe('ISSUER_CERT_PROFILE');
    }
  });

  it('"PID DS - 006" (2024-2026): the profile is accepted; the disclosed element was edited after signing in its README', () => {
    const r = verifyDeviceResponse(b64u(`${DIR}verifier-endpoint-readme-pid.b64u`), { trust: iaca(), at });
    expect(r.documents[0].issuer?.subject).toBe('CN=PID DS - 006, O=EUDI Wallet Reference Implementation, C=UT');
    expect(checkMap(r)).toEqual({ ...ISSUER_LEVEL_PASS, value_digests: 'fail:DIGEST_MISMATCH' });
  });
});

describe('EU age verification reference signer (no root published: the signer certificate is trusted directly)', () => {
  const response = bin(`${AV_DIR}derived_reconstructed_deviceResponse.cbor`);
  const signer = () => trustOf(`${AV_DIR}ds_cert_from_spec.der`);
  const at = new Date('2025-11-01T00:00:00Z');

  it('"Age Verification DS - 001" (1.3.130.2.0.0.1.2 alone, critical) signs eu.europa.ec.av.1: accepted', () => {
    const r = verifyDeviceResponse(response, { trust: signer(), at });
    expect(r.documents[0].docType).toBe('eu.europa.ec.av.1');
    expect(checkMap(r)).toEqual(ISSUER_LEVEL_PASS);
  });

  it('the same certificate for an mDL: ISSUER_CERT_PROFILE', () => {
    expect(verifyIssuerChain(x5chainOf(response), signer(), at, 'org.iso.18013.5.1.mDL').profile?.code).toBe('ISSUER_CERT_PROFILE');
  });
});

describe('the profile table', () => {
  it('lists the EUDI usage for the PID and AV docTypes only, with its source', () => {
    expect(EKU.EUDI_PID_DS).toBe('1.3.130.2.0.0.1.2');
    for (const docType of ['eu.europa.ec.eudi.pid.1', 'eu.europa.ec.eudiw.pid.1', 'eu.europa.ec.av.1']) {
      expect(documentSignerUsages(docType)).toContain(EKU.EUDI_PID_DS);
      expect(DOCUMENT_SIGNER_PROFILES.find((p) => p.matches(docType))?.source).toContain('1.3.130.2.0.0.1.2');
    }
    for (const docType of ['org.iso.18013.5.1.mDL', 'org.iso.23220.1.jp.mnc', 'com.example.membership.1', undefined]) {
      expect(documentSignerUsages(docType)).not.toContain(EKU.EUDI_PID_DS);
    }
  });
});
