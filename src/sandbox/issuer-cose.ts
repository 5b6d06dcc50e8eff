/**
 * COSE signing and MACing for the sandbox, built independently of src/cose: the Sig_structure and
 * MAC_structure are made by encoding the structure with encodeCbor, not by assembling bytes by hand
 * as the verifier does. If the two paths ever disagree about what is signed, tests fail.
 */
import { createHmac, sign, type KeyObject } from 'node:crypto';
import { encodeCbor } from '../cbor/encode.js';
import { KakuninError } from '../codes/error.js';

const ALG_ES256 = -7;
const ALG_ES384 = -35;
const ALG_ES512 = -36;
const ALG_EDDSA = -8;
const ALG_HMAC256 = 5;
const LABEL_ALG = 1;
const LABEL_X5CHAIN = 33;

/**
 * COSE alg and node:crypto digest for a signing key (curve-sized hash, as ISO 18013-5 §9.1.3.6 has).
 *
 * @example
 * ```ts
 * import { generateSandboxKeyPair, getSignatureAlgorithm } from 'kakunin/sandbox';
 * const { privateKey } = await generateSandboxKeyPair('P-384');
 * console.log(getSignatureAlgorithm(privateKey)); // { alg: -35, hash: 'sha384' } (ES384)
 * ```
 */
export function getSignatureAlgorithm(key: KeyObject): { alg: number; hash: 'sha256' | 'sha384' | 'sha512' | null } {
  if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') return { alg: ALG_EDDSA, hash: null };
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'prime256v1':
      return { alg: ALG_ES256, hash: 'sha256' };
    case 'secp384r1':
      return { alg: ALG_ES384, hash: 'sha384' };
    case 'secp521r1':
      return { alg: ALG_ES512, hash: 'sha512' };
    default:
      throw new KakuninError('INVALID_ARGUMENT', `sandbox cannot sign with a ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''} key`);
  }
}

function rawSign(key: KeyObject, hash: 'sha256' | 'sha384' | 'sha512' | null, data: Uint8Array): Uint8Array {
  // COSE ECDSA signatures are r || s (RFC 9053 §2.1), not DER.
  const sig = hash ? sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }) : sign(null, data, key);
  return new Uint8Array(sig);
}

export interface Sign1Options {
  /** DER certificates for the x5chain header, leaf first: one as a bstr, several as an array. */
  x5chain?: Uint8Array[];
  detached?: boolean;
  /** Sign with this alg value in the header while using `key`'s own algorithm (a mismatch defect). */
  algOverride?: number;
}

/**
 * COSE_Sign1 as the untagged array [protected, unprotected, payload | null, signature].
 *
 * @example
 * ```ts
 * import { createDocumentSigner, createIaca, createSign1 } from 'kakunin/sandbox';
 * const signer = await createDocumentSigner(await createIaca());
 * const sign1 = createSign1(new TextEncoder().encode('payload'), signer.keys.privateKey, { x5chain: [signer.der] });
 * console.log(sign1.length); // 4: protected, unprotected, payload, signature
 * ```
 */
export function createSign1(payload: Uint8Array, key: KeyObject, options: Sign1Options = {}): unknown[] {
  const { alg, hash } = getSignatureAlgorithm(key);
  const protectedMap = new Map<number, unknown>([[LABEL_ALG, options.algOverride ?? alg]]);
  const unprotected = new Map<number, unknown>();
  if (options.x5chain?.length) {
    const value = options.x5chain.length === 1 ? options.x5chain[0] : options.x5chain;
    // ISO 18013-5 §9.1.2.4 puts x5chain in the unprotected header.
    unprotected.set(LABEL_X5CHAIN, value);
  }
  const protectedBytes = encodeCbor(protectedMap);
  const sigStructure = encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
  return [protectedBytes, unprotected, options.detached ? null : payload, rawSign(key, hash, sigStructure)];
}

/**
 * COSE_Mac0 with HMAC 256/256 and a detached payload, as deviceMac uses it.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * import { createDetachedMac0 } from 'kakunin/sandbox';
 * const eMacKey = new Uint8Array(randomBytes(32)); // computeEMacKey(...) in a real deviceMac
 * const mac0 = createDetachedMac0(new TextEncoder().encode('DeviceAuthenticationBytes'), eMacKey);
 * console.log(mac0[2]); // null: the payload is detached
 * ```
 */
export function createDetachedMac0(payload: Uint8Array, key: Uint8Array): unknown[] {
  const protectedBytes = encodeCbor(new Map([[LABEL_ALG, ALG_HMAC256]]));
  const macStructure = encodeCbor(['MAC0', protectedBytes, new Uint8Array(0), payload]);
  const tag = createHmac('sha256', key).update(macStructure).digest();
  return [protectedBytes, new Map(), null, new Uint8Array(tag)];
}
