/**
 * Differential tests against @auth0/mdl, an independent TypeScript implementation:
 * - mdocs issued and presented by @auth0/mdl verify in kakunin (and in @auth0/mdl itself);
 * - sandbox-issued responses verify in @auth0/mdl's Verifier (the sandbox is not only self-consistent);
 * - on the shared vectors where both apply, kakunin reaches @auth0/mdl's verdict, and where kakunin is
 *   stricter the test says which check and why.
 *
 * @auth0/mdl registers cbor-x tag extensions (0, 1004, 24) process-wide when it loads. kakunin
 * decodes with its own decoder and encodes through explicit cbor-x Tags, so it is unaffected; the
 * sandbox half of this file would break if that ever stopped being true.
 * @auth0/mdl's Verifier reads the clock itself; where a vector needs another date, Date is faked for
 * its call only (kakunin gets the date as `at`).
 */
import 'reflect-metadata';
import { DeviceResponse, Document, MDoc, Verifier } from '@auth0/mdl';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cborHead, concat, decodeCbor, encodeCbor } from '../../src/cbor/index.js';
import { keyObjectToCoseKey } from '../../src/cose/index.js';
import type { VerificationResult } from '../../src/mdoc/result.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { readCertificates } from '../../src/trust/certificate.js';
import { TrustStore } from '../../src/trust/store.js';
import { createDeviceResponse, createDocumentSigner, createIaca, issueMdoc, MDL_DOCTYPE, MDL_NS, type SandboxCa, type SandboxCertificate } from '../../src/sandbox/index.js';

const AUTH0 = 'test/vectors/auth0-mdl-examples';
const ANNEX_D = 'test/vectors/iso18013-5-annexD-multipaz';
const UTOPIA_IACA = 'test/vectors/iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.der';

interface Auth0Verdict {
  valid: boolean;
  /** Ids of the checks @auth0/mdl reported FAILED, or the message it threw. */
  failed: string[];
}

/** Runs @auth0/mdl's Verifier and collects every failed check instead of stopping at the first. */
async function auth0Verify(bytes: Uint8Array, trustPems: string[], options: { transcript?: Uint8Array; readerKey?: Uint8Array; at?: Date } = {}): Promise<Auth0Verdict> {
  const failed: string[] = [];
  if (options.at) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(options.at);
  }
  try {
    await new Verifier(trustPems).verify(bytes, {
      encodedSessionTranscript: options.transcript,
      ephemeralReaderKey: options.readerKey,
      onCheck: (check) => {
        if (check.status === 'FAILED') failed.push(check.id);
      },
    });
  } catch (e) {
    failed.push(`threw: ${(e as Error).message}`);
  } finally {
    if (options.at) vi.useRealTimers();
  }
  return { valid: failed.length === 0, failed };
}

afterEach(() => {
  vi.useRealTimers();
});

/** The checks of the (single) document that did not pass, as check -> code. */
function notPassed(result: VerificationResult): Record<string, string | undefined> {
  expect(result.documents).toHaveLength(1);
  return Object.fromEntries(result.documents[0].checks.filter((c) => c.status !== 'pass').map((c) => [c.check, c.code]));
}

function wrap24(bytes: Uint8Array): Uint8Array {
  return concat(cborHead(6, 24), cborHead(2, bytes.length), bytes);
}

function file(path: string): Buffer {
  return readFileSync(path);
}

function hexFile(path: string): Buffer {
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

/** COSE_Key bytes (with d) of a P-256 private key, the form @auth0/mdl takes keys in. */
function coseKeyBytes(key: KeyObject, includePrivate: boolean): Uint8Array {
  return encodeCbor(keyObjectToCoseKey(key, { includePrivate }));
}

// Certificates for documents made now: @auth0/mdl verifies against the real clock.
const NOW = new Date();
const DAY = 86_400_000;
let iaca: SandboxCa;
let ds: SandboxCertificate;
let trust: TrustStore;
/** Tag-24-wrapped SessionTranscript, as @auth0/mdl takes it; kakunin accepts both forms. */
let transcript: Uint8Array;

beforeAll(async () => {
  iaca = await createIaca({ country: 'US', notBefore: new Date(NOW.getTime() - 30 * DAY), notAfter: new Date(NOW.getTime() + 3650 * DAY) });
  ds = await createDocumentSigner(iaca, { notBefore: new Date(NOW.getTime() - 10 * DAY), notAfter: new Date(NOW.getTime() + 300 * DAY) });
  trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
  transcript = wrap24(encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(32).fill(7)]]));
});

const MDL_VALUES = {
  family_name: 'Jones',
  given_name: 'Ava',
  birth_date: '2007-03-25',
  issuing_country: 'US',
  document_number: 'X1234567',
  age_over_18: true,
};

async function auth0IssuedMdoc(deviceKey: KeyObject): Promise<Uint8Array> {
  const document = await new Document(MDL_DOCTYPE)
    .addIssuerNameSpace(MDL_NS, MDL_VALUES)
    .useDigestAlgorithm('SHA-256')
    .addValidityInfo({ signed: new Date(NOW.getTime() - 3600_000), validFrom: new Date(NOW.getTime() - 3600_000), validUntil: new Date(NOW.getTime() + 30 * DAY) })
    .addDeviceKeyInfo({ deviceKey: createPublicKey(deviceKey).export({ format: 'jwk' }) })
    .sign({ issuerPrivateKey: ds.keys.privateKey.export({ format: 'jwk' }), issuerCertificate: ds.pem, alg: 'ES256' });
  return new MDoc([document]).encode();
}

const PRESENTATION = {
  id: 'mdl-subset',
  input_descriptors: [
    {
      id: MDL_DOCTYPE,
      format: { mso_mdoc: { alg: ['ES256'] } },
      constraints: {
        limit_disclosure: 'required',
        fields: ['family_name', 'birth_date', 'age_over_18'].map((id) => ({ path: [`$['${MDL_NS}']['${id}']`], intent_to_retain: false })),
      },
    },
  ],
} as never;

describe('@auth0/mdl issues, kakunin verifies', () => {
  it('deviceSignature: valid in kakunin and in @auth0/mdl, same disclosed elements', async () => {
    const device = newKeyPair('P-256');
    const issued = await auth0IssuedMdoc(device.privateKey);
    const response = await DeviceResponse.from(issued)
      .usingPresentationDefinition(PRESENTATION)
      .usingSessionTranscriptBytes(Buffer.from(transcript))
      .authenticateWithSignature(device.privateKey.export({ format: 'jwk' }), 'ES256')
      .sign();
    const bytes = new Uint8Array(response.encode());

    const result = verifyDeviceResponse(bytes, { trust, at: NOW, sessionTranscript: transcript });
    expect(notPassed(result)).toEqual({});
    expect(result.valid).toBe(true);
    const elements = result.documents[0].elements.issuerSigned[MDL_NS];
    expect(Object.keys(elements).sort()).toEqual(['age_over_18', 'birth_date', 'family_name']);
    expect(elements.family_name).toBe('Jones');
    expect(String(elements.birth_date)).toBe('2007-03-25');

    expect(await auth0Verify(bytes, [iaca.pem], { transcript })).toEqual({ valid: true, failed: [] });
  });

  it('deviceMac: valid in kakunin and in @auth0/mdl', async () => {
    const device = newKeyPair('P-256');
    const reader = newKeyPair('P-256');
    const issued = await auth0IssuedMdoc(device.privateKey);
    const response = await DeviceResponse.from(issued)
      .usingPresentationDefinition(PRESENTATION)
      .usingSessionTranscriptBytes(Buffer.from(transcript))
      .authenticateWithMAC(coseKeyBytes(device.privateKey, true), coseKeyBytes(reader.publicKey, false), 'HS256')
      .sign();
    const bytes = new Uint8Array(response.encode());

    const result = verifyDeviceResponse(bytes, { trust, at: NOW, sessionTranscript: transcript, readerEphemeralKey: reader.privateKey });
    expect(notPassed(result)).toEqual({});
    expect(result.documents[0].checks.find((c) => c.check === 'device_authentication')?.message).toBe('deviceMac');
    expect(await auth0Verify(bytes, [iaca.pem], { transcript, readerKey: coseKeyBytes(reader.privateKey, true) })).toEqual({ valid: true, failed: [] });
  });

  it('the same response under another transcript fails device authentication in both', async () => {
    const device = newKeyPair('P-256');
    const response = await DeviceResponse.from(await auth0IssuedMdoc(device.privateKey))
      .usingPresentationDefinition(PRESENTATION)
      .usingSessionTranscriptBytes(Buffer.from(transcript))
      .authenticateWithSignature(device.privateKey.export({ format: 'jwk' }), 'ES256')
      .sign();
    const bytes = new Uint8Array(response.encode());
    const other = wrap24(encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(32).fill(8)]]));
    expect(notPassed(verifyDeviceResponse(bytes, { trust, at: NOW, sessionTranscript: other }))).toEqual({ device_authentication: 'DEVICE_AUTH_INVALID' });
    const auth0 = await auth0Verify(bytes, [iaca.pem], { transcript: other });
    expect(auth0.valid).toBe(false);
    expect(auth0.failed).toEqual(['DEVICE_SIGNATURE_VALIDITY']);
  });
});

describe('the sandbox issues, @auth0/mdl verifies', () => {
  it('a sandbox mDL with deviceSignature is valid in @auth0/mdl', async () => {
    const mdoc = await issueMdoc({
      docType: MDL_DOCTYPE,
      nameSpaces: { [MDL_NS]: { family_name: 'Sandbox', age_over_18: true } },
      signer: ds,
      validity: { signed: new Date(NOW.getTime() - 3600_000), validFrom: new Date(NOW.getTime() - 3600_000), validUntil: new Date(NOW.getTime() + 30 * DAY) },
    });
    const bytes = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
    expect(await auth0Verify(bytes, [iaca.pem], { transcript })).toEqual({ valid: true, failed: [] });
    expect(verifyDeviceResponse(bytes, { trust, at: NOW, sessionTranscript: transcript }).valid).toBe(true);
  });

  it('a sandbox mDL with deviceMac is valid in @auth0/mdl', async () => {
    const reader = newKeyPair('P-256');
    const mdoc = await issueMdoc({
      docType: MDL_DOCTYPE,
      nameSpaces: { [MDL_NS]: { family_name: 'Sandbox', age_over_18: true } },
      signer: ds,
      validity: { signed: new Date(NOW.getTime() - 3600_000), validFrom: new Date(NOW.getTime() - 3600_000), validUntil: new Date(NOW.getTime() + 30 * DAY) },
    });
    const bytes = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey } }] });
    expect(await auth0Verify(bytes, [iaca.pem], { transcript, readerKey: coseKeyBytes(reader.privateKey, true) })).toEqual({ valid: true, failed: [] });
    expect(verifyDeviceResponse(bytes, { trust, at: NOW, sessionTranscript: transcript, readerEphemeralKey: reader.privateKey }).valid).toBe(true);
  });

  it('a sandbox value altered after signing fails the digest check in both', async () => {
    const mdoc = await issueMdoc({
      docType: MDL_DOCTYPE,
      nameSpaces: { [MDL_NS]: { family_name: 'Sandbox', age_over_18: false } },
      signer: ds,
      validity: { signed: new Date(NOW.getTime() - 3600_000), validFrom: new Date(NOW.getTime() - 3600_000), validUntil: new Date(NOW.getTime() + 30 * DAY) },
      defects: { alterValueAfterSigning: { nameSpace: MDL_NS, elementIdentifier: 'age_over_18', value: true } },
    });
    const bytes = createDeviceResponse({ sessionTranscript: transcript, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
    expect(notPassed(verifyDeviceResponse(bytes, { trust, at: NOW, sessionTranscript: transcript }))).toEqual({ value_digests: 'DIGEST_MISMATCH' });
    const auth0 = await auth0Verify(bytes, [iaca.pem], { transcript });
    expect(auth0.valid).toBe(false);
    expect(auth0.failed).toEqual(['ATTRIBUTE_DIGEST_MATCH']);
  });
});

describe('shared vectors: kakunin agrees with @auth0/mdl', () => {
  const issuerPem = () => readFileSync(`${AUTH0}/issuer.pem`, 'utf8');
  const auth0Trust = () => TrustStore.fromCertificates(readCertificates(readFileSync(`${AUTH0}/issuer.pem`)), { set: 'test' });

  // The NY DMV test certificate is both the trust anchor and the document signer (self-signed, no mdoc
  // EKU). @auth0/mdl accepts that; kakunin applies the ISO 18013-5 Annex B profile and rejects it as
  // ISSUER_CERT_PROFILE. Every other check must agree with @auth0/mdl's verdict.
  for (const [example, auth0Valid, otherFailures] of [
    ['example1', true, {}],
    ['example2', true, {}],
    ['example3', false, { value_digests: 'DIGEST_MISMATCH' }],
    // example4 carries device-signed elements (org.iso.wallet.mDL) but its MSO has no
    // keyAuthorizations. ISO 18013-5 §9.1.2.4 lets the device sign only what keyAuthorizations
    // grant; @auth0/mdl does not look at them, kakunin reports DEVICE_KEY_NOT_AUTHORIZED.
    ['example4', true, { key_authorizations: 'DEVICE_KEY_NOT_AUTHORIZED' }],
  ] as const) {
    it(`auth0 ${example}: @auth0/mdl says ${auth0Valid ? 'valid' : 'invalid'}; kakunin agrees apart from the stricter DS profile`, async () => {
      const bytes = file(`${AUTH0}/${example}_deviceResponse.cbor`);
      const st = file(`${AUTH0}/${example}_encodedSessionTranscript.cbor`);
      const auth0 = await auth0Verify(bytes, [issuerPem()], { transcript: st });
      expect(auth0.valid).toBe(auth0Valid);
      if (!auth0Valid) expect(auth0.failed).toEqual(['ATTRIBUTE_DIGEST_MATCH']);

      const result = verifyDeviceResponse(bytes, { trust: auth0Trust(), at: NOW, sessionTranscript: st });
      expect(result.valid).toBe(false);
      expect(notPassed(result)).toEqual({ issuer_certificate_profile: 'ISSUER_CERT_PROFILE', ...otherFailures });
    });
  }

  it('auth0 example4: the device-signed elements @auth0/mdl accepts are withheld by kakunin', () => {
    const bytes = file(`${AUTH0}/example4_deviceResponse.cbor`);
    const st = file(`${AUTH0}/example4_encodedSessionTranscript.cbor`);
    const result = verifyDeviceResponse(bytes, { trust: auth0Trust(), at: NOW, sessionTranscript: st });
    // Device authentication itself passes: the device did sign them, it was just never allowed to.
    expect(result.documents[0].checks.find((c) => c.check === 'device_authentication')?.status).toBe('pass');
    expect(result.documents[0].elements.deviceSigned).toEqual({});
    expect(Object.keys(result.documents[0].elements.issuerSigned[MDL_NS]).length).toBeGreaterThan(0);
  });

  describe('ISO 18013-5 Annex D (deviceMac)', () => {
    const bytes = () => hexFile(`${ANNEX_D}/device_response.hex`);
    const st = () => hexFile(`${ANNEX_D}/session_transcript_bytes.hex`);
    const readerKey = (): KeyObject => {
      const b = (n: string) => hexFile(`${ANNEX_D}/ephemeral_reader_key_${n}.hex`).toString('base64url');
      return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: b('x'), y: b('y'), d: b('d') }, format: 'jwk' });
    };
    const utopiaPem = () =>
      `-----BEGIN CERTIFICATE-----\n${file(UTOPIA_IACA)
        .toString('base64')
        .replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    const utopia = () => TrustStore.fromCertificates([new Uint8Array(file(UTOPIA_IACA))]);

    it('valid for both at 2021-01-07 with the utopia IACA', async () => {
      const at = new Date('2021-01-07T00:00:00Z');
      const auth0 = await auth0Verify(bytes(), [utopiaPem()], { transcript: st(), readerKey: coseKeyBytes(readerKey(), true), at });
      expect(auth0).toEqual({ valid: true, failed: [] });
      const result = verifyDeviceResponse(bytes(), { trust: utopia(), at, sessionTranscript: st(), readerEphemeralKey: readerKey() });
      expect(notPassed(result)).toEqual({});
      expect(result.valid).toBe(true);
    });

    it('invalid for both today: DS certificate and MSO expired', async () => {
      const auth0 = await auth0Verify(bytes(), [utopiaPem()], { transcript: st(), readerKey: coseKeyBytes(readerKey(), true) });
      expect(auth0.valid).toBe(false);
      expect(auth0.failed).toEqual(expect.arrayContaining(['ISSUER_CERTIFICATE_VALIDITY', 'MSO_VALIDITY_AT_VERIFICATION_TIME']));
      const result = verifyDeviceResponse(bytes(), { trust: utopia(), at: NOW, sessionTranscript: st(), readerEphemeralKey: readerKey() });
      expect(notPassed(result)).toEqual({ issuer_certificate_chain: 'ISSUER_CERT_EXPIRED', mso_validity: 'MSO_EXPIRED' });
    });

    it('invalid for both with an empty trust list', async () => {
      const at = new Date('2021-01-07T00:00:00Z');
      const auth0 = await auth0Verify(bytes(), [], { transcript: st(), readerKey: coseKeyBytes(readerKey(), true), at });
      expect(auth0.valid).toBe(false);
      expect(auth0.failed).toEqual(['ISSUER_CERTIFICATE_VALIDITY']);
      const result = verifyDeviceResponse(bytes(), { trust: new TrustStore([]), at, sessionTranscript: st(), readerEphemeralKey: readerKey() });
      expect(notPassed(result)).toEqual({ issuer_certificate_chain: 'ISSUER_CERT_UNTRUSTED', issuer_certificate_profile: 'ISSUER_CERT_UNTRUSTED' });
    });
  });
});

// @auth0/mdl has registered its cbor-x extensions by now: kakunin's decoding and its tdate encoding
// must be what they are without it.
describe('decoder isolation', () => {
  it('kakunin decodes the auth0 vectors the same after @auth0/mdl loaded', () => {
    const bytes = file(`${AUTH0}/example1_deviceResponse.cbor`);
    const decoded = decodeCbor(bytes) as Map<string, unknown>;
    expect(decoded.get('version')).toBe('1.0');
    expect(Buffer.from(encodeCbor(new Date('2024-01-02T03:04:05Z'))).toString('hex')).toBe(Buffer.from('c074323032342d30312d30325430333a30343a30355a', 'hex').toString('hex'));
  });
});
