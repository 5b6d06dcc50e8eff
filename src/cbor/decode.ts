/**
 * Strict CBOR decoder for data that arrives from wallets and issuers.
 *
 * Why by hand and not cbor-x's decoder (cbor-x is still our encoder, see encode.ts):
 * - cbor-x keeps tag handlers in one process-wide table. Other libraries in the same process
 *   (@auth0/mdl, cose-kit) register their own handlers for tags 0, 17, 18, 24 and 1004, which would
 *   silently change what kakunin decodes.
 * - cbor-x accepts duplicate map keys (last one wins: a classic signature-confusion vector), has no
 *   depth or item-count limits, and enables extension tags (27, 28, 51, records) we must not honour
 *   on hostile input.
 * - Verification needs the exact bytes of every tag-24 item as received; this decoder hands them out
 *   as zero-copy views.
 * The decoder is a single pass over RFC 8949 heads: well-formedness, limits, duplicate keys and
 * trailing bytes are all checked as it goes.
 */
import { CborError } from './errors.js';
import { EncodedCbor, FullDate, Simple, Tagged } from './types.js';

export interface DecodeLimits {
  /** Largest input accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays, maps and tags. */
  maxDepth: number;
  /** Most data items in one input (every array element, map key and value counts). */
  maxItems: number;
}

export const DEFAULT_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 48,
  maxItems: 500_000,
});

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Node's native latin1 slice (on every Uint8Array); feature-checked so the decoder still works
 * where Buffer differs. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/**
 * Short ASCII map keys decoded before, by a hash of their bytes: an mdoc repeats the same few dozen
 * keys (digestID, random, elementIdentifier, elementValue, the element identifiers of the
 * DeviceNameSpaces) in every response, and handing back the string made last time skips a native
 * slice and, since V8 keeps a string's hash in it, the hashing of a fresh string by every Map lookup.
 * A hit is compared byte for byte, so a collision only costs a miss. Bounded (one string of at most
 * 23 characters per slot) and keys only: values, which carry the holder's data, are never kept.
 */
const KEY_CACHE_SLOTS = 1024;
const keyCache: Array<string | undefined> = new Array<string | undefined>(KEY_CACHE_SLOTS).fill(undefined);

/** RFC 3339 date-time, the only form tag 0 may carry. */
const TDATE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;

class Reader {
  pos = 0;
  items = 0;
  private dataView: DataView | undefined;
  constructor(
    readonly buf: Uint8Array,
    readonly limits: DecodeLimits,
  ) {}

  /** Created on first use: most inputs need no multi-byte float or 64-bit read. */
  get view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  fail(message: string): never {
    throw new CborError(`${message} at byte ${this.pos}`);
  }

  need(n: number): void {
    if (n > this.buf.length - this.pos) this.fail('unexpected end of input');
  }

  /** Reads the argument of a head; returns a number, a bigint past 2^53, or -1 for indefinite. */
  argument(info: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.buf[this.pos++];
      case 25: {
        this.need(2);
        const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const b = this.buf;
        const p = this.pos;
        const v = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 31:
        return -1;
      default:
        return this.fail(`reserved additional information ${info}`);
    }
  }

  length(info: number, what: string): number {
    const n = this.argument(info);
    if (typeof n === 'bigint') this.fail(`${what} length too large`);
    return n;
  }

  item(depth: number): unknown {
    if (++this.items > this.limits.maxItems) this.fail(`more than ${this.limits.maxItems} data items`);
    this.need(1);
    const start = this.pos;
    const ib = this.buf[this.pos++];
    const major = ib >> 5;
    const info = ib & 0x1f;
    switch (major) {
      case 0: {
        const v = this.argument(info);
        if (v === -1) this.fail('indefinite length integer');
        return v;
      }
      case 1: {
        const v = this.argument(info);
        if (v === -1) this.fail('indefinite length integer');
        if (typeof v === 'bigint') return -1n - v;
        return v < Number.MAX_SAFE_INTEGER ? -1 - v : -1n - BigInt(v);
      }
      case 2:
        return this.string(info, depth, false);
      case 3:
        return this.string(info, depth, true);
      case 4:
        return this.array(info, depth);
      case 5:
        return this.map(info, depth);
      case 6:
        return this.tag(info, depth, start);
      default:
        return this.simple(info);
    }
  }

  string(info: number, depth: number, text: boolean): Uint8Array | string {
    const n = this.length(info, 'string');
    if (n === -1) {
      // Indefinite-length string: chunks of the same major type, definite length each.
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        this.need(1);
        const b = this.buf[this.pos];
        if (b === 0xff) {
          this.pos++;
          break;
        }
        if (b >> 5 !== (text ? 3 : 2) || (b & 0x1f) === 31) this.fail('bad chunk in indefinite-length string');
        this.pos++;
        const len = this.length(b & 0x1f, 'string');
        this.need(len);
        chunks.push(this.buf.subarray(this.pos, this.pos + len));
        this.pos += len;
        total += len;
      }
      const joined = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) {
        joined.set(c, off);
        off += c.length;
      }
      return text ? this.text(joined) : joined;
    }
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (text) {
      // Most mdoc strings are short ASCII (map keys, element identifiers). ASCII is valid UTF-8 by
      // construction and latin1 decoding of it is exact, and much cheaper than TextDecoder.
      const buf = this.buf;
      let ascii = true;
      for (let i = start; i < start + n; i++) {
        if (buf[i] > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii && latin1Slice) return latin1Slice.call(buf, start, start + n);
      return this.text(buf.subarray(start, start + n));
    }
    return this.buf.subarray(start, start + n);
  }

  text(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail('invalid UTF-8 in text string');
    }
  }

  enter(depth: number): number {
    if (depth + 1 > this.limits.maxDepth) this.fail(`nesting deeper than ${this.limits.maxDepth}`);
    return depth + 1;
  }

  array(info: number, depth: number): unknown[] {
    const inner = this.enter(depth);
    const n = this.length(info, 'array');
    const out: unknown[] = [];
    if (n === -1) {
      for (;;) {
        this.need(1);
        if (this.buf[this.pos] === 0xff) {
          this.pos++;
          return out;
        }
        out.push(this.item(inner));
      }
    }
    // Each element takes at least one byte: a claimed length past the input is malformed, and
    // checking it here keeps a tiny input from asking for a huge allocation.
    if (n > this.buf.length - this.pos) this.fail('array longer than the input');
    for (let i = 0; i < n; i++) out.push(this.item(inner));
    return out;
  }

  map(info: number, depth: number): Map<unknown, unknown> {
    const inner = this.enter(depth);
    const n = this.length(info, 'map');
    const out = new Map<unknown, unknown>();
    // Integers, strings, booleans and null are compared by value by the Map itself (integers decode to
    // one canonical number/bigint whatever their head length); other keys by their encoding.
    let encodedKeys: Set<string> | undefined;
    if (n !== -1 && n > (this.buf.length - this.pos) / 2) this.fail('map longer than the input');
    for (let i = 0; n === -1 || i < n; i++) {
      if (n === -1) {
        this.need(1);
        if (this.buf[this.pos] === 0xff) {
          this.pos++;
          break;
        }
      }
      const keyStart = this.pos;
      const key = this.mapKey(inner);
      if (key !== null && typeof key === 'object') {
        encodedKeys ??= new Set();
        const id = Buffer.from(this.buf.buffer, this.buf.byteOffset + keyStart, this.pos - keyStart).toString('latin1');
        if (encodedKeys.has(id)) this.fail('duplicate map key');
        encodedKeys.add(id);
      } else if (out.has(key)) {
        this.fail('duplicate map key');
      }
      out.set(key, this.item(inner));
    }
    return out;
  }

  /** A map key: a short ASCII text key through the key cache, anything else as any item. */
  mapKey(depth: number): unknown {
    const buf = this.buf;
    const start = this.pos + 1;
    const head = buf[this.pos];
    // Major type 3 with the length in the head (0..23 bytes), all of it in the input.
    if (head === undefined || head >> 5 !== 3 || (head & 0x1f) > 23 || start + (head & 0x1f) > buf.length) return this.item(depth);
    const n = head & 0x1f;
    let h = n;
    for (let i = start; i < start + n; i++) {
      const b = buf[i];
      if (b > 0x7f) return this.item(depth);
      h = (Math.imul(h, 31) + b) | 0;
    }
    if (++this.items > this.limits.maxItems) this.fail(`more than ${this.limits.maxItems} data items`);
    this.pos = start + n;
    const slot = h & (KEY_CACHE_SLOTS - 1);
    const cached = keyCache[slot];
    if (cached !== undefined && cached.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cached.charCodeAt(i) !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const key = latin1Slice ? latin1Slice.call(buf, start, start + n) : String.fromCharCode(...buf.subarray(start, start + n));
    keyCache[slot] = key;
    return key;
  }

  tag(info: number, depth: number, start: number): unknown {
    const tag = this.argument(info);
    if (tag === -1) this.fail('indefinite length tag');
    const inner = this.enter(depth);
    const value = this.item(inner);
    switch (tag) {
      case 24:
        if (!(value instanceof Uint8Array)) this.fail('tag 24 must wrap a byte string');
        return new EncodedCbor(value, this.buf.subarray(start, this.pos));
      case 0: {
        if (typeof value !== 'string' || !TDATE.test(value)) this.fail('tag 0 must wrap an RFC 3339 date-time');
        const d = new Date(value);
        if (Number.isNaN(d.getTime())) this.fail('tag 0 date-time out of range');
        return d;
      }
      case 1: {
        if (typeof value !== 'number') this.fail('tag 1 must wrap a number');
        const d = new Date(value * 1000);
        // NaN, infinities and epochs past JS's date range make an Invalid Date, which compares false
        // with everything: refuse it here rather than let it reach a validity check.
        if (Number.isNaN(d.getTime())) this.fail('tag 1 epoch time out of range');
        return d;
      }
      case 1004:
        if (typeof value !== 'string' || !FULL_DATE.test(value)) this.fail('tag 1004 must wrap an RFC 3339 full-date');
        return new FullDate(value);
      default:
        return new Tagged(typeof tag === 'bigint' ? Number(tag) : tag, value);
    }
  }

  simple(info: number): unknown {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.need(1);
        const v = this.buf[this.pos++];
        if (v < 32) this.fail('simple value encoded in two bytes below 32');
        return new Simple(v);
      }
      case 25: {
        this.need(2);
        const v = halfToNumber(this.view.getUint16(this.pos));
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.view.getFloat32(this.pos);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case 31:
        return this.fail('unexpected break');
      default:
        if (info < 20) return new Simple(info);
        return this.fail(`reserved simple value ${info}`);
    }
  }
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Decodes exactly one CBOR data item. Throws CborError (code CBOR_MALFORMED) on anything malformed,
 * over a limit, followed by trailing bytes, or holding a duplicate map key.
 * The result may hold views into `input` (byte strings, EncodedCbor): do not mutate it afterwards.
 */
export function decodeCbor(input: Uint8Array, limits: Partial<DecodeLimits> = DEFAULT_LIMITS): unknown {
  const lim = limits === DEFAULT_LIMITS ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...limits };
  if (!(input instanceof Uint8Array)) throw new CborError('input is not a byte array');
  if (input.length === 0) throw new CborError('empty input');
  if (input.length > lim.maxBytes) throw new CborError(`input of ${input.length} bytes exceeds the limit of ${lim.maxBytes}`);
  const reader = new Reader(input, lim);
  let value: unknown;
  try {
    value = reader.item(0);
  } catch (e) {
    if (e instanceof CborError) throw e;
    // A RangeError from the engine (say, an allocation) is still malformed input to the caller.
    throw new CborError(`undecodable input: ${(e as Error).message}`, { cause: e });
  }
  if (reader.pos !== input.length) throw new CborError(`${input.length - reader.pos} trailing bytes after the data item`);
  return value;
}

/** Decodes the item a tag 24 wraps, with the same strictness. */
export function decodeEmbedded(item: EncodedCbor, limits?: Partial<DecodeLimits>): unknown {
  return decodeCbor(item.bytes, limits);
}
