/**
 * COSE_Key (RFC 9052 §7) <-> node:crypto KeyObject.
 */
import { createPrivateKey, createPublicKey, ECDH, type KeyObject } from 'node:crypto';
import type { Jwk } from './jwk.js';
import { KakuninError } from '../codes/error.js';
import { asBytes, asInt, asMap } from '../cbor/read.js';

const KTY_OKP = 1;
const KTY_EC2 = 2;

/** COSE curve identifiers -> JWK/OpenSSL names and coordinate length. */
const EC_CURVES = new Map<number, { jwk: string; openssl: string; size: number; oid: string }>([
  [1, { jwk: 'P-256', openssl: 'prime256v1', size: 32, oid: '06082a8648ce3d030107' }],
  [2, { jwk: 'P-384', openssl: 'secp384r1', size: 48, oid: '06052b81040022' }],
  [3, { jwk: 'P-521', openssl: 'secp521r1', size: 66, oid: '06052b81040023' }],
  [256, { jwk: 'brainpoolP256r1', openssl: 'brainpoolP256r1', size: 32, oid: '06092b2403030208010107' }],
  [257, { jwk: 'brainpoolP320r1', openssl: 'brainpoolP320r1', size: 40, oid: '06092b2403030208010109' }],
  [258, { jwk: 'brainpoolP384r1', openssl: 'brainpoolP384r1', size: 48, oid: '06092b240303020801010b' }],
  [259, { jwk: 'brainpoolP512r1', openssl: 'brainpoolP512r1', size: 64, oid: '06092b240303020801010d' }],
]);
const OKP_CURVES = new Map<number, { jwk: string; size: number }>([
  [4, { jwk: 'X25519', size: 32 }],
  [5, { jwk: 'X448', size: 56 }],
  [6, { jwk: 'Ed25519', size: 32 }],
  [7, { jwk: 'Ed448', size: 57 }],
]);

function bad(message: string): never {
  throw new KakuninError('COSE_KEY_INVALID', message);
}

const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

/** DER SubjectPublicKeyInfo for an EC point given as bytes (compressed or uncompressed). */
function ecSpki(curveOid: string, point: Uint8Array): Buffer {
  const oidPart = Buffer.from(`06072a8648ce3d0201${curveOid}`, 'hex');
  const algId = Buffer.concat([derHead(0x30, oidPart.length), oidPart]);
  const bitString = Buffer.concat([derHead(0x03, point.length + 1), Buffer.of(0), point]);
  const body = Buffer.concat([algId, bitString]);
  return Buffer.concat([derHead(0x30, body.length), body]);
}

function derHead(tag: number, len: number): Buffer {
  if (len < 0x80) return Buffer.of(tag, len);
  if (len < 0x100) return Buffer.of(tag, 0x81, len);
  return Buffer.of(tag, 0x82, len >> 8, len & 0xff);
}

type EcCurve = { jwk: string; openssl: string; size: number; oid: string };

/** The public part of a COSE_Key with its sizes checked: the curve, x, and y (bytes, or for a
 * compressed EC point, RFC 9053 §7.1.1, its sign bit). Whether the point is on the curve is
 * OpenSSL's to say, at import. */
type CosePublicKey = { kty: typeof KTY_EC2; curve: EcCurve; x: Uint8Array; y: Uint8Array | boolean } | { kty: typeof KTY_OKP; curve: { jwk: string; size: number }; x: Uint8Array };

function readPublicKey(m: Map<unknown, unknown>): CosePublicKey {
  const kty = m.get(1);
  const crv = m.get(-1);
  if (kty === KTY_EC2) {
    const curve = EC_CURVES.get(asInt(crv, 'COSE_Key crv', 'COSE_KEY_INVALID'));
    if (!curve) bad(`unsupported EC2 curve ${String(crv)}`);
    const x = asBytes(m.get(-2), 'COSE_Key x', 'COSE_KEY_INVALID');
    if (x.length !== curve.size) bad(`EC2 x must be ${curve.size} bytes`);
    const y = m.get(-3);
    if (typeof y === 'boolean') return { kty, curve, x, y };
    const yb = asBytes(y, 'COSE_Key y', 'COSE_KEY_INVALID');
    if (yb.length !== curve.size) bad(`EC2 y must be ${curve.size} bytes`);
    return { kty, curve, x, y: yb };
  }
  if (kty === KTY_OKP) {
    const curve = OKP_CURVES.get(asInt(crv, 'COSE_Key crv', 'COSE_KEY_INVALID'));
    if (!curve) bad(`unsupported OKP curve ${String(crv)}`);
    const x = asBytes(m.get(-2), 'COSE_Key x', 'COSE_KEY_INVALID');
    if (x.length !== curve.size) bad(`OKP x must be ${curve.size} bytes`);
    return { kty, curve, x };
  }
  return bad(`unsupported key type ${String(kty)}`);
}

/** A decoded COSE_Key map -> public (or, with `d`, private) KeyObject. Compressed EC points
 * (y given as a bool, RFC 9053 §7.1.1) are expanded by OpenSSL. */
export function coseKeyToKeyObject(coseKey: unknown, options: { private?: boolean } = {}): KeyObject {
  const m = asMap(coseKey, 'COSE_Key', 'COSE_KEY_INVALID');
  const key = readPublicKey(m);
  try {
    if (key.kty === KTY_EC2) {
      const { curve, x, y } = key;
      if (options.private) {
        const d = asBytes(m.get(-4), 'COSE_Key d', 'COSE_KEY_INVALID');
        if (d.length !== curve.size) bad(`EC2 d must be ${curve.size} bytes`);
        // SEC1 ECPrivateKey DER { version 1, d, [0] curve }: works for every curve OpenSSL knows.
        const oid = Buffer.from(curve.oid, 'hex');
        const body = Buffer.concat([Buffer.of(0x02, 0x01, 0x01, 0x04, d.length), d, derHead(0xa0, oid.length), oid]);
        return createPrivateKey({ key: Buffer.concat([derHead(0x30, body.length), body]), format: 'der', type: 'sec1' });
      }
      if (typeof y === 'boolean') {
        return createPublicKey({ key: ecSpki(curve.oid, Buffer.concat([Buffer.of(y ? 3 : 2), x])), format: 'der', type: 'spki' });
      }
      // OpenSSL checks that the point is on the curve either way. JWK import is the faster path in
      // node (no OSSL_DECODER round); brainpool curves have no JWK form there and go through SPKI.
      if (curve.jwk.startsWith('P-')) return createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x: b64u(x), y: b64u(y) }, format: 'jwk' });
      return createPublicKey({ key: ecSpki(curve.oid, Buffer.concat([Buffer.of(4), x, y])), format: 'der', type: 'spki' });
    }
    const jwk: Jwk = { kty: 'OKP', crv: key.curve.jwk, x: b64u(key.x) };
    if (options.private) {
      jwk.d = b64u(asBytes(m.get(-4), 'COSE_Key d', 'COSE_KEY_INVALID'));
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    if (e instanceof KakuninError) throw e;
    bad(`COSE_Key rejected by OpenSSL: ${(e as Error).message}`);
  }
}

/**
 * The public JWK members a COSE_Key spells out, read without importing it (an import validates the
 * point and costs as much as a third of a verification; a key that was already imported and used
 * needs no second look). A compressed EC point is expanded by OpenSSL (ECDH.convertKey). Brainpool curves
 * keep their COSE names as `crv`, which JOSE has not registered: the members serve thumbprints.
 */
export function cosePublicJwk(coseKey: unknown): Jwk {
  const key = readPublicKey(asMap(coseKey, 'COSE_Key', 'COSE_KEY_INVALID'));
  if (key.kty === KTY_OKP) return { kty: 'OKP', crv: key.curve.jwk, x: b64u(key.x) };
  let y = key.y;
  if (typeof y === 'boolean') {
    try {
      y = (ECDH.convertKey(Buffer.concat([Buffer.of(y ? 3 : 2), key.x]), key.curve.openssl, undefined, undefined, 'uncompressed') as Buffer).subarray(1 + key.curve.size);
    } catch (e) {
      bad(`COSE_Key rejected by OpenSSL: ${(e as Error).message}`);
    }
  }
  return { kty: 'EC', crv: key.curve.jwk, x: b64u(key.x), y: b64u(y) };
}

/** KeyObject -> COSE_Key map (public part, or with `d` for a private key when asked). */
export function keyObjectToCoseKey(key: KeyObject, options: { includePrivate?: boolean } = {}): Map<number, unknown> {
  const out = new Map<number, unknown>();
  const bytes = (s: string | undefined): Uint8Array => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
  if (key.asymmetricKeyType === 'ec') {
    // Through SPKI rather than JWK: node has no JWK form for brainpool curves.
    const curveName = key.asymmetricKeyDetails?.namedCurve;
    const entry = [...EC_CURVES].find(([, c]) => c.openssl === curveName);
    if (!entry) throw new KakuninError('COSE_KEY_INVALID', `no COSE curve for ${curveName}`);
    const size = entry[1].size;
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    const point = pub.export({ type: 'spki', format: 'der' }).subarray(-(2 * size + 1));
    out
      .set(1, KTY_EC2)
      .set(-1, entry[0])
      .set(-2, new Uint8Array(point.subarray(1, 1 + size)))
      .set(-3, new Uint8Array(point.subarray(1 + size)));
    if (options.includePrivate && key.type === 'private') {
      const der = key.export({ type: 'sec1', format: 'der' });
      // SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING d, ... }; d follows the version.
      const off = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
      const dLen = der[off + 4];
      out.set(-4, new Uint8Array(der.subarray(off + 5, off + 5 + dLen)));
    }
    return out;
  }
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'OKP') {
    const entry = [...OKP_CURVES].find(([, c]) => c.jwk === jwk.crv);
    if (!entry) throw new KakuninError('COSE_KEY_INVALID', `no COSE curve for ${jwk.crv}`);
    out.set(1, KTY_OKP).set(-1, entry[0]).set(-2, bytes(jwk.x));
  } else {
    throw new KakuninError('COSE_KEY_INVALID', `no COSE_Key form for a ${jwk.kty} key`);
  }
  if (options.includePrivate && jwk.d) out.set(-4, bytes(jwk.d));
  return out;
}
