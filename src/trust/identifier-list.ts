/**
 * The claims of an ISO identifier list CWT (ISO/IEC 18013-5 second edition): 65530 identifier_list
 * {identifiers: {* bstr => IdentifierInfo}} beside the usual CWT claims. A list can hold hundreds of
 * thousands of identifiers; decoding it as one CBOR item built a Map and a Uint8Array per entry and
 * held the event loop for seconds (measured: 240,000 identifiers, 1.8-5 s to decode, as long again
 * to turn the keys into hex). So the identifiers map is read here, entry by entry, yielding after
 * every IDENTIFIERS_PER_STEP entries, and the driver (status-list.ts) lets other work run between
 * slices. Every other claim, each identifier's IdentifierInfo and the rest of identifier_list are
 * decoded by decodeCbor, with its usual strictness; what this reader checks itself is the framing
 * around them: definite-length maps, byte-string identifiers, no key twice, no trailing bytes.
 */
import { decodeCbor } from '../cbor/decode.js';
import { KakuninError } from '../codes/error.js';

const CODE = 'STATUS_LIST_MALFORMED';
/** CWT claim 65530, identifier_list. */
const IDENTIFIER_LIST_CLAIM = 65530;
/** Identifiers read between two yields: about a millisecond. */
export const IDENTIFIERS_PER_STEP = 2_000;
/** As the CBOR decoder's own limit. */
const MAX_DEPTH = 48;

function bad(message: string): never {
  throw new KakuninError(CODE, `identifier list: ${message}`);
}

/** The head at `pos`: major type, argument (-1 for an indefinite length) and where its content starts. */
function head(b: Uint8Array, pos: number): { major: number; arg: number; next: number } {
  if (pos >= b.length) bad('truncated');
  const ib = b[pos];
  const major = ib >> 5;
  const info = ib & 0x1f;
  let p = pos + 1;
  let arg: number;
  if (info < 24) arg = info;
  else if (info === 24) arg = b[p++];
  else if (info === 25) {
    arg = (b[p] << 8) | b[p + 1];
    p += 2;
  } else if (info === 26) {
    arg = ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
    p += 4;
  } else if (info === 27) {
    arg = (((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])) * 2 ** 32 + ((b[p + 4] << 24) >>> 0) + ((b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]);
    p += 8;
  } else if (info === 31 && major >= 2 && major <= 5) arg = -1;
  else bad(`reserved or misplaced additional information at byte ${pos}`);
  if (p > b.length) bad('truncated');
  return { major, arg, next: p };
}

/** Where the data item at `pos` ends (its well-formedness in detail is decodeCbor's to check). */
function itemEnd(b: Uint8Array, pos: number, depth: number): number {
  if (depth > MAX_DEPTH) bad('nested too deeply');
  const { major, arg, next } = head(b, pos);
  let p = next;
  if (major === 0 || major === 1 || major === 7) return p;
  if (major === 2 || major === 3) {
    if (arg >= 0) {
      if (p + arg > b.length) bad('truncated string');
      return p + arg;
    }
    while (b[p] !== 0xff) p = itemEnd(b, p, depth + 1);
    return p + 1;
  }
  if (major === 6) return itemEnd(b, p, depth + 1);
  const count = major === 5 ? 2 * arg : arg;
  if (arg < 0) {
    while (p < b.length && b[p] !== 0xff) p = itemEnd(b, p, depth + 1);
    if (p >= b.length) bad('truncated');
    return p + 1;
  }
  for (let i = 0; i < count; i++) p = itemEnd(b, p, depth + 1);
  return p;
}

/** Decodes the item at `pos` on its own; returns it and where it ends. */
function item(b: Uint8Array, pos: number): { value: unknown; end: number } {
  const end = itemEnd(b, pos, 1);
  try {
    return { value: decodeCbor(b.subarray(pos, end)), end };
  } catch (e) {
    bad((e as Error).message);
  }
}

/** A definite-length map's entry count at `pos`, and where its first key starts. */
function mapHead(b: Uint8Array, pos: number, what: string): { count: number; next: number } {
  const h = head(b, pos);
  if (h.major !== 5 || h.arg < 0) bad(`${what} is not a definite-length map`);
  return { count: h.arg, next: h.next };
}

export interface IdentifierListClaims {
  /** Every claim, decoded; identifier_list's `identifiers` stands there as an empty map. */
  claims: Map<unknown, unknown>;
  /** The listed identifiers, hex; undefined when the payload has no identifier_list.identifiers. */
  identifiers?: Set<string>;
  /** Their lengths added up, in bytes (twice that in hex characters). */
  identifierBytes: number;
}

/**
 * Reads a CWT claims set whose identifier_list may be large, yielding after every
 * IDENTIFIERS_PER_STEP identifiers. Throws STATUS_LIST_MALFORMED.
 */
export function* readIdentifierListClaims(payload: Uint8Array): Generator<undefined, IdentifierListClaims> {
  const claims = new Map<unknown, unknown>();
  let identifiers: Set<string> | undefined;
  let identifierBytes = 0;
  const top = mapHead(payload, 0, 'the CWT claims');
  let p = top.next;
  for (let i = 0; i < top.count; i++) {
    const key = item(payload, p);
    if (claims.has(key.value)) bad(`claim ${String(key.value)} twice`);
    if (key.value !== IDENTIFIER_LIST_CLAIM) {
      const value = item(payload, key.end);
      claims.set(key.value, value.value);
      p = value.end;
      continue;
    }
    const il = new Map<unknown, unknown>();
    const list = mapHead(payload, key.end, 'identifier_list');
    p = list.next;
    for (let j = 0; j < list.count; j++) {
      const name = item(payload, p);
      if (il.has(name.value)) bad(`identifier_list key ${String(name.value)} twice`);
      if (name.value !== 'identifiers') {
        const value = item(payload, name.end);
        il.set(name.value, value.value);
        p = value.end;
        continue;
      }
      il.set('identifiers', new Map());
      const ids = mapHead(payload, name.end, 'identifiers');
      identifiers = new Set<string>();
      p = ids.next;
      for (let k = 0; k < ids.count; k++) {
        const id = head(payload, p);
        if (id.major !== 2 || id.arg < 0) bad('an identifier is not a definite-length byte string');
        const idEnd = id.next + id.arg;
        if (idEnd > payload.length) bad('truncated identifier');
        const hex = Buffer.from(payload.buffer, payload.byteOffset + id.next, id.arg).toString('hex');
        if (identifiers.has(hex)) bad('an identifier is listed twice');
        identifiers.add(hex);
        identifierBytes += id.arg;
        const info = item(payload, idEnd);
        if (!(info.value instanceof Map)) bad('an IdentifierInfo is not a map');
        p = info.end;
        if ((k + 1) % IDENTIFIERS_PER_STEP === 0 && k + 1 < ids.count) yield;
      }
    }
    claims.set(IDENTIFIER_LIST_CLAIM, il);
  }
  if (p !== payload.length) bad(`${payload.length - p} trailing bytes after the claims`);
  return { claims, identifierBytes, ...(identifiers ? { identifiers } : {}) };
}
