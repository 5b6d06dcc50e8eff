/**
 * CBOR encoding through cbor-x. Values are first mapped onto cbor-x's own `Tag` so that encoding never
 * depends on cbor-x's process-wide extension table (which other libraries change, see decode.ts).
 */
import { Encoder, Tag } from 'cbor-x';
import { EncodedCbor, FullDate, Simple, Tagged } from './types.js';
import { KakuninError } from '../codes/error.js';

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  variableMapSize: true,
  tagUint8Array: false,
  // Our own maps are Maps; plain objects are a convenience for string-keyed maps.
  useTag259ForMaps: false,
} as ConstructorParameters<typeof Encoder>[0]);

/** RFC 3339 without fractional seconds, as ISO 18013-5 requires for tdate. */
export function tdateString(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function prepare(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return value;
  if (value instanceof EncodedCbor) return new Tag(value.bytes, 24);
  if (value instanceof FullDate) return new Tag(value.value, 1004);
  if (value instanceof Date) return new Tag(tdateString(value), 0);
  if (value instanceof Tagged) return new Tag(prepare(value.value), value.tag);
  if (value instanceof Simple) throw new KakuninError('INVALID_ARGUMENT', 'encoding simple values is not supported');
  if (value instanceof Tag) return new Tag(prepare(value.value), value.tag);
  if (Array.isArray(value)) return value.map(prepare);
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(prepare(k), prepare(v));
    return out;
  }
  const out = new Map();
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out.set(k, prepare(v));
  return out;
}

/** Encodes a value: Map and plain objects as maps, Uint8Array as bstr, EncodedCbor as tag 24,
 * Date as tag 0 (tdate), FullDate as tag 1004. */
export function encodeCbor(value: unknown): Uint8Array {
  const out = encoder.encode(prepare(value));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Encodes `value` and wraps it as an embedded item: `#6.24(bstr .cbor value)`. */
export function embed(value: unknown): EncodedCbor {
  return embedBytes(encodeCbor(value));
}

/** Wraps already-encoded bytes as tag 24 without touching them. */
export function embedBytes(bytes: Uint8Array): EncodedCbor {
  return new EncodedCbor(bytes, concat(cborHead(6, 24), cborHead(2, bytes.length), bytes));
}

/** The head of a data item of `major` type with argument `n` (RFC 8949 §3). Used where the exact
 * bytes of a structure are assembled around bytes that must not be re-encoded. */
export function cborHead(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < 0x100000000) return Uint8Array.of(m | 26, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  const b = new Uint8Array(9);
  b[0] = m | 27;
  new DataView(b.buffer).setBigUint64(1, BigInt(n));
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
