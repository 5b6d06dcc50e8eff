/**
 * COSE_Mac0 (RFC 9052 §6.2) with HMAC 256/256, the only MAC ISO 18013-5 uses (deviceMac).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeCbor } from '../cbor/encode.js';
import { COSE_ALG } from './algorithms.js';
import { coseInvalid, parseCoseMessage, type CoseMessage } from './message.js';
import { HEADER, toBeSigned } from './sign1.js';

export interface CoseMac0 extends Omit<CoseMessage, 'last'> {
  tag: Uint8Array;
}

export function parseCoseMac0(value: unknown): CoseMac0 {
  const m = parseCoseMessage(value, 'COSE_Mac0', 17);
  return { protectedBytes: m.protectedBytes, protectedHeaders: m.protectedHeaders, unprotectedHeaders: m.unprotectedHeaders, payload: m.payload, tag: m.last };
}

/** Verifies the tag in constant time. `alg` must be HMAC 256/256 in the protected header. */
export function verifyCoseMac0(msg: CoseMac0, key: Uint8Array, options: { detachedPayload?: Uint8Array; externalAad?: Uint8Array } = {}): boolean {
  const alg = msg.protectedHeaders.get(HEADER.alg);
  if (alg !== COSE_ALG.HMAC256) coseInvalid(`unsupported MAC algorithm ${String(alg)} (only HMAC 256/256)`);
  let payload = msg.payload;
  if (options.detachedPayload) {
    if (payload !== null) coseInvalid('payload is both attached and detached');
    payload = options.detachedPayload;
  }
  if (payload === null) coseInvalid('detached payload not supplied');
  const expected = createHmac('sha256', key)
    .update(toBeSigned('MAC0', msg.protectedBytes, options.externalAad ?? new Uint8Array(0), payload))
    .digest();
  return msg.tag.length === expected.length && timingSafeEqual(expected, msg.tag);
}

export function createCoseMac0(payload: Uint8Array, key: Uint8Array, options: { detached?: boolean; externalAad?: Uint8Array } = {}): unknown[] {
  const protectedBytes = encodeCbor(new Map([[HEADER.alg, COSE_ALG.HMAC256]]));
  const tag = createHmac('sha256', key)
    .update(toBeSigned('MAC0', protectedBytes, options.externalAad ?? new Uint8Array(0), payload))
    .digest();
  return [protectedBytes, new Map(), options.detached ? null : payload, new Uint8Array(tag)];
}
