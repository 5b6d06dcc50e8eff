/**
 * Value digests, compared one-shot. node:crypto's `hash()` skips the Hash object createHash
 * allocates, and asked for a 'binary' (latin1) string it also skips the Buffer it would otherwise make for
 * each result (measured 2026-12-06: about 0.37 µs against 0.9 µs per IssuerSignedItem, a dozen or
 * more per document). Digests are public (the MSO lists them), so the comparison need not be
 * constant-time.
 */
import { hash } from 'node:crypto';

/** Node's native latin1 slice, on every Uint8Array view (one byte, one char). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Whether `algorithm` over `data` gives exactly the bytes `expected`. */
export function digestMatches(algorithm: 'sha256' | 'sha384' | 'sha512', data: Uint8Array, expected: Uint8Array): boolean {
  return hash(algorithm, data, 'binary') === latin1Slice.call(expected, 0, expected.length);
}
