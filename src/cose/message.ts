/**
 * The four-element shape COSE_Sign1 and COSE_Mac0 share (RFC 9052 §4.2, §6.2):
 * [protected bstr, unprotected map, payload bstr / nil, signature-or-tag bstr], optionally tagged.
 */
import { decodeCbor } from '../cbor/decode.js';
import { KakuninError } from '../codes/error.js';
import { asArray, asBytes, asMap } from '../cbor/read.js';
import { Tagged } from '../cbor/types.js';

export interface CoseMessage {
  /** The protected header bucket exactly as received; signatures and MACs cover these bytes. */
  protectedBytes: Uint8Array;
  protectedHeaders: Map<unknown, unknown>;
  unprotectedHeaders: Map<unknown, unknown>;
  /** null when the payload is detached (deviceSignature, deviceMac, readerAuth). */
  payload: Uint8Array | null;
  /** The signature (Sign1) or the tag (Mac0). */
  last: Uint8Array;
}

export function coseInvalid(message: string): never {
  throw new KakuninError('COSE_INVALID', message);
}

const EMPTY_MAP = new Map<unknown, unknown>();

/** Protected headers: an empty bstr means no headers; otherwise a map, decoded from the exact bytes. */
export function decodeProtected(bytes: Uint8Array): Map<unknown, unknown> {
  if (bytes.length === 0) return EMPTY_MAP;
  return asMap(decodeCbor(bytes, { maxDepth: 8 }), 'protected header', 'COSE_INVALID');
}

export function parseCoseMessage(value: unknown, name: 'COSE_Sign1' | 'COSE_Mac0', tag: number): CoseMessage {
  if (value instanceof Tagged) {
    if (value.tag !== tag) coseInvalid(`expected ${name} (tag ${tag}), got tag ${value.tag}`);
    value = value.value;
  }
  const a = asArray(value, name, 'COSE_INVALID');
  if (a.length !== 4) coseInvalid(`${name} must have 4 elements, has ${a.length}`);
  const protectedBytes = asBytes(a[0], `${name} protected`, 'COSE_INVALID');
  return {
    protectedBytes,
    protectedHeaders: decodeProtected(protectedBytes),
    unprotectedHeaders: asMap(a[1], `${name} unprotected`, 'COSE_INVALID'),
    payload: a[2] === null ? null : asBytes(a[2], `${name} payload`, 'COSE_INVALID'),
    last: asBytes(a[3], `${name} ${name === 'COSE_Mac0' ? 'tag' : 'signature'}`, 'COSE_INVALID'),
  };
}
