/**
 * COSE_Sign1 (RFC 9052 §4.2): parse, verify and create.
 */
import { createVerify, sign, verify, type KeyObject } from 'node:crypto';
import { cborHead, encodeCbor } from '../cbor/encode.js';
import { asArray, asBytes } from '../cbor/read.js';
import type { KakuninCode } from '../codes/error-codes.js';
import { coseInvalid, decodeProtected, parseCoseMessage, type CoseMessage } from './message.js';
import { algorithmForKey, ecdsaSignatureLength, keyCurve, signatureAlgorithm } from './algorithms.js';

export const HEADER = { alg: 1, crit: 2, contentType: 3, kid: 4, x5chain: 33 } as const;

export interface CoseSign1 extends Omit<CoseMessage, 'last'> {
  signature: Uint8Array;
}

/** Accepts the untagged array or tag 18 around it. */
export function parseCoseSign1(value: unknown): CoseSign1 {
  // Written out rather than spread: two per verification, and a rest-and-spread copy cost more than
  // the parse.
  const m = parseCoseMessage(value, 'COSE_Sign1', 18);
  return { protectedBytes: m.protectedBytes, protectedHeaders: m.protectedHeaders, unprotectedHeaders: m.unprotectedHeaders, payload: m.payload, signature: m.last };
}

export { decodeProtected };

/** A header parameter from either bucket, the protected one first. */
export function header(msg: { protectedHeaders: Map<unknown, unknown>; unprotectedHeaders: Map<unknown, unknown> }, label: number): unknown {
  return msg.protectedHeaders.has(label) ? msg.protectedHeaders.get(label) : msg.unprotectedHeaders.get(label);
}

const SIGNATURE1 = Uint8Array.of(0x6a, ...Buffer.from('Signature1', 'ascii'));
const MAC0 = Uint8Array.of(0x64, ...Buffer.from('MAC0', 'ascii'));

/** x5chain (RFC 9360): one certificate as a bstr, several as an array; [] when absent. A malformed
 * one fails with `code`, the caller's failure code. */
export function x5chainOf(msg: { protectedHeaders: Map<unknown, unknown>; unprotectedHeaders: Map<unknown, unknown> }, code: KakuninCode): Uint8Array[] {
  const v = header(msg, HEADER.x5chain);
  if (v === undefined) return [];
  if (v instanceof Uint8Array) return [v];
  return asArray(v, 'x5chain', code).map((c, i) => asBytes(c, `x5chain[${i}]`, code));
}

/** Assembles a Sig_structure / MAC_structure by hand: the protected bytes and the payload go in
 * exactly as they are, and nothing is re-encoded. */
export function toBeSigned(context: 'Signature1' | 'MAC0', protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  const head = toBeSignedHead(context, protectedBytes, externalAad, payload.length);
  let length = payload.length;
  for (const part of head) length += part.length;
  const out = Buffer.allocUnsafe(length);
  let off = 0;
  for (const part of head) {
    out.set(part, off);
    off += part.length;
  }
  out.set(payload, off);
  return out;
}

const ARRAY_OF_4 = Uint8Array.of(0x84);

/** The parts of a Sig_structure / MAC_structure before its payload's bytes, in order. */
function toBeSignedHead(context: 'Signature1' | 'MAC0', protectedBytes: Uint8Array, externalAad: Uint8Array, payloadLength: number): Uint8Array[] {
  return [ARRAY_OF_4, context === 'Signature1' ? SIGNATURE1 : MAC0, cborHead(2, protectedBytes.length), protectedBytes, cborHead(2, externalAad.length), externalAad, cborHead(2, payloadLength)];
}

export interface VerifySign1Options {
  /** For a detached payload (payload null in the message). */
  detachedPayload?: Uint8Array;
  externalAad?: Uint8Array;
}

/**
 * Verifies a COSE_Sign1 with `key`. `alg` comes from the protected header only (an unprotected
 * alg could be swapped by an attacker). Returns false on a wrong signature; throws
 * KakuninError('COSE_INVALID') when the message cannot be checked at all (no or unknown alg, a key
 * that does not fit the alg, payload both attached and detached).
 */
export function verifyCoseSign1(msg: CoseSign1, key: KeyObject, options: VerifySign1Options = {}): boolean {
  const { alg, curve, payload } = checkable(msg, key, options);
  const data = toBeSigned('Signature1', msg.protectedBytes, options.externalAad ?? new Uint8Array(0), payload);
  if (alg.hash) {
    if (msg.signature.length !== ecdsaSignatureLength(curve)) return false;
    return verify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, msg.signature);
  }
  return verify(null, data, key, msg.signature);
}

/**
 * verifyCoseSign1 a slice at a time, for payloads of megabytes (a status list may be 10 MB): the
 * Sig_structure is hashed SLICE_BYTES at a time and the generator yields between slices, so that its
 * driver can let other work run. Drained at once it is verifyCoseSign1: the same checks, result and
 * errors. EdDSA signs the message whole (it cannot be fed in parts), so it is verified in one step.
 */
export function* verifyCoseSign1InSlices(msg: CoseSign1, key: KeyObject, options: VerifySign1Options = {}): Generator<undefined, boolean, unknown> {
  const { alg, curve, payload } = checkable(msg, key, options);
  if (!alg.hash || payload.length <= SLICE_BYTES) return verifyCoseSign1(msg, key, options);
  if (msg.signature.length !== ecdsaSignatureLength(curve)) return false;
  const verifier = createVerify(alg.hash);
  for (const part of toBeSignedHead('Signature1', msg.protectedBytes, options.externalAad ?? new Uint8Array(0), payload.length)) verifier.update(part);
  for (let at = 0; at < payload.length; at += SLICE_BYTES) {
    verifier.update(payload.subarray(at, at + SLICE_BYTES));
    yield undefined;
  }
  return verifier.verify({ key, dsaEncoding: 'ieee-p1363' }, msg.signature);
}

/** Payload bytes hashed between two yields of verifyCoseSign1InSlices: well under a millisecond of SHA-256. */
const SLICE_BYTES = 256 * 1024;

/** What verifyCoseSign1 checks before it hashes anything; throws COSE_INVALID as it documents. */
function checkable(msg: CoseSign1, key: KeyObject, options: VerifySign1Options) {
  const algId = msg.protectedHeaders.get(HEADER.alg);
  if (typeof algId !== 'number') coseInvalid('alg missing from the protected header');
  const alg = signatureAlgorithm(algId);
  if (!alg) coseInvalid(`unsupported signature algorithm ${algId}`);
  const curve = keyCurve(key);
  if (!alg.curves.includes(curve)) coseInvalid(`a ${curve} key cannot verify ${alg.name}`);
  if (msg.protectedHeaders.has(HEADER.crit)) coseInvalid('critical header parameters are not supported');
  let payload = msg.payload;
  if (options.detachedPayload) {
    if (payload !== null) coseInvalid('payload is both attached and detached');
    payload = options.detachedPayload;
  }
  if (payload === null) coseInvalid('detached payload not supplied');
  return { alg, curve, payload };
}

export interface SignOptions {
  /** DER certificates, leaf first. One goes in as a bstr, several as an array (ISO 18013-5 §9.1.2.4). */
  x5chain?: Uint8Array[];
  detached?: boolean;
  externalAad?: Uint8Array;
  /** Extra unprotected header parameters. */
  unprotected?: Map<unknown, unknown>;
}

/** Creates a COSE_Sign1 array `[protected, unprotected, payload|null, signature]`. */
export function createCoseSign1(payload: Uint8Array, key: KeyObject, options: SignOptions = {}): unknown[] {
  const alg = algorithmForKey(key);
  const protectedBytes = encodeCbor(new Map([[HEADER.alg, alg]]));
  const unprotected = new Map<unknown, unknown>(options.unprotected ?? []);
  if (options.x5chain?.length) unprotected.set(HEADER.x5chain, options.x5chain.length === 1 ? options.x5chain[0] : options.x5chain);
  const data = toBeSigned('Signature1', protectedBytes, options.externalAad ?? new Uint8Array(0), payload);
  const spec = signatureAlgorithm(alg)!;
  const signature = spec.hash ? sign(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }) : sign(null, data, key);
  return [protectedBytes, unprotected, options.detached ? null : payload, new Uint8Array(signature)];
}
