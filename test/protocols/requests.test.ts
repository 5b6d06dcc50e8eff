import { createPrivateKey, X509Certificate } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, decodeCbor, type EncodedCbor, embedBytes } from '../../src/cbor/index.js';
import { parseCoseSign1, verifyCoseSign1 } from '../../src/cose/index.js';
import { decryptAuthorizationResponse, parseVpToken } from '../../src/protocols/oid4vp/authorization-response.js';
import { clientIdFor } from '../../src/protocols/keys/verifier-identity.js';
import { loadOrCreateDevelopmentIdentity } from '../../src/runtime/verifier-identity-files.js';
import { toDcqlQuery } from '../../src/protocols/request/dcql.js';
import { createDeviceRequest, readerAuthenticationBytes } from '../../src/protocols/request/device-request.js';
import { validatePresentationRequest } from '../../src/protocols/request/presentation-request.js';
import { createHash } from 'node:crypto';
import { AGE_AND_RESIDENCE } from './fixtures.js';
import { hex, vector, vectorHex, vectorText } from './helpers.js';

const SPEC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk',
  y: 'Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk',
  d: 'Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww',
};

describe('JWE responses (OpenID4VP 1.0 §8.3 example)', () => {
  const jwe = vectorText('openid4vp-1.0-spec', 'section-8.3-example-response.jwe');
  it('decrypts the spec example with the spec key', async () => {
    const payload = await decryptAuthorizationResponse(jwe, { privateKey: createPrivateKey({ key: SPEC_KEY, format: 'jwk' }), kid: 'ac' });
    expect(payload).toEqual({ vp_token: { example_credential_id: ['eyJhb...YMetA'] } });
  });
  it('a wrong kid, a wrong key, a tampered tag and a disallowed enc are refused with codes', async () => {
    const key = createPrivateKey({ key: SPEC_KEY, format: 'jwk' });
    await expect(decryptAuthorizationResponse(jwe, { privateKey: key, kid: 'other' })).rejects.toMatchObject({ code: 'RESPONSE_ENCRYPTION_MISMATCH' });
    const wrong = newKeyPair('P-256').privateKey;
    await expect(decryptAuthorizationResponse(jwe, { privateKey: wrong, kid: 'ac' })).rejects.toMatchObject({ code: 'RESPONSE_DECRYPTION_FAILED' });
    const parts = jwe.split('.');
    parts[4] = (parts[4][0] === 'A' ? 'B' : 'A') + parts[4].slice(1);
    await expect(decryptAuthorizationResponse(parts.join('.'), { privateKey: key })).rejects.toMatchObject({ code: 'RESPONSE_DECRYPTION_FAILED' });
    await expect(decryptAuthorizationResponse(jwe, { privateKey: key, encValues: ['A256GCM'] })).rejects.toMatchObject({ code: 'RESPONSE_ENCRYPTION_MISMATCH' });
    await expect(decryptAuthorizationResponse('not.a.jwe', { privateKey: key })).rejects.toMatchObject({ code: 'RESPONSE_MALFORMED' });
  });
  it('vp_token must map credential ids to arrays of base64url', () => {
    expect([...parseVpToken({ vp_token: { a: ['AAEC'] } })]).toEqual([['a', [Uint8Array.of(0, 1, 2)]]]);
    expect(() => parseVpToken({ vp_token: { a: 'AAEC' } })).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
    expect(() => parseVpToken({ vp_token: { a: ['+/='] } })).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
    expect(() => parseVpToken({ vp_token: {} })).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
    expect(() => parseVpToken({ error: 'access_denied' })).toThrow(expect.objectContaining({ code: 'WALLET_ERROR' }));
  });
});

describe('DCQL', () => {
  it('one credential query per acceptable document, a credential_set to choose one', () => {
    const q = toDcqlQuery(AGE_AND_RESIDENCE);
    expect(q).toEqual({
      credentials: [
        {
          id: 'mnc',
          format: 'mso_mdoc',
          meta: { doctype_value: 'org.iso.23220.1.jp.mnc' },
          claims: [
            { path: ['org.iso.23220.1', 'age_over_20'], intent_to_retain: false },
            { path: ['org.iso.23220.1.jp', 'local_gov_code_unicode'], intent_to_retain: true },
          ],
        },
        { id: 'mdl', format: 'mso_mdoc', meta: { doctype_value: 'org.iso.18013.5.1.mDL' }, claims: [{ path: ['org.iso.18013.5.1', 'age_over_21'], intent_to_retain: false }] },
      ],
      credential_sets: [{ options: [['mnc'], ['mdl']], required: true }],
    });
  });
  it('optional elements become claim_sets, preferred first', () => {
    const q = toDcqlQuery({
      documents: [
        {
          id: 'x',
          docType: 'd',
          elements: [
            { nameSpace: 'n', elementIdentifier: 'a' },
            { nameSpace: 'n', elementIdentifier: 'b', optional: true },
          ],
        },
      ],
    });
    expect(q.credentials[0].claim_sets).toEqual([['c0', 'c1'], ['c0']]);
    expect(q.credential_sets).toBeUndefined();
  });
  it('rejects unusable requests', () => {
    expect(() => validatePresentationRequest({ documents: [] })).toThrow();
    expect(() => validatePresentationRequest({ documents: [{ id: 'a b', docType: 'd', elements: [{ nameSpace: 'n', elementIdentifier: 'e' }] }] })).toThrow();
    expect(() => validatePresentationRequest({ documents: [{ id: 'a', docType: 'd', elements: [] }] })).toThrow();
  });
});

describe('DeviceRequest and readerAuth', () => {
  const AD = 'iso18013-5-annexD-multipaz';
  it('ReaderAuthenticationBytes as built here verify the Annex D readerAuth', () => {
    const stb = decodeCbor(vectorHex(AD, 'session_transcript_bytes.hex')) as EncodedCbor;
    const items = embedBytes(vectorHex(AD, 'items_request.hex'));
    const payload = readerAuthenticationBytes(stb.bytes, items);
    const msg = parseCoseSign1(decodeCbor(vectorHex(AD, 'reader_auth.hex')));
    const key = new X509Certificate(vector(AD, 'reader_cert.der')).publicKey;
    expect(verifyCoseSign1(msg, key, { detachedPayload: payload })).toBe(true);
    payload[payload.length - 1] ^= 1;
    expect(verifyCoseSign1(msg, key, { detachedPayload: payload })).toBe(false);
  });

  it('builds version 1.0 with ItemsRequest per document and a detached readerAuth with x5chain', async () => {
    const { privateKey, publicKey } = newKeyPair('P-256');
    const transcript = Uint8Array.of(0x83, 0xf6, 0xf6, 0xf6);
    const fakeCert = Uint8Array.of(1, 2, 3);
    const dr = decodeCbor(createDeviceRequest(AGE_AND_RESIDENCE, transcript, { privateKey, x5chain: [fakeCert] })) as Map<string, unknown>;
    expect(dr.get('version')).toBe('1.0');
    const docRequests = asArray(dr.get('docRequests'), 'docRequests') as Map<string, unknown>[];
    expect(docRequests).toHaveLength(2);
    const items = docRequests[0].get('itemsRequest') as EncodedCbor;
    const itemsValue = decodeCbor(items.bytes) as Map<string, unknown>;
    expect(itemsValue.get('docType')).toBe('org.iso.23220.1.jp.mnc');
    expect((itemsValue.get('nameSpaces') as Map<string, Map<string, boolean>>).get('org.iso.23220.1.jp')!.get('local_gov_code_unicode')).toBe(true);
    const readerAuth = parseCoseSign1(docRequests[0].get('readerAuth'));
    expect(readerAuth.payload).toBeNull();
    expect(readerAuth.unprotectedHeaders.get(33)).toEqual(fakeCert);
    expect(verifyCoseSign1(readerAuth, publicKey, { detachedPayload: readerAuthenticationBytes(transcript, items) })).toBe(true);
  });
});

describe('development verifier identity', () => {
  it('is generated once into the folder, reused, with a SAN for the host and a private key file 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-id-'));
    const now = new Date();
    const first = await loadOrCreateDevelopmentIdentity('verifier.example', now, dir);
    const again = await loadOrCreateDevelopmentIdentity('verifier.example', now, dir);
    expect(hex(again.x5chain[0])).toBe(hex(first.x5chain[0]));
    expect(first.dnsNames).toEqual(['verifier.example']);
    expect(statSync(join(dir, 'reader.key.pem')).mode & 0o777).toBe(0o600);
    expect(clientIdFor(first)).toBe(`x509_hash:${createHash('sha256').update(first.x5chain[0]).digest('base64url')}`);
    expect(clientIdFor(first, 'x509_san_dns')).toBe('x509_san_dns:verifier.example');
    expect(() => clientIdFor(first, 'x509_san_dns', 'other.example')).toThrow();
    // Another host: a new certificate.
    const other = await loadOrCreateDevelopmentIdentity('other.example', now, dir);
    expect(other.dnsNames).toEqual(['other.example']);
    expect(readFileSync(join(dir, 'reader.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
