/**
 * Every vector that holds a DeviceResponse (or an IssuerSigned), with the verdict its SOURCE.txt gives.
 * Where kakunin is stricter than the source's own verifier, the test says which check and why.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { decodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { TrustStore } from '../../src/trust/store.js';
import { ALL_PASS, bin, checkMap, deviceResponseAround, hex, rdwIaca, readerKeyFromHex, trustOf } from '../helpers/vectors.js';

const ANNEX_D = 'iso18013-5-annexD-multipaz/';
const UTOPIA = 'iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.pem';
const annexD = {
  response: hex(`${ANNEX_D}device_response.hex`),
  sessionTranscript: hex(`${ANNEX_D}session_transcript_bytes.hex`),
  readerEphemeralKey: readerKeyFromHex(`${ANNEX_D}ephemeral_reader_key_d.hex`),
};
const IN_2021 = new Date('2021-01-07T00:00:00Z');
const TODAY = new Date('2026-11-21T00:00:00Z');

describe('ISO 18013-5 Annex D', () => {
  it('is valid at 2021-01-07 with the utopia IACA and deviceMac', () => {
    const r = verifyDeviceResponse(annexD.response, { ...annexD, trust: trustOf(UTOPIA), at: IN_2021 });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(checkMap(r)).toEqual(ALL_PASS);
    const d = r.documents[0];
    expect(d.docType).toBe('org.iso.18013.5.1.mDL');
    expect(d.issuer).toMatchObject({ subject: 'CN=utopia ds, C=US', country: 'US' });
    expect(d.validity).toEqual({ signed: '2020-10-01T13:30:02Z', validFrom: '2020-10-01T13:30:02Z', validUntil: '2021-10-01T13:30:02Z' });
    expect(Object.keys(d.elements.issuerSigned['org.iso.18013.5.1']).sort()).toEqual(['document_number', 'driving_privileges', 'expiry_date', 'family_name', 'issue_date', 'portrait']);
    expect(d.elements.issuerSigned['org.iso.18013.5.1'].family_name).toBe('Doe');
    expect(String(d.elements.issuerSigned['org.iso.18013.5.1'].issue_date)).toBe('2019-10-20');
  });

  it('is invalid today: DS certificate and MSO expired', () => {
    const r = verifyDeviceResponse(annexD.response, { ...annexD, trust: trustOf(UTOPIA), at: TODAY });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code).sort()).toEqual(['ISSUER_CERT_EXPIRED', 'MSO_EXPIRED']);
  });

  it('fails the chain with an empty trust list (as @auth0/mdl: no valid certificate path)', () => {
    const r = verifyDeviceResponse(annexD.response, { ...annexD, trust: new TrustStore([]), at: IN_2021 });
    expect(checkMap(r).issuer_certificate_chain).toBe('fail:ISSUER_CERT_UNTRUSTED');
    expect(checkMap(r).issuer_signature).toBe('pass');
  });

  it('reports device authentication as not run without a transcript, and the document as not valid', () => {
    const r = verifyDeviceResponse(annexD.response, { trust: trustOf(UTOPIA), at: IN_2021, readerEphemeralKey: annexD.readerEphemeralKey });
    expect(checkMap(r).device_authentication).toBe('not_run:TRANSCRIPT_MISSING');
    expect(r.documents[0].valid).toBe(false);
  });

  it('reports deviceMac as not run without the reader key', () => {
    const r = verifyDeviceResponse(annexD.response, { sessionTranscript: annexD.sessionTranscript, trust: trustOf(UTOPIA), at: IN_2021 });
    expect(checkMap(r).device_authentication).toBe('not_run:READER_KEY_MISSING');
  });

  it('accepts the transcript with or without the #6.24 wrapper', () => {
    const inner = (decodeCbor(annexD.sessionTranscript) as { bytes: Uint8Array }).bytes;
    const r = verifyDeviceResponse(annexD.response, { ...annexD, sessionTranscript: inner, trust: trustOf(UTOPIA), at: IN_2021 });
    expect(r.valid).toBe(true);
  });

  it('fails device authentication for another session', () => {
    const other = hex('apple-wallet-dcapi-test-mdl-unsigned-multipaz/session_transcript.hex');
    const r = verifyDeviceResponse(annexD.response, { ...annexD, sessionTranscript: other, trust: trustOf(UTOPIA), at: IN_2021 });
    expect(checkMap(r).device_authentication).toBe('fail:DEVICE_AUTH_INVALID');
  });
});

describe('the three one-byte mutations of Annex D fail exactly their check', () => {
  const cases = [
    ['malformed_issuer_item_family_name_Doe_to_Foe', 'value_digests', 'DIGEST_MISMATCH'],
    ['malformed_device_mac_byte0', 'device_authentication', 'DEVICE_AUTH_INVALID'],
    ['malformed_issuer_signature_byte0', 'issuer_signature', 'ISSUER_SIGNATURE_INVALID'],
  ] as const;
  for (const [file, check, code] of cases) {
    it(file, () => {
      const r = verifyDeviceResponse(hex(`negative-annexD-mutations-multipaz/${file}.hex`), { ...annexD, trust: trustOf(UTOPIA), at: IN_2021 });
      expect(r.valid).toBe(false);
      expect(checkMap(r)).toEqual({ ...ALL_PASS, [check]: `fail:${code}` });
      expect(r.errors.map((e) => e.code)).toEqual([code]);
    });
  }
  it('the altered family_name is not reported as a verified element', () => {
    const r = verifyDeviceResponse(hex('negative-annexD-mutations-multipaz/malformed_issuer_item_family_name_Doe_to_Foe.hex'), {
      ...annexD,
      trust: trustOf(UTOPIA),
      at: IN_2021,
    });
    expect(r.documents[0].elements.issuerSigned['org.iso.18013.5.1'].family_name).toBeUndefined();
  });
});

describe('@auth0/mdl examples (NY DMV test certificate, trusted as given)', () => {
  const at = new Date('2025-01-01T00:00:00Z');
  const run = (n: number) =>
    verifyDeviceResponse(bin(`auth0-mdl-examples/example${n}_deviceResponse.cbor`), {
      trust: trustOf('auth0-mdl-examples/issuer.pem'),
      at,
      sessionTranscript: bin(`auth0-mdl-examples/example${n}_encodedSessionTranscript.cbor`),
    });
  // Stricter than auth0: its issuer.pem is both root and DS, a CA without the mDL DS extended key
  // usage, which ISO 18013-5 Annex B forbids for a document signer. Everything else passes.
  const STRICT_PROFILE = { ...ALL_PASS, issuer_certificate_profile: 'fail:ISSUER_CERT_PROFILE' };
  it('example1 (12 elements): every check but the Annex B profile passes', () => {
    const r = run(1);
    expect(checkMap(r)).toEqual(STRICT_PROFILE);
    expect(Object.keys(r.documents[0].elements.issuerSigned['org.iso.18013.5.1'])).toHaveLength(12);
  });
  it('example2 (partial disclosure): as example1', () => {
    expect(checkMap(run(2))).toEqual(STRICT_PROFILE);
  });
  it('example3 (tampered family_name): digest mismatch, signatures still valid', () => {
    expect(checkMap(run(3))).toEqual({ ...STRICT_PROFILE, value_digests: 'fail:DIGEST_MISMATCH' });
  });
  it('example4 (device-signed namespace): stricter than auth0, no keyAuthorizations for device-signed elements', () => {
    // auth0 accepts org.iso.wallet.mDL signed by the device key though the MSO authorises nothing;
    // ISO 18013-5 §9.1.2.4 requires keyAuthorizations for every device-signed element.
    const r = run(4);
    expect(checkMap(r)).toEqual({ ...STRICT_PROFILE, key_authorizations: 'fail:DEVICE_KEY_NOT_AUTHORIZED' });
    expect(r.documents[0].elements.deviceSigned).toEqual({});
  });
});

describe('pyMDOC-CBOR Annex D variant', () => {
  const opts = { ...annexD, trust: trustOf(UTOPIA), at: IN_2021 };
  it('issuer side valid; its deviceMac belongs to an unknown transcript', () => {
    const r = verifyDeviceResponse(bin('pymdoc-cbor-tests/issued_mdoc.cbor'), opts);
    expect(checkMap(r)).toEqual({ ...ALL_PASS, device_authentication: 'fail:DEVICE_AUTH_INVALID' });
  });
  it('corrupted issuer signature fails issuer_signature', () => {
    const r = verifyDeviceResponse(bin('pymdoc-cbor-tests/issued_mdoc_broken_signature.cbor'), opts);
    expect(checkMap(r).issuer_signature).toBe('fail:ISSUER_SIGNATURE_INVALID');
  });
});

describe('Multipaz EUDI PID (auth0 PR 63)', () => {
  it('issuer side valid with the Multipaz TEST IACA; device signature does not match the published transcript', () => {
    const r = verifyDeviceResponse(bin('auth0-mdl-pr63-multipaz-pid/deviceResponse.cbor'), {
      trust: trustOf('auth0-mdl-pr63-multipaz-pid/multipaz_test_iaca.pem'),
      at: new Date('2026-01-01T00:00:00Z'),
      sessionTranscript: bin('auth0-mdl-pr63-multipaz-pid/encodedSessionTranscript.cbor'),
    });
    expect(checkMap(r)).toEqual({ ...ALL_PASS, device_authentication: 'fail:DEVICE_AUTH_INVALID' });
    expect(Object.keys(r.documents[0].elements.issuerSigned['eu.europa.ec.eudi.pid.1'])).toHaveLength(8);
  });
  it('trust anchors match by subject and key: the isomdl re-serialised Multipaz IACA anchors the same DS', () => {
    const r = verifyDeviceResponse(bin('auth0-mdl-pr63-multipaz-pid/deviceResponse.cbor'), {
      trust: trustOf('isomdl-x509-chain-cases/owf_multipaz_iaca_p384.pem'),
      at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(checkMap(r).issuer_certificate_chain).toBe('pass');
  });
});

describe('Apple developer test mDL over the DC API', () => {
  it('fails issuer authentication (empty x5chain, zero signature) and passes device authentication', () => {
    const r = verifyDeviceResponse(hex('apple-wallet-dcapi-test-mdl-unsigned-multipaz/device_response.hex'), {
      trust: trustOf(UTOPIA),
      at: new Date('2025-08-01T00:00:00Z'),
      sessionTranscript: hex('apple-wallet-dcapi-test-mdl-unsigned-multipaz/session_transcript.hex'),
    });
    expect(r.valid).toBe(false);
    const c = checkMap(r);
    expect(c.issuer_certificate_chain).toBe('fail:ISSUER_CERT_MISSING');
    expect(c.issuer_signature).toBe('not_run:ISSUER_CERT_MISSING');
    expect(c.value_digests).toBe('pass');
    expect(c.device_authentication).toBe('pass');
    // The 11 digests match, but nobody trusted signed that MSO: no values are given out.
    expect(r.documents[0].elements.issuerSigned).toEqual({});
  });
});

describe('Sphereon: real SPRIND Funke PID IssuerSigned and its re-encoded copy', () => {
  const at = new Date('2024-06-25T00:00:00Z');
  const trust = () => trustOf(rdwIaca('43'));
  // The per-docType rule accepts a document-signer usage for eu.europa.ec.eudi.pid.1 (18013-5's,
  // 23220-4's or the EUDI PID rulebook's), but the SPRIND prototype
  // DS carries no extendedKeyUsage at all, so its profile still fails. These are IssuerSigned
  // captures without deviceSigned.
  const expected = {
    ...ALL_PASS,
    issuer_certificate_profile: 'fail:ISSUER_CERT_PROFILE',
    device_authentication: 'fail:DEVICE_AUTH_MISSING',
    key_authorizations: 'not_run:DEVICE_AUTH_MISSING',
  };
  it('original: issuer signature and all 22 digests valid', () => {
    const r = verifyDeviceResponse(deviceResponseAround(hex('sphereon-kmp-mdoc-testvectors/sprindFunkeTestVector.hex'), 'eu.europa.ec.eudi.pid.1'), { trust: trust(), at });
    expect(checkMap(r)).toEqual(expected);
    expect(Object.keys(r.documents[0].elements.issuerSigned['eu.europa.ec.eudi.pid.1'])).toHaveLength(22);
  });
  it('re-encoded: issuer signature still valid, 0 of 22 digests match', () => {
    const r = verifyDeviceResponse(deviceResponseAround(hex('sphereon-kmp-mdoc-testvectors/sphereonValidEncoded.hex'), 'eu.europa.ec.eudi.pid.1'), { trust: trust(), at });
    expect(checkMap(r)).toEqual({ ...expected, value_digests: 'fail:DIGEST_MISMATCH' });
    expect(r.documents[0].elements.issuerSigned).toEqual({});
    expect(r.documents[0].checks.find((c) => c.check === 'value_digests')!.message!.split(';')).toHaveLength(22);
  });
});

describe('mdoc-ts wallet captures', () => {
  it('Google CMWallet (DC API draft 24 handover): valid at 2025-02-20, fractional-second tdates', () => {
    const r = verifyDeviceResponse(bin('mdoc-ts-wallet-examples/google/deviceResponse.cbor'), {
      trust: trustOf('mdoc-ts-wallet-examples/google/signingCertificate.pem'),
      at: new Date('2025-02-20T00:00:00Z'),
      sessionTranscript: bin('mdoc-ts-wallet-examples/google/derived_sessionTranscript.cbor'),
    });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });
  it('French playground (Annex D issuerSigned, new deviceSignature): valid at 2021-09-25', () => {
    const r = verifyDeviceResponse(bin('mdoc-ts-wallet-examples/france/deviceResponse.cbor'), {
      trust: trustOf(UTOPIA),
      at: new Date('2021-09-25T00:00:00Z'),
      sessionTranscript: bin('mdoc-ts-wallet-examples/france/derived_sessionTranscript.cbor'),
    });
    expect(r.valid).toBe(true);
  });
  it('Ubique: signatures and digests valid; stricter profile (its DS lacks keyUsage digitalSignature)', () => {
    const r = verifyDeviceResponse(bin('mdoc-ts-wallet-examples/ubique/deviceResponse.cbor'), {
      trust: trustOf('mdoc-ts-wallet-examples/ubique/issuerCertificate.pem'),
      at: new Date('2025-02-01T00:00:00Z'),
      sessionTranscript: bin('mdoc-ts-wallet-examples/ubique/derived_sessionTranscript.cbor'),
    });
    expect(checkMap(r)).toEqual({ ...ALL_PASS, issuer_certificate_profile: 'fail:ISSUER_CERT_PROFILE' });
  });
  it('Bundesdruckerei mDL IssuerSigned: chain to the BDR test IACA, 18 digests valid', () => {
    const r = verifyDeviceResponse(deviceResponseAround(bin('mdoc-ts-wallet-examples/bdr/issuerSignedBytes.cbor'), 'org.iso.18013.5.1.mDL'), {
      trust: trustOf(rdwIaca('41')),
      at: new Date('2025-03-01T00:00:00Z'),
    });
    expect(checkMap(r)).toEqual({ ...ALL_PASS, device_authentication: 'fail:DEVICE_AUTH_MISSING', key_authorizations: 'not_run:DEVICE_AUTH_MISSING' });
    const ns = r.documents[0].elements.issuerSigned;
    expect(Object.values(ns).reduce((n, e) => n + Object.keys(e).length, 0)).toBe(18);
  });
  it('Animo Paradym PID over OpenID4VP 1.0: valid at 2026-01-12', () => {
    const r = verifyDeviceResponse(bin('mdoc-ts-wallet-examples/animo-mdoc-05/deviceResponse.cbor'), {
      trust: trustOf('mdoc-ts-wallet-examples/animo-mdoc-05/rootCertificate.pem'),
      at: new Date('2026-01-12T00:00:00Z'),
      sessionTranscript: bin('mdoc-ts-wallet-examples/animo-mdoc-05/derived_sessionTranscript.cbor'),
    });
    expect(r.valid).toBe(true);
    expect(r.documents[0].validity?.expectedUpdate).toBeDefined();
  });
});

describe('OIDF conformance suite fixtures', () => {
  it('suite mdoc (self-signed DS trusted directly, no elements disclosed): valid on 2025-02-09 only', () => {
    const response = bin('oidf-conformance-oid4vp-mdoc/mdoc.cbor');
    const issuerAuth = (decodeCbor(response) as Map<string, any>).get('documents')[0].get('issuerSigned').get('issuerAuth') as unknown[];
    const ds = (issuerAuth[1] as Map<number, Uint8Array>).get(33)!;
    expect(new X509Certificate(ds).subject).toBe('CN=State Of Utopia');
    const opts = { trust: TrustStore.fromCertificates([ds]), sessionTranscript: bin('oidf-conformance-oid4vp-mdoc/mdoc_session_transcript.cbor') };
    const onTheDay = verifyDeviceResponse(response, { ...opts, at: new Date('2025-02-09T00:00:00Z') });
    // The suite's DS is a bare self-signed certificate without the Annex B DS extensions.
    expect(checkMap(onTheDay)).toMatchObject({ issuer_signature: 'pass', device_authentication: 'pass', mso_validity: 'pass', value_digests: 'pass' });
    const now = verifyDeviceResponse(response, { ...opts, at: TODAY });
    expect(checkMap(now).mso_validity).toBe('fail:MSO_EXPIRED');
  });
  it('Samsung Wallet deviceMac response: valid with the Samsung test IACA and the verifier key', () => {
    const r = verifyDeviceResponse(bin('oidf-conformance-oid4vp-mdoc/mdoc-mac.cbor'), {
      trust: trustOf(rdwIaca('12')),
      at: new Date('2025-06-01T00:00:00Z'),
      sessionTranscript: bin('oidf-conformance-oid4vp-mdoc/mdoc-mac_session_transcript.cbor'),
      readerEphemeralKey: readerKeyFromHex('oidf-conformance-oid4vp-mdoc/decryption_jwk_d.hex'),
    });
    expect(r.errors).toEqual([]);
    expect(checkMap(r)).toEqual(ALL_PASS);
    expect(Object.keys(r.documents[0].elements.issuerSigned['org.iso.18013.5.1'])).toHaveLength(11);
  });
  it('Animo PID quirk (deviceSignature with undefined payload plus deviceMac: undefined) is flagged', () => {
    const r = verifyDeviceResponse(bin('oidf-conformance-oid4vp-mdoc/mdoc-animo.cbor'), { trust: trustOf(rdwIaca('43')), at: new Date('2024-11-01T00:00:00Z') });
    const c = checkMap(r);
    expect(c.issuer_signature).toBe('pass');
    expect(c.value_digests).toBe('pass');
    expect(c.device_authentication).toBe('fail:DEVICE_AUTH_INVALID');
  });
});

describe('unsigned hostile MSO dates', () => {
  it('an MSO with epoch dates NaN or 1e300 is MSO_INVALID, never a throw', async () => {
    const { encodeCbor, embed, Tagged } = await import('../../src/cbor/index.js');
    for (const bad of [NaN, 1e300]) {
      const d = new Tagged(1, bad);
      const mso = new Map<string, unknown>([
        ['version', '1.0'],
        ['digestAlgorithm', 'SHA-256'],
        ['valueDigests', new Map()],
        ['deviceKeyInfo', new Map([['deviceKey', new Map()]])],
        ['docType', 'x'],
        [
          'validityInfo',
          new Map([
            ['signed', d],
            ['validFrom', d],
            ['validUntil', d],
          ]),
        ],
      ]);
      const issuerAuth = [encodeCbor(new Map([[1, -7]])), new Map(), encodeCbor(embed(mso)), new Uint8Array(64)];
      const response = encodeCbor(
        new Map<string, unknown>([
          ['version', '1.0'],
          [
            'documents',
            [
              new Map<string, unknown>([
                ['docType', 'x'],
                ['issuerSigned', new Map<string, unknown>([['issuerAuth', issuerAuth]])],
              ]),
            ],
          ],
          ['status', 0],
        ]),
      );
      const r = verifyDeviceResponse(response, { trust: new TrustStore([]), at: TODAY });
      expect(r.valid).toBe(false);
      expect(checkMap(r).mso_structure).toBe('fail:MSO_INVALID');
    }
  });
});
