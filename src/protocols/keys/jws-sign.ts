/**
 * JWS Compact Serialization signing (RFC 7515 §7.1) with node:crypto. Why not jose here: jose 6 signs
 * only through WebCrypto, an asynchronous job on libuv's thread pool. In the service's profile
 * (docs/architecture.md) its two signatures per verification flow (the request object, the receipt)
 * were about 10% of the process's busy time; node:crypto signs the same ES256 input synchronously in
 * ~30 µs, and DESIGN.md has node:crypto make every signature. jose still verifies, decrypts and
 * builds the multi-signed (JSON serialization) request; what is assembled here is one line of the RFC:
 * BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature).
 */
import { sign, type KeyObject } from 'node:crypto';
import { KakuninError } from '../../codes/error.js';

/** JWS alg -> the digest node:crypto signs with (null: EdDSA hashes inside). */
const HASH: Record<string, 'sha256' | 'sha384' | 'sha512' | null> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', EdDSA: null };

const b64u = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');

/** The JWS alg a key signs with (RFC 7518 §3.4: the curve fixes the hash), or undefined. */
function algOfKey(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') return 'EdDSA';
  if (key.asymmetricKeyType !== 'ec') return undefined;
  return ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as Record<string, string>)[key.asymmetricKeyDetails?.namedCurve ?? ''];
}

/** `header.alg` must match the key (ES256 for P-256, ...); ECDSA signatures are r || s (RFC 7518 §3.4). */
export function signCompactJws(header: { alg: string } & Record<string, unknown>, payload: string | Uint8Array, key: KeyObject): string {
  if (!Object.hasOwn(HASH, header.alg)) throw new KakuninError('INVALID_ARGUMENT', `cannot sign JWS alg ${header.alg}`);
  // node:crypto would sign an ES256 header with a P-384 key (SHA-256 over a P-384 signature): a JWS
  // that every verifier refuses. Say so here instead.
  const keyAlg = algOfKey(key);
  if (keyAlg !== header.alg)
    throw new KakuninError('KEY_INVALID', `a JWS with alg ${header.alg} cannot be signed with ${keyAlg ? `a key for ${keyAlg}` : `a ${key.asymmetricKeyType ?? key.type} key`}`);
  const hash = HASH[header.alg];
  const signingInput = `${b64u(JSON.stringify(header))}.${b64u(payload)}`;
  const signature = hash ? sign(hash, Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }) : sign(null, Buffer.from(signingInput), key);
  return `${signingInput}.${b64u(signature)}`;
}
