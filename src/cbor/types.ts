/**
 * Values the decoder produces besides plain JS types. Maps decode to `Map` (keys of any type),
 * byte strings to `Uint8Array`, text to `string`, integers to `number` (or `bigint` past 2^53).
 */

/**
 * An embedded CBOR data item (tag 24). `tagged` is the whole item as received: tag, bstr head and
 * content. Digests (IssuerSignedItemBytes) and transcripts are computed over these exact bytes.
 *
 * @example
 * ```ts
 * import { createHash } from 'node:crypto';
 * import { EncodedCbor } from 'kakunin';
 * declare const item: EncodedCbor; // e.g. an IssuerSignedItemBytes as decoded from a DeviceResponse
 * const digest = createHash('sha256').update(item.tagged).digest(); // what the MSO's valueDigests hold
 * ```
 */
export class EncodedCbor {
  constructor(
    /** The content of the byte string: the embedded item's encoding. */
    readonly bytes: Uint8Array,
    /** The whole `#6.24(bstr)` as received. */
    readonly tagged: Uint8Array,
  ) {}
}

/**
 * RFC 8943 full-date (tag 1004), e.g. a birth date. Kept as the string the issuer signed.
 *
 * @example
 * ```ts
 * import { FullDate } from 'kakunin';
 * declare const value: unknown; // an element value, e.g. birth_date
 * if (value instanceof FullDate) console.log(value.value); // '1990-04-01', as the issuer signed it
 * ```
 */
export class FullDate {
  constructor(readonly value: string) {}
  toJSON(): string {
    return this.value;
  }
  toString(): string {
    return this.value;
  }
}

/** A tag this project has no meaning for; the value is kept as decoded. */
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

/** Simple values other than false/true/null/undefined. */
export class Simple {
  constructor(readonly value: number) {}
}

export type CborMap = Map<unknown, unknown>;
