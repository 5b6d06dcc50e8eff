/**
 * Fresh key pairs, made so that exporting them can never hang the process. Every key kakunin
 * generates (response-encryption keys, Annex C recipient keys, EReaderKey, ephemeral receipt and
 * CLI keys) comes from here; a test keeps `generateKeyPairSync` out of the rest of src/.
 *
 * Why not `generateKeyPairSync` and then `key.export({ format: 'jwk' })`: in Node (found on
 * 20.20.2; a recent copy of Node's main branch has the same code) the synchronous generation job
 * keeps the key it made until the garbage collector frees the job, and the job's destructor locks
 * that key's mutex (`~KeyPairGenConfig` in src/crypto/crypto_keygen.h). A JWK export holds the
 * same mutex while it allocates the coordinate strings; if that allocation runs a collection which
 * frees the job, the thread waits on itself forever. Reproduced here: a loop of generate + JWK export stopped for good
 * after 128, after 2,500, or never within 100,000 iterations, depending on when the collector ran
 * (test/cose/key-pair.test.ts). So the job encodes the keys itself (it is alive while it does), and
 * a KeyObject, when one is needed, is imported from that encoding: it belongs to no job.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Jwk } from './jwk.js';

/** Curves node can write as JWK (EC P-curves, OKP). */
export type JwkCurve = 'P-256' | 'P-384' | 'P-521' | 'X25519' | 'X448' | 'Ed25519' | 'Ed448';
/** Every curve an mdoc session may use; brainpool has no JWK form in node. */
export type KeyPairCurve = JwkCurve | 'brainpoolP256r1' | 'brainpoolP320r1' | 'brainpoolP384r1' | 'brainpoolP512r1';

const OPENSSL_EC: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const OKP: Record<string, string> = { X25519: 'x25519', X448: 'x448', Ed25519: 'ed25519', Ed448: 'ed448' };

// @types/node declares no overload for JWK encodings, which node documents for key pairs.
const generateEncoded = generateKeyPairSync as unknown as (type: string, options: object) => { publicKey: unknown; privateKey: unknown };

function generate(curve: KeyPairCurve, encodings: object): { publicKey: unknown; privateKey: unknown } {
  return OKP[curve] ? generateEncoded(OKP[curve], encodings) : generateEncoded('ec', { namedCurve: OPENSSL_EC[curve] ?? curve, ...encodings });
}

/** A key pair as JWKs only: for keys kept in a request state and imported when an answer comes. */
export function newJwkPair(curve: JwkCurve): { privateJwk: Jwk; publicJwk: Jwk } {
  const pair = generate(curve, { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } });
  return { privateJwk: pair.privateKey as Jwk, publicJwk: pair.publicKey as Jwk };
}

/**
 * A key pair as KeyObjects that are safe to export in any form. Costs one private-key import more
 * than `generateKeyPairSync` (about 90 µs for P-256 by JWK; brainpool goes through SEC1 DER, ~130 µs);
 * the public key is derived from the private one (a few µs).
 */
export function newKeyPair(curve: KeyPairCurve): { privateKey: KeyObject; publicKey: KeyObject } {
  // Only the private key is encoded: the public one the job returns is never exported, so it is safe.
  const privateKey = curve.startsWith('brainpool')
    ? createPrivateKey({ key: generate(curve, { privateKeyEncoding: { format: 'der', type: 'sec1' } }).privateKey as Buffer, format: 'der', type: 'sec1' })
    : createPrivateKey({ key: generate(curve, { privateKeyEncoding: { format: 'jwk' } }).privateKey as Jwk, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
