/**
 * Value digests, compared one-shot. node:crypto's `hash()` skips the Hash object createHash
 * allocates, and asked for a 'binary' (latin1) string it also skips the Buffer it would otherwise make for
 * each result (less than half the time per IssuerSignedItem, a dozen or more per document: figures in
 * docs/performance.md). Digests are public (the MSO lists them), so the comparison need not be
 * constant-time.
 */
import { hash } from 'node:crypto';

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;

/** A latin1 string of a view's bytes the documented way (a Buffer over the same memory). */
export const documentedLatin1Slice: Latin1Slice = function (this: Uint8Array, start: number, end: number) {
  return Buffer.from(this.buffer, this.byteOffset + start, end - start).toString('latin1');
};

/** Node's native latin1 slice, on every Uint8Array view (one byte, one char), without the Buffer. It is
 * on Buffer's prototype in Node 20, 22 and 24 but not documented: a Node without it gets the documented way. */
const latin1Slice: Latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice ?? documentedLatin1Slice;

/** Whether `algorithm` over `data` gives exactly the bytes `expected`. */
export function digestMatches(algorithm: 'sha256' | 'sha384' | 'sha512', data: Uint8Array, expected: Uint8Array): boolean {
  return hash(algorithm, data, 'binary') === latin1Slice.call(expected, 0, expected.length);
}
