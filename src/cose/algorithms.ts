/**
 * COSE algorithm identifiers (IANA COSE registry) that mdoc uses, and what each needs of a key.
 */
import type { KeyObject } from 'node:crypto';
import { KakuninError } from '../codes/error.js';

export const COSE_ALG = {
  ES256: -7,
  ES384: -35,
  ES512: -36,
  EdDSA: -8,
  /** Fully-specified algorithms (RFC 9864): same signatures, curve fixed by the identifier. */
  ESP256: -9,
  ESP384: -51,
  ESP512: -52,
  Ed25519: -19,
  Ed448: -53,
  HMAC256: 5,
} as const;

export interface SignatureAlgorithm {
  name: string;
  /** Digest for ECDSA, or null where the scheme hashes itself (EdDSA). */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** OpenSSL curve names (EC) or key types (OKP) a key for this algorithm may have. */
  curves: readonly string[];
}

const P256 = ['prime256v1', 'brainpoolP256r1'];
const P384 = ['secp384r1', 'brainpoolP384r1'];
const P521 = ['secp521r1', 'brainpoolP512r1'];

const TABLE = new Map<number, SignatureAlgorithm>([
  [COSE_ALG.ES256, { name: 'ES256', hash: 'sha256', curves: P256 }],
  [COSE_ALG.ES384, { name: 'ES384', hash: 'sha384', curves: P384 }],
  [COSE_ALG.ES512, { name: 'ES512', hash: 'sha512', curves: P521 }],
  [COSE_ALG.ESP256, { name: 'ESP256', hash: 'sha256', curves: ['prime256v1'] }],
  [COSE_ALG.ESP384, { name: 'ESP384', hash: 'sha384', curves: ['secp384r1'] }],
  [COSE_ALG.ESP512, { name: 'ESP512', hash: 'sha512', curves: ['secp521r1'] }],
  [COSE_ALG.EdDSA, { name: 'EdDSA', hash: null, curves: ['ed25519', 'ed448'] }],
  [COSE_ALG.Ed25519, { name: 'Ed25519', hash: null, curves: ['ed25519'] }],
  [COSE_ALG.Ed448, { name: 'Ed448', hash: null, curves: ['ed448'] }],
]);

const FIELD_BYTES: Record<string, number> = {
  prime256v1: 32,
  secp384r1: 48,
  secp521r1: 66,
  brainpoolP256r1: 32,
  brainpoolP320r1: 40,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
};

export function signatureAlgorithm(alg: number): SignatureAlgorithm | undefined {
  return TABLE.get(alg);
}

/** The curve (EC) or key type (OKP) of a key, as OpenSSL names it. */
export function keyCurve(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec') return key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
  return key.asymmetricKeyType ?? 'unknown';
}

/** Length of an r || s ECDSA signature for a key's curve. */
export function ecdsaSignatureLength(curve: string): number {
  const n = FIELD_BYTES[curve];
  return n ? 2 * n : 0;
}

/** The COSE algorithm a verifier's or issuer's own key signs with. */
export function algorithmForKey(key: KeyObject): number {
  switch (keyCurve(key)) {
    case 'prime256v1':
    case 'brainpoolP256r1':
      return COSE_ALG.ES256;
    case 'secp384r1':
    case 'brainpoolP384r1':
      return COSE_ALG.ES384;
    case 'secp521r1':
    case 'brainpoolP512r1':
      return COSE_ALG.ES512;
    case 'ed25519':
    case 'ed448':
      return COSE_ALG.EdDSA;
    default:
      throw new KakuninError('COSE_KEY_INVALID', `no COSE signature algorithm for a ${keyCurve(key)} key`);
  }
}
