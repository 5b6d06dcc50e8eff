import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asArray, asBytes, decodeCbor, type EncodedCbor } from '../../src/cbor/index.js';
import {
  dcApiSessionTranscript,
  jwkThumbprint,
  openID4VPDCAPIHandover,
  openID4VPDCAPIHandoverInfo,
  openID4VPDCAPISessionTranscript,
  openID4VPHandover,
  openID4VPHandoverInfo,
  openID4VPSessionTranscript,
  proximitySessionTranscript,
} from '../../src/protocols/transcript/index.js';
import { jwkThumbprintBase64url } from '../../src/cose/jwk-thumbprint.js';
import { hex, vector, vectorHex, vectorJson, vectorText } from './helpers.js';

const SPEC = 'oid4vp-1.0-session-transcript-spec-vectors';
const spec = vectorJson(SPEC, 'computed_check.json');
// The JWK printed in OpenID4VP 1.0 B.2.6.1 / B.2.6.2 (use/alg/kid do not enter the thumbprint).
const specJwk = {
  kty: 'EC',
  crv: 'P-256',
  x: 'DxiH5Q4Yx3UrukE2lWCErq8N8bqC9CHLLrAwLz5BmE0',
  y: 'XtLM4-3h5o3HUH0MHVJV0kyq0iBlrBwlh8qEDMZ4-Pc',
  use: 'enc',
  alg: 'ECDH-ES',
  kid: '1',
};

describe('JWK thumbprint (RFC 7638)', () => {
  it('matches the thumbprint behind the OpenID4VP 1.0 B.2.6 examples', () => {
    expect(hex(jwkThumbprint(specJwk))).toBe(spec.redirect.inputs.jwk_thumbprint_hex);
  });
  it('matches the RFC 7638 §3.1 example', () => {
    const rsa = {
      kty: 'RSA',
      e: 'AQAB',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(Buffer.from(jwkThumbprint(rsa)).toString('base64url')).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(jwkThumbprintBase64url(rsa)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
  it('refuses a key type without required members, a missing member, and prototype names as kty', () => {
    for (const kty of ['oct', '__proto__', 'toString', undefined]) {
      expect(() => jwkThumbprint({ kty, k: 'AAAA' })).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    }
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AAAA' })).toThrow(expect.objectContaining({ code: 'KEY_INVALID', message: 'JWK member y missing' }));
  });
  it('escapes member values as JSON does', () => {
    const odd = { kty: 'OKP', crv: 'Ed"25519\\', x: 'A\u0001' };
    const json = `{"crv":${JSON.stringify(odd.crv)},"kty":"OKP","x":${JSON.stringify(odd.x)}}`;
    expect(hex(jwkThumbprint(odd))).toBe(createHash('sha256').update(json).digest('hex'));
  });
});

describe('OpenID4VPHandover (redirect, B.2.6.1)', () => {
  const input = {
    clientId: spec.redirect.inputs.client_id,
    nonce: spec.redirect.inputs.nonce,
    jwkThumbprint: jwkThumbprint(specJwk),
    responseUri: spec.redirect.inputs.response_uri,
  };
  it('OpenID4VPHandoverInfo is byte-exact', () => {
    expect(hex(openID4VPHandoverInfo(input))).toBe(spec.redirect.OpenID4VPHandoverInfo_hex);
  });
  it('Handover and SessionTranscript are byte-exact', () => {
    expect(hex(openID4VPHandover(input))).toBe('82714f70656e494434565048616e646f7665725820048bc053c00442af9b8eed494cefdd9d95240d254b046b11b68013722aad38ac');
    expect(hex(openID4VPSessionTranscript(input))).toBe(spec.redirect.SessionTranscript_hex);
  });
  it('equals the base64 pinned by the OIDF conformance suite', () => {
    expect(Buffer.from(openID4VPSessionTranscript(input)).toString('base64')).toBe('g/b2gnFPcGVuSUQ0VlBIYW5kb3ZlclggBIvAU8AEQq+bju1JTO/dnZUkDSVLBGsRtoATciqtOKw=');
  });
  it('any changed input changes the transcript', () => {
    const base = hex(openID4VPSessionTranscript(input));
    expect(hex(openID4VPSessionTranscript({ ...input, nonce: input.nonce + 'x' }))).not.toBe(base);
    expect(hex(openID4VPSessionTranscript({ ...input, jwkThumbprint: null }))).not.toBe(base);
    expect(hex(openID4VPSessionTranscript({ ...input, responseUri: 'https://example.com/other' }))).not.toBe(base);
  });
});

describe('OpenID4VPDCAPIHandover (DC API, B.2.6.2)', () => {
  const input = { origin: spec.dc_api.inputs.origin, nonce: spec.dc_api.inputs.nonce, jwkThumbprint: jwkThumbprint(specJwk) };
  it('info, handover and SessionTranscript are byte-exact', () => {
    expect(hex(openID4VPDCAPIHandoverInfo(input))).toBe(spec.dc_api.OpenID4VPDCAPIHandoverInfo_hex);
    expect(hex(openID4VPDCAPIHandover(input))).toBe('82764f70656e4944345650444341504948616e646f7665725820fbece366f4212f9762c74cfdbf83b8c69e371d5d68cea09cb4c48ca6daab761a');
    expect(hex(openID4VPDCAPISessionTranscript(input))).toBe(spec.dc_api.SessionTranscript_hex);
  });
  it('null thumbprint for dc_api (unencrypted) encodes as CBOR null', () => {
    const v = spec.dc_api_null_thumbprint_computed_by_us;
    expect(hex(openID4VPDCAPIHandoverInfo({ ...input, jwkThumbprint: null }))).toBe(v.OpenID4VPDCAPIHandoverInfo_hex);
    expect(hex(openID4VPDCAPISessionTranscript({ ...input, jwkThumbprint: null }))).toBe(v.SessionTranscript_hex);
  });
  it('rejects an origin: prefixed origin', () => {
    expect(() => openID4VPDCAPISessionTranscript({ ...input, origin: 'origin:https://example.com' })).toThrow(/prefix/);
  });
});

describe('Annex C dcapi handover', () => {
  const DIR = 'dcapi-annexC-real-captures-universal-verify';
  for (const plat of ['android', 'ios']) {
    it(`rebuilds the ${plat} capture's transcript (which opened the real HPKE ciphertext)`, () => {
      const params = vectorJson(DIR, `${plat}_params.json`);
      const st = dcApiSessionTranscript({ encryptionInfo: vectorText(DIR, `${plat}_derived_encryptionInfo.b64u`), origin: params.origin });
      expect(hex(st)).toBe(hex(vector(DIR, `${plat}_derived_sessionTranscript.cbor`)));
    });
  }
  it('matches the EU age verification spec Annex A published transcript', () => {
    const AV = 'eu-av-spec-annexA-dcapi-example';
    const expected = vectorText(AV, 'newer_spec_version_via_tessio_expected.txt').match(/SessionTranscript hex=([0-9a-f]+)/)![1];
    const st = dcApiSessionTranscript({
      encryptionInfo: vectorText(AV, 'newer_spec_version_via_tessio_encryptionInfo.b64u'),
      origin: 'https://verifier.ageverification.dev',
    });
    expect(hex(st)).toBe(expected);
  });
  it('the OID4VP-over-DC-API capture transcript decodes to an OpenID4VPDCAPIHandover', () => {
    const st = asArray(decodeCbor(vector(DIR, 'oid4vp_dcapi_sessionTranscript.cbor')), 'st');
    expect(st[0]).toBeNull();
    expect(asArray(st[2], 'handover')[0]).toBe('OpenID4VPDCAPIHandover');
  });
});

describe('ISO 18013-5 proximity SessionTranscript', () => {
  const AD = 'iso18013-5-annexD-multipaz';
  it('rebuilds the Annex D NFC transcript byte-exact from its parts', () => {
    const stb = vectorHex(AD, 'session_transcript_bytes.hex');
    const outer = decodeCbor(stb) as EncodedCbor;
    const parts = asArray(decodeCbor(outer.bytes), 'st');
    const handover = asArray(parts[2], 'handover');
    const establishment = decodeCbor(vectorHex(AD, 'session_establishment.hex')) as Map<string, unknown>;
    const eReaderKey = (establishment.get('eReaderKey') as EncodedCbor).bytes;
    const st = proximitySessionTranscript({
      // Annex D's NFC transcript carries the NFC engagement, not the QR one in device_engagement.hex.
      deviceEngagement: (parts[0] as EncodedCbor).bytes,
      eReaderKey,
      handover: { kind: 'nfc', handoverSelect: asBytes(handover[0], 'hs'), handoverRequest: handover[1] === null ? null : asBytes(handover[1], 'hr') },
    });
    expect(hex(st)).toBe(hex(outer.bytes));
    expect(hex(eReaderKey)).toBe(hex((parts[1] as EncodedCbor).bytes));
  });
  it('QR engagement has a null handover and keeps DeviceEngagement bytes untouched', () => {
    // A deliberately non-canonical DeviceEngagement (map with a 2-byte length head) must not be normalised.
    const de = Uint8Array.of(0xb9, 0x00, 0x01, 0x00, 0x63, 0x31, 0x2e, 0x30);
    const st = proximitySessionTranscript({ deviceEngagement: de, eReaderKey: Uint8Array.of(0xa0), handover: { kind: 'qr' } });
    expect(hex(st)).toBe('83d81848' + hex(de) + 'd81841a0' + 'f6');
  });
});
