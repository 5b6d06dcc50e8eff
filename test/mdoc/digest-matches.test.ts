/** digestMatches (src/mdoc/digest.ts), and the documented latin1 slice it falls back on where Node's
 * undocumented Buffer.prototype.latin1Slice is missing (deleting that one breaks Buffer itself). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestMatches, documentedLatin1Slice } from '../../src/mdoc/digest.js';

const data = new Uint8Array([0xd8, 0x18, 0x58, 0x20, 0xff, 0x00, 0x80]);
const good = new Uint8Array(createHash('sha256').update(data).digest());

describe('digestMatches', () => {
  it('compares the digest byte for byte, views into larger buffers included', () => {
    const inside = new Uint8Array(40);
    inside.set(good, 4);
    const bad = new Uint8Array(good);
    bad[31] ^= 0x80;
    expect(digestMatches('sha256', data, good)).toBe(true);
    expect(digestMatches('sha256', data, inside.subarray(4, 36))).toBe(true);
    expect(digestMatches('sha256', data, bad)).toBe(false);
    expect(digestMatches('sha256', data, good.subarray(0, 31))).toBe(false);
    expect(digestMatches('sha384', data, good)).toBe(false);
  });

  it("the documented fallback gives Node's latin1Slice's string for every byte value, on a view", () => {
    const bytes = new Uint8Array(260);
    for (let i = 0; i < 256; i++) bytes[i + 2] = i;
    const view = bytes.subarray(2, 258);
    const native = (Buffer.prototype as unknown as { latin1Slice: typeof documentedLatin1Slice }).latin1Slice;
    expect(documentedLatin1Slice.call(view, 0, 256)).toBe(native.call(view, 0, 256));
    expect(documentedLatin1Slice.call(view, 10, 20)).toBe(native.call(view, 10, 20));
    expect(documentedLatin1Slice.call(good, 0, 32)).toBe(Buffer.from(good).toString('latin1'));
  });
});
