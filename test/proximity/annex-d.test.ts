/**
 * ISO 18013-5 Annex D, byte-exact: every intermediate value of the in-person flow as the standard
 * prints it (Multipaz transcription in test/vectors/iso18013-5-annexD-multipaz).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCbor, decodeEmbedded, asArray, asEmbedded } from '../../src/cbor/index.js';
import { coseKeyToKeyObject } from '../../src/cose/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { deriveEMacKey } from '../../src/mdoc/device-authentication.js';
import { sessionTranscriptForms } from '../../src/mdoc/session-transcript.js';
import { proximitySessionTranscript } from '../../src/protocols/transcript/index.js';
import { TrustStore } from '../../src/trust/store.js';
import {
  decodeSessionData,
  decodeSessionEstablishment,
  deriveSessionKeys,
  ecdh,
  parseDeviceEngagement,
  parseDeviceRequest,
  parseHandoverSelect,
  parseMdocUri,
  mdocUri,
  readerAuthenticationBytes,
  SessionCipher,
  sessionTranscriptBytes,
  STATUS,
  verifyReaderAuth,
} from '../../src/protocols/proximity/index.js';
import { bin, hex as vectorHex } from '../helpers/vectors.js';

const hex = (name: string): Uint8Array => vectorHex(`iso18013-5-annexD-multipaz/${name}.hex`);
const h = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function p256(name: string, withPrivate: boolean): KeyObject {
  const x = Buffer.from(hex(`${name}_x`)).toString('base64url');
  const y = Buffer.from(hex(`${name}_y`)).toString('base64url');
  const jwk = { kty: 'EC', crv: 'P-256', x, y };
  if (!withPrivate) return createPublicKey({ key: jwk, format: 'jwk' });
  const d = Buffer.from(hex(`${name}_d`)).toString('base64url');
  return createPrivateKey({ key: { ...jwk, d }, format: 'jwk' });
}

const transcriptBytes = hex('session_transcript_bytes');
/** The Annex D transcript is the NFC one: [DeviceEngagementBytes, EReaderKeyBytes, [HandoverSelect, HandoverRequest]]. */
const transcript = asArray(decodeEmbedded(asEmbedded(decodeCbor(transcriptBytes), 'st')), 'st');
const [hsBytes, hrBytes] = asArray(transcript[2], 'handover') as Uint8Array[];

describe('Annex D DeviceEngagement (QR form, D.3.1)', () => {
  it('parses version, EDeviceKey and the BLE central client offer', () => {
    const de = parseDeviceEngagement(hex('device_engagement'));
    expect(de.version).toBe('1.0');
    expect(de.cipherSuite).toBe(1);
    const jwk = de.eDeviceKey.export({ format: 'jwk' });
    expect(Buffer.from(jwk.x!, 'base64url').toString('hex')).toBe(h(hex('ephemeral_device_key_x')));
    expect(de.retrievalMethods).toEqual([
      { type: 'ble', peripheralServerMode: false, centralClientMode: true, centralClientUuid: '45efef74-2b2c-4837-a9a3-b0e1d05a6917', peripheralServerUuid: undefined },
    ]);
  });

  it('keeps the bytes as received through an mdoc: URI', () => {
    const bytes = hex('device_engagement');
    const de = parseMdocUri(`  ${mdocUri(bytes)}\r\n`);
    expect(h(de.bytes)).toBe(h(bytes));
  });
});

describe('Annex D NFC engagement (static handover inside the transcript)', () => {
  it('parses the Handover Select: DeviceEngagement record bytes and the BLE carrier', () => {
    const nfc = parseHandoverSelect(hsBytes);
    // The DeviceEngagement inside the transcript is byte-identical to the NDEF record payload.
    expect(h(nfc.deviceEngagement.bytes)).toBe(h(asEmbedded(transcript[0], 'de').bytes));
    expect(nfc.retrievalMethods).toHaveLength(1);
    expect(nfc.retrievalMethods[0]).toMatchObject({ type: 'ble', centralClientMode: true, peripheralServerAddress: '28128b372828' });
  });

  it('rebuilds SessionTranscriptBytes byte-exact from the handover messages and EReaderKey', () => {
    const nfc = parseHandoverSelect(hsBytes);
    const est = decodeSessionEstablishment(hex('session_establishment'));
    const built = proximitySessionTranscript({
      deviceEngagement: nfc.deviceEngagement.bytes,
      eReaderKey: est.eReaderKey.bytes,
      handover: { kind: 'nfc', handoverSelect: nfc.handoverSelect, handoverRequest: hrBytes },
    });
    expect(h(sessionTranscriptBytes(built))).toBe(h(transcriptBytes));
  });
});

describe('Annex D session keys and encryption (D.4, D.5)', () => {
  const reader = p256('ephemeral_reader_key', true);
  const device = p256('ephemeral_device_key', true);

  it('ECDH, SKReader and SKDevice match from both sides', () => {
    expect(h(ecdh(reader, p256('ephemeral_device_key', false)))).toBe('6423502f843d8cda01fbd9fa46cb397534a740ab1ec3d1076fbcb12e1dca2589');
    const fromReader = deriveSessionKeys(reader, p256('ephemeral_device_key', false), transcriptBytes);
    const fromDevice = deriveSessionKeys(device, p256('ephemeral_reader_key', false), transcriptBytes);
    expect(h(fromReader.skReader)).toBe('58d277d8719e62a1561d248f403f477e9e6c37bf5d5fc5126f8f4c727c22dfc9');
    expect(h(fromReader.skDevice)).toBe('81d170e07fbdac93c1a676242c2576124a380d87bb73ed9ce4834de2272cf409');
    expect(fromDevice).toEqual(fromReader);
  });

  it('decrypts SessionEstablishment to the DeviceRequest and SessionData to the DeviceResponse', () => {
    const est = decodeSessionEstablishment(hex('session_establishment'));
    const eReaderKey = coseKeyToKeyObject(decodeEmbedded(est.eReaderKey));
    const mdoc = new SessionCipher(deriveSessionKeys(device, eReaderKey, transcriptBytes), 'mdoc');
    expect(h(mdoc.decrypt(est.data))).toBe(h(hex('device_request')));
    // The reader side: its message 1 to the mdoc re-encrypts to the very same ciphertext.
    const rdr = new SessionCipher(deriveSessionKeys(reader, p256('ephemeral_device_key', false), transcriptBytes), 'reader');
    expect(h(rdr.encrypt(hex('device_request')))).toBe(h(est.data));
    const sd = decodeSessionData(hex('session_data'));
    expect(h(rdr.decrypt(sd.data!))).toBe(h(hex('device_response')));
  });

  it('a second decryption of the same message fails (implicit counter)', () => {
    const rdr = new SessionCipher(deriveSessionKeys(reader, p256('ephemeral_device_key', false), transcriptBytes), 'reader');
    const sd = decodeSessionData(hex('session_data'));
    rdr.decrypt(sd.data!);
    expect(() => rdr.decrypt(sd.data!)).toThrow(expect.objectContaining({ code: 'SESSION_ENCRYPTION' }));
  });

  it('reads the session termination message', () => {
    expect(decodeSessionData(hex('session_termination'))).toEqual({ status: STATUS.sessionTermination });
  });
});

describe('Annex D readerAuth (D.4.1.1)', () => {
  it('verifies over ReaderAuthenticationBytes built from the transcript and ItemsRequestBytes as received', () => {
    const req = parseDeviceRequest(hex('device_request'));
    expect(req.docRequests).toHaveLength(1);
    const doc = req.docRequests[0];
    expect(h(doc.itemsRequestBytes.bytes)).toBe(h(hex('items_request')));
    const cert = verifyReaderAuth(doc.readerAuth, transcriptBytes, doc.itemsRequestBytes);
    expect(cert.subject).toContain('CN=reader');
    expect(h(readerAuthenticationBytes(transcriptBytes, doc.itemsRequestBytes)).startsWith('d8185902')).toBe(true);
  });

  it('fails with another transcript', () => {
    const req = parseDeviceRequest(hex('device_request'));
    const doc = req.docRequests[0];
    const other = new Uint8Array(transcriptBytes);
    other[other.length - 1] ^= 1;
    expect(() => verifyReaderAuth(doc.readerAuth, other, doc.itemsRequestBytes)).toThrow(expect.objectContaining({ code: 'READER_AUTH_INVALID' }));
  });
});

describe('Annex D EMacKey and deviceMac through the verification core', () => {
  const trust = TrustStore.fromCertificates([bin('iso18013-5-annexD-certs-nlwallet/utopia_iaca_cert.der')], { name: 'utopia iaca', set: 'test' });

  it('EMacKey = HKDF(ECDH(SDeviceKey, EReaderKey), SHA-256(SessionTranscriptBytes), "EMacKey")', () => {
    const k = deriveEMacKey(p256('ephemeral_reader_key', true), p256('static_device_key', false), sessionTranscriptForms(transcriptBytes));
    expect(h(k)).toBe('dc2b9566fdaaae3c06baa40993cd0451aeba15e7677ef5305f6531f3533c35dd');
  });

  it('the decrypted DeviceResponse verifies with deviceMac at 2021-01-07', () => {
    const rdr = new SessionCipher(deriveSessionKeys(p256('ephemeral_reader_key', true), p256('ephemeral_device_key', false), transcriptBytes), 'reader');
    rdr.encrypt(hex('device_request'));
    const response = rdr.decrypt(decodeSessionData(hex('session_data')).data!);
    const result = verifyDeviceResponse(response, {
      trust,
      at: new Date('2021-01-07T00:00:00Z'),
      sessionTranscript: transcriptBytes,
      readerEphemeralKey: p256('ephemeral_reader_key', true),
    });
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.documents[0].checks.find((c) => c.check === 'device_authentication')?.status).toBe('pass');
  });

  it('with the wrong reader key deviceMac fails', () => {
    const response = hex('device_response');
    const result = verifyDeviceResponse(response, {
      trust,
      at: new Date('2021-01-07T00:00:00Z'),
      sessionTranscript: transcriptBytes,
      readerEphemeralKey: p256('ephemeral_device_key', true),
    });
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.code)).toContain('DEVICE_AUTH_INVALID');
  });
});
