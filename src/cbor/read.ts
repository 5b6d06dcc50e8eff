/**
 * Typed access to decoded CBOR. Each reader names what it expected and fails with the caller's
 * failure code, so a structural problem in an MSO reads as MSO_INVALID rather than a TypeError.
 */
import { KakuninError } from '../codes/error.js';
import type { KakuninCode } from '../codes/error-codes.js';
import { EncodedCbor } from './types.js';

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return 'bstr';
  if (v instanceof Map) return 'map';
  if (Array.isArray(v)) return 'array';
  if (v instanceof EncodedCbor) return 'tag 24';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}

function wrong(what: string, expected: string, v: unknown, code: KakuninCode): never {
  throw new KakuninError(code, `${what}: expected ${expected}, got ${kindOf(v)}`);
}

export function asMap(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): Map<unknown, unknown> {
  return v instanceof Map ? v : wrong(what, 'map', v, code);
}

export function asArray(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): unknown[] {
  return Array.isArray(v) ? v : wrong(what, 'array', v, code);
}

export function asBytes(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): Uint8Array {
  return v instanceof Uint8Array ? v : wrong(what, 'bstr', v, code);
}

export function asText(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): string {
  return typeof v === 'string' ? v : wrong(what, 'tstr', v, code);
}

export function asInt(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : wrong(what, 'int', v, code);
}

export function asEmbedded(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): EncodedCbor {
  return v instanceof EncodedCbor ? v : wrong(what, 'tag 24 (embedded CBOR)', v, code);
}

export function asDate(v: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): Date {
  return v instanceof Date ? v : wrong(what, 'tdate (tag 0)', v, code);
}

/** A map entry that must be present. */
export function required(map: Map<unknown, unknown>, key: unknown, what: string, code: KakuninCode = 'CBOR_MALFORMED'): unknown {
  if (!map.has(key)) throw new KakuninError(code, `${what}: missing "${String(key)}"`);
  return map.get(key);
}
