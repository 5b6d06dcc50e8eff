/**
 * COSE_Mac0 (RFC 9052 §6.2) with HMAC 256/256, the only MAC ISO 18013-5 uses (deviceMac).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeCbor } from '../cbor/encode.js';
import { KakuninError } from '../cbor/errors.js';
import { asArray, asBytes, asMap } from '../cbor/read.js';
import { Tagged } from '../cbor/types.js';
import { COSE_ALG } from './algorithms.js';
import { decodeProtected, HEADER, toBeSigned } from './sign1.js';

export interface CoseMac0 {
  protectedBytes: Uint8Array;
  protectedHeaders: Map<unknown, unknown>;
  unprotectedHeaders: Map<unknown, unknown>;
  payload: Uint8Array | null;
  tag: Uint8Array;
}

function bad(message: string): never {
  throw new KakuninError('COSE_INVALID', message);
}

export function parseCoseMac0(value: unknown): CoseMac0 {
  if (value instanceof Tagged) {
    if (value.tag !== 17) bad(`expected COSE_Mac0 (tag 17), got tag ${value.tag}`);
    value = value.value;
  }
  const a = asArray(value, 'COSE_Mac0', 'COSE_INVALID');
  if (a.length !== 4) bad(`COSE_Mac0 must have 4 elements, has ${a.length}`);
  const protectedBytes = asBytes(a[0], 'COSE_Mac0 protected', 'COSE_INVALID');
  return {
    protectedBytes,
    protectedHeaders: decodeProtected(protectedBytes),
    unprotectedHeaders: asMap(a[1], 'COSE_Mac0 unprotected', 'COSE_INVALID'),
    payload: a[2] === null ? null : asBytes(a[2], 'COSE_Mac0 payload', 'COSE_INVALID'),
    tag: asBytes(a[3], 'COSE_Mac0 tag', 'COSE_INVALID'),
  };
}

/** Verifies the tag in constant time. `alg` must be HMAC 256/256 in the protected header. */
export function verifyCoseMac0(msg: CoseMac0, key: Uint8Array, options: { detachedPayload?: Uint8Array; externalAad?: Uint8Array } = {}): boolean {
  const alg = msg.protectedHeaders.get(HEADER.alg);
  if (alg !== COSE_ALG.HMAC256) bad(`unsupported MAC algorithm ${String(alg)} (only HMAC 256/256)`);
  let payload = msg.payload;
  if (options.detachedPayload) {
    if (payload !== null) bad('payload is both attached and detached');
    payload = options.detachedPayload;
  }
  if (payload === null) bad('detached payload not supplied');
  const expected = createHmac('sha256', key).update(toBeSigned('MAC0', msg.protectedBytes, options.externalAad ?? new Uint8Array(0), payload)).digest();
  return msg.tag.length === expected.length && timingSafeEqual(expected, msg.tag);
}

export function createCoseMac0(payload: Uint8Array, key: Uint8Array, options: { detached?: boolean; externalAad?: Uint8Array } = {}): unknown[] {
  const protectedBytes = encodeCbor(new Map([[HEADER.alg, COSE_ALG.HMAC256]]));
  const tag = createHmac('sha256', key).update(toBeSigned('MAC0', protectedBytes, options.externalAad ?? new Uint8Array(0), payload)).digest();
  return [protectedBytes, new Map(), options.detached ? null : payload, new Uint8Array(tag)];
}
