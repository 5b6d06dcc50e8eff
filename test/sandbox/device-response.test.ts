import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cborHead, concat, decodeCbor, type EncodedCbor, encodeCbor, Tagged } from '../../src/cbor/index.js';
import { coseKeyToKeyObject, parseCoseMac0, parseCoseSign1, verifyCoseMac0, verifyCoseSign1 } from '../../src/cose/index.js';
import { createDeviceResponse, MNC_DOCTYPE, MNC_JP_NS, MNC_NS, encodeDeviceAuthenticationBytes, computeEMacKey, createDetachedMac0, type IssuedMdoc } from '../../src/sandbox/index.js';
import { issueSample, sandboxIssuer } from '../helpers/sandbox-issuer.js';

type M = Map<unknown, unknown>;
/** An OpenID4VP-style transcript: [null, null, [handover name, hash]]. */
const TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('sandbox').digest())]]);

/** DeviceAuthenticationBytes assembled by hand around the transcript bytes, as a verifier does. */
function handAssembled(transcript: Uint8Array, docType: string, deviceNameSpacesTagged: Uint8Array): Uint8Array {
  const label = Buffer.from('DeviceAuthentication');
  const dt = Buffer.from(docType);
  const inner = concat(Uint8Array.of(0x84), cborHead(3, label.length), label, transcript, cborHead(3, dt.length), dt, deviceNameSpacesTagged);
  return concat(cborHead(6, 24), cborHead(2, inner.length), inner);
}

let mdoc: IssuedMdoc;

beforeAll(async () => {
  const { ds } = await sandboxIssuer();
  mdoc = await issueSample(ds, MNC_DOCTYPE, { keyAuthorizations: { nameSpaces: ['org.example.device'] } });
});

describe('sandbox DeviceResponse', () => {
  it('has version, documents and status, and discloses only the selected elements, bytes unchanged', () => {
    const bytes = createDeviceResponse({
      sessionTranscript: TRANSCRIPT,
      documents: [{ mdoc, disclose: { [MNC_NS]: ['age_over_20'], [MNC_JP_NS]: ['local_gov_code_unicode'] }, deviceAuth: { kind: 'signature' } }],
    });
    const response = decodeCbor(bytes) as M;
    expect(response.get('version')).toBe('1.0');
    expect(response.get('status')).toBe(0);
    const [doc] = response.get('documents') as M[];
    expect(doc.get('docType')).toBe(MNC_DOCTYPE);
    const ns = (doc.get('issuerSigned') as M).get('nameSpaces') as Map<string, EncodedCbor[]>;
    expect([...ns.keys()]).toEqual([MNC_NS, MNC_JP_NS]);
    const disclosed = ns.get(MNC_NS)!;
    expect(disclosed).toHaveLength(1);
    const issued = mdoc.items.get(MNC_NS)!.find((i) => i.elementIdentifier === 'age_over_20')!;
    expect(Buffer.from(disclosed[0].tagged)).toEqual(Buffer.from(issued.bytes.tagged));
    expect(ns.get(MNC_JP_NS)).toHaveLength(1);
  });

  it('deviceSignature verifies over DeviceAuthenticationBytes assembled by hand (src/cose verifier and node:crypto)', () => {
    const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' }, deviceNameSpaces: { 'org.example.device': { nickname: 'test' } } }] });
    const [doc] = (decodeCbor(bytes) as M).get('documents') as M[];
    const deviceSigned = doc.get('deviceSigned') as M;
    const nsBytes = deviceSigned.get('nameSpaces') as EncodedCbor;
    expect((decodeCbor(nsBytes.bytes) as M).get('org.example.device')).toEqual(new Map([['nickname', 'test']]));
    const payload = handAssembled(TRANSCRIPT, MNC_DOCTYPE, nsBytes.tagged);
    const sig = parseCoseSign1((deviceSigned.get('deviceAuth') as M).get('deviceSignature'));
    expect(sig.payload).toBeNull();
    expect(verifyCoseSign1(sig, mdoc.devicePublicKey, { detachedPayload: payload })).toBe(true);
    // ...and not for another docType or transcript.
    expect(verifyCoseSign1(sig, mdoc.devicePublicKey, { detachedPayload: handAssembled(TRANSCRIPT, 'org.iso.18013.5.1.mDL', nsBytes.tagged) })).toBe(false);
  });

  it('accepts the transcript with or without the #6.24 wrapper', () => {
    const wrapped = concat(cborHead(6, 24), cborHead(2, TRANSCRIPT.length), TRANSCRIPT);
    const a = decodeCbor(createDeviceResponse({ sessionTranscript: wrapped, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] })) as M;
    const [doc] = a.get('documents') as M[];
    const nsBytes = (doc.get('deviceSigned') as M).get('nameSpaces') as EncodedCbor;
    const sig = parseCoseSign1(((doc.get('deviceSigned') as M).get('deviceAuth') as M).get('deviceSignature'));
    expect(verifyCoseSign1(sig, mdoc.devicePublicKey, { detachedPayload: handAssembled(TRANSCRIPT, MNC_DOCTYPE, nsBytes.tagged) })).toBe(true);
  });

  it('deviceMac verifies with the EMacKey the reader derives from its own private key', () => {
    const reader = newKeyPair('P-256');
    const bytes = createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'mac', readerPublicKey: reader.publicKey } }] });
    const [doc] = (decodeCbor(bytes) as M).get('documents') as M[];
    const deviceSigned = doc.get('deviceSigned') as M;
    const nsBytes = deviceSigned.get('nameSpaces') as EncodedCbor;
    // The reader's side: ECDH(reader private, device public from the MSO).
    const readerSideKey = computeEMacKey(reader.privateKey, mdoc.devicePublicKey, decodeCbor(TRANSCRIPT));
    const mac = parseCoseMac0((deviceSigned.get('deviceAuth') as M).get('deviceMac'));
    expect(verifyCoseMac0(mac, readerSideKey, { detachedPayload: handAssembled(TRANSCRIPT, MNC_DOCTYPE, nsBytes.tagged) })).toBe(true);
  });

  it('documentErrors, no documents, and device defects', () => {
    const r = decodeCbor(createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [], documentErrors: { 'org.iso.18013.5.1.mDL': 0 }, status: 0 })) as M;
    expect(r.has('documents')).toBe(false);
    expect(r.get('documentErrors')).toEqual([new Map([['org.iso.18013.5.1.mDL', 0]])]);

    const none = decodeCbor(createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'none' } }] })) as M;
    expect((((none.get('documents') as M[])[0].get('deviceSigned') as M).get('deviceAuth') as M).size).toBe(0);
    const omitted = decodeCbor(createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' }, defects: { omitDeviceSigned: true } }] })) as M;
    expect((omitted.get('documents') as M[])[0].has('deviceSigned')).toBe(false);

    const wrongKey = newKeyPair('P-256').privateKey;
    for (const defects of [{ deviceKey: wrongKey }, { corrupt: true }, { docType: 'org.iso.18013.5.1.mDL' }, { sessionTranscript: encodeCbor([null, null, ['other', 1]]) }]) {
      const [doc] = (decodeCbor(createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' }, defects }] })) as M).get('documents') as M[];
      const deviceSigned = doc.get('deviceSigned') as M;
      const sig = parseCoseSign1((deviceSigned.get('deviceAuth') as M).get('deviceSignature'));
      const payload = handAssembled(TRANSCRIPT, MNC_DOCTYPE, (deviceSigned.get('nameSpaces') as EncodedCbor).tagged);
      expect(verifyCoseSign1(sig, mdoc.devicePublicKey, { detachedPayload: payload })).toBe(false);
    }
  });

  it('refuses a transcript it could not reproduce byte for byte', () => {
    // A map with a non-shortest length head (b9 00 00) re-encodes differently.
    expect(() => createDeviceResponse({ sessionTranscript: Uint8Array.of(0x83, 0xf6, 0xf6, 0xb9, 0x00, 0x00), documents: [] })).toThrow(/encoding/);
  });
});

describe('sandbox deviceMac against ISO 18013-5 Annex D', () => {
  const dir = 'test/vectors/iso18013-5-annexD-multipaz';
  const hex = (name: string): Buffer => Buffer.from(readFileSync(`${dir}/${name}`, 'utf8').trim(), 'hex');

  it('reproduces the published EMacKey and deviceMac tag from the same keys and transcript', () => {
    const jwk = (prefix: string, withD: boolean) => ({
      kty: 'EC',
      crv: 'P-256',
      x: hex(`${prefix}_x.hex`).toString('base64url'),
      y: hex(`${prefix}_y.hex`).toString('base64url'),
      ...(withD ? { d: hex(`${prefix}_d.hex`).toString('base64url') } : {}),
    });
    const deviceKey: KeyObject = createPrivateKey({ key: jwk('static_device_key', true), format: 'jwk' });
    const readerPublic: KeyObject = createPublicKey({ key: jwk('ephemeral_reader_key', false), format: 'jwk' });
    const transcriptBytes = hex('session_transcript_bytes.hex');
    const transcript = decodeCbor((decodeCbor(transcriptBytes) as EncodedCbor).bytes);

    const eMacKey = computeEMacKey(deviceKey, readerPublic, transcript);
    expect(Buffer.from(eMacKey).toString('hex')).toBe('dc2b9566fdaaae3c06baa40993cd0451aeba15e7677ef5305f6531f3533c35dd');

    const response = decodeCbor(hex('device_response.hex')) as M;
    const [doc] = response.get('documents') as M[];
    const deviceSigned = doc.get('deviceSigned') as M;
    const docType = doc.get('docType') as string;
    const nsBytes = deviceSigned.get('nameSpaces') as EncodedCbor;
    let vectorMac = (deviceSigned.get('deviceAuth') as M).get('deviceMac');
    if (vectorMac instanceof Tagged) vectorMac = vectorMac.value;
    const ours = createDetachedMac0(encodeDeviceAuthenticationBytes(transcript, docType, nsBytes), eMacKey);
    expect(Buffer.from(ours[3] as Uint8Array).toString('hex')).toBe('e99521a85ad7891b806a07f8b5388a332d92c189a7bf293ee1f543405ae6824d');
    expect(Buffer.from(ours[0] as Uint8Array)).toEqual(Buffer.from((vectorMac as unknown[])[0] as Uint8Array));
    // The key the sandbox MACed with is the one the Annex D MSO names as deviceKey.
    const issuerAuth = (doc.get('issuerSigned') as M).get('issuerAuth') as unknown[];
    const mso = decodeCbor((decodeCbor(issuerAuth[2] as Uint8Array) as EncodedCbor).bytes) as M;
    const msoKey = coseKeyToKeyObject((mso.get('deviceKeyInfo') as M).get('deviceKey'));
    expect(msoKey.export({ format: 'jwk' }).x).toBe(createPublicKey(deviceKey).export({ format: 'jwk' }).x);
  });
});
