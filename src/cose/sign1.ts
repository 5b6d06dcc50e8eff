/**
 * COSE_Sign1 (RFC 9052 §4.2): parse, verify and create.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
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
  const ctx = context === 'Signature1' ? SIGNATURE1 : MAC0;
  const heads = [cborHead(2, protectedBytes.length), cborHead(2, externalAad.length), cborHead(2, payload.length)];
  const out = Buffer.allocUnsafe(1 + ctx.length + heads[0].length + protectedBytes.length + heads[1].length + externalAad.length + heads[2].length + payload.length);
  let off = 0;
  out[off++] = 0x84;
  for (const part of [ctx, heads[0], protectedBytes, heads[1], externalAad, heads[2], payload]) {
    out.set(part, off);
    off += part.length;
  }
  return out;
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
  const data = toBeSigned('Signature1', msg.protectedBytes, options.externalAad ?? new Uint8Array(0), payload);
  if (alg.hash) {
    if (msg.signature.length !== ecdsaSignatureLength(curve)) return false;
    return verify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, msg.signature);
  }
  return verify(null, data, key, msg.signature);
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
