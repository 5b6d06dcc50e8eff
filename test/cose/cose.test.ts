import { createECDH } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../src/cbor/index.js';
import {
  coseKeyToKeyObject,
  cosePublicJwk,
  createCoseMac0,
  createCoseSign1,
  keyObjectToCoseKey,
  parseCoseMac0,
  parseCoseSign1,
  toBeSigned,
  verifyCoseMac0,
  verifyCoseSign1,
} from '../../src/cose/index.js';
import { hex } from '../helpers/vectors.js';
import { X509Certificate } from 'node:crypto';

const payload = new TextEncoder().encode('payload');

describe('COSE_Sign1', () => {
  it('Sig_structure of the Annex D issuerAuth matches the Sphereon vector byte for byte', () => {
    const sign1 = parseCoseSign1(decodeCbor(hex('sphereon-kmp-mdoc-testvectors/iso18013_5_IssuerAuthTestVector.hex')));
    const tbs = toBeSigned('Signature1', sign1.protectedBytes, new Uint8Array(0), sign1.payload!);
    expect(Buffer.from(tbs).toString('hex')).toBe(Buffer.from(hex('sphereon-kmp-mdoc-testvectors/iso18013_5_SignatureStructureTestVector.hex')).toString('hex'));
    const ds = new X509Certificate(hex('iso18013-5-annexD-multipaz/ds_cert.hex'));
    expect(verifyCoseSign1(sign1, ds.publicKey)).toBe(true);
  });

  const curves = ['P-256', 'P-384', 'P-521', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1', 'Ed25519', 'Ed448'] as const;
  for (const curve of curves) {
    it(`signs and verifies with ${curve}, attached and detached`, () => {
      const { privateKey, publicKey } = newKeyPair(curve);
      const attached = parseCoseSign1(decodeCbor(encodeCbor(createCoseSign1(payload, privateKey))));
      expect(verifyCoseSign1(attached, publicKey)).toBe(true);
      const detached = parseCoseSign1(createCoseSign1(payload, privateKey, { detached: true }));
      expect(verifyCoseSign1(detached, publicKey, { detachedPayload: payload })).toBe(true);
      expect(verifyCoseSign1(detached, publicKey, { detachedPayload: new TextEncoder().encode('other') })).toBe(false);
      // The COSE_Key form of the key verifies too.
      expect(verifyCoseSign1(attached, coseKeyToKeyObject(keyObjectToCoseKey(publicKey)))).toBe(true);
    });
  }

  it('reads alg from the protected header only', () => {
    const { privateKey, publicKey } = newKeyPair('P-256');
    const [, , p, sig] = createCoseSign1(payload, privateKey);
    const noProtectedAlg = parseCoseSign1([new Uint8Array(0), new Map([[1, -7]]), p, sig]);
    expect(() => verifyCoseSign1(noProtectedAlg, publicKey)).toThrow(/alg missing from the protected header/);
  });

  it('refuses a key that does not fit the algorithm', () => {
    const p256 = newKeyPair('P-256');
    const p384 = newKeyPair('P-384');
    const msg = parseCoseSign1(createCoseSign1(payload, p256.privateKey));
    expect(() => verifyCoseSign1(msg, p384.publicKey)).toThrow(/cannot verify ES256/);
  });

  it('fails a flipped signature bit and a wrong-length signature', () => {
    const { privateKey, publicKey } = newKeyPair('P-256');
    const msg = parseCoseSign1(createCoseSign1(payload, privateKey));
    msg.signature[10] ^= 1;
    expect(verifyCoseSign1(msg, publicKey)).toBe(false);
    expect(verifyCoseSign1({ ...msg, signature: msg.signature.subarray(1) }, publicKey)).toBe(false);
  });

  it('rejects malformed messages with COSE_INVALID', () => {
    expect(() => parseCoseSign1([1, 2, 3])).toThrow(/4 elements/);
    expect(() => parseCoseSign1('x')).toThrow(expect.objectContaining({ code: 'COSE_INVALID' }));
  });
});

describe('COSE_Key', () => {
  it('expands compressed EC points', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const full = ecdh.getPublicKey();
    const compressed = ecdh.getPublicKey(undefined, 'compressed');
    const key = coseKeyToKeyObject(
      new Map<number, unknown>([
        [1, 2],
        [-1, 1],
        [-2, compressed.subarray(1)],
        [-3, compressed[0] === 3],
      ]),
    );
    const jwk = key.export({ format: 'jwk' });
    expect(Buffer.from(jwk.y!, 'base64url')).toEqual(full.subarray(33));
  });

  it('rejects a point off the curve, unknown curves and wrong lengths', () => {
    const bad = new Map<number, unknown>([
      [1, 2],
      [-1, 1],
      [-2, new Uint8Array(32).fill(1)],
      [-3, new Uint8Array(32).fill(2)],
    ]);
    expect(() => coseKeyToKeyObject(bad)).toThrow(expect.objectContaining({ code: 'COSE_KEY_INVALID' }));
    expect(() =>
      coseKeyToKeyObject(
        new Map([
          [1, 2],
          [-1, 99],
        ]),
      ),
    ).toThrow(/unsupported EC2 curve/);
    expect(() =>
      coseKeyToKeyObject(
        new Map<number, unknown>([
          [1, 2],
          [-1, 1],
          [-2, new Uint8Array(31)],
          [-3, false],
        ]),
      ),
    ).toThrow(/32 bytes/);
  });

  it('spells out the public JWK without importing: the members node exports, for every curve and a compressed point', () => {
    for (const curve of ['P-256', 'P-384', 'P-521', 'Ed25519'] as const) {
      const { publicKey } = newKeyPair(curve);
      expect(cosePublicJwk(keyObjectToCoseKey(publicKey)), curve).toEqual(publicKey.export({ format: 'jwk' }));
    }
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const compressed = ecdh.getPublicKey(undefined, 'compressed');
    const full = ecdh.getPublicKey();
    const jwk = cosePublicJwk(
      new Map<number, unknown>([
        [1, 2],
        [-1, 1],
        [-2, compressed.subarray(1)],
        [-3, compressed[0] === 3],
      ]),
    );
    expect(Buffer.from(jwk.y!, 'base64url')).toEqual(full.subarray(33));
    // Brainpool: node has no JWK export for it, the members are still read.
    const bp = createECDH('brainpoolP256r1');
    bp.generateKeys();
    const point = bp.getPublicKey();
    expect(
      cosePublicJwk(
        new Map<number, unknown>([
          [1, 2],
          [-1, 256],
          [-2, point.subarray(1, 33)],
          [-3, point.subarray(33)],
        ]),
      ),
    ).toEqual({ kty: 'EC', crv: 'brainpoolP256r1', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') });
    expect(() =>
      cosePublicJwk(
        new Map<number, unknown>([
          [1, 2],
          [-1, 1],
          [-2, new Uint8Array(31)],
          [-3, false],
        ]),
      ),
    ).toThrow(/32 bytes/);
  });

  it('imports private keys', () => {
    const { privateKey } = newKeyPair('P-384');
    const back = coseKeyToKeyObject(keyObjectToCoseKey(privateKey, { includePrivate: true }), { private: true });
    expect(back.type).toBe('private');
  });
});

describe('COSE_Mac0', () => {
  it('reproduces the Annex D deviceMac tag with the published EMacKey', () => {
    const response = decodeCbor(hex('iso18013-5-annexD-multipaz/device_response.hex')) as Map<string, any>;
    const mac = parseCoseMac0(response.get('documents')[0].get('deviceSigned').get('deviceAuth').get('deviceMac'));
    expect(Buffer.from(mac.tag).toString('hex')).toBe('e99521a85ad7891b806a07f8b5388a332d92c189a7bf293ee1f543405ae6824d');
    const eMacKey = Buffer.from('dc2b9566fdaaae3c06baa40993cd0451aeba15e7677ef5305f6531f3533c35dd', 'hex');
    const dab = hex('iso18013-5-annexD-certs-nlwallet/nlwallet_example_DeviceAuthenticationBytes.hex');
    expect(verifyCoseMac0(mac, eMacKey, { detachedPayload: dab })).toBe(true);
    expect(verifyCoseMac0(mac, Buffer.alloc(32), { detachedPayload: dab })).toBe(false);
  });

  it('creates and verifies, and refuses other MAC algorithms', () => {
    const key = Buffer.alloc(32, 7);
    const msg = parseCoseMac0(createCoseMac0(payload, key));
    expect(verifyCoseMac0(msg, key)).toBe(true);
    const other = parseCoseMac0([encodeCbor(new Map([[1, 4]])), new Map(), payload, msg.tag]);
    expect(() => verifyCoseMac0(other, key)).toThrow(/only HMAC 256\/256/);
  });
});
