/**
 * The sandbox portrait: a baseline JFIF JPEG of the stated size, the same bytes every time. That a
 * browser decodes and shows it: test/browser/counter-clerk.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { encodeGreyscaleJpeg, PORTRAIT_SIZE, drawSamplePortrait } from '../../src/sandbox/index.js';

/** The markers of a JPEG up to the scan, with their segments' bodies. */
function segments(bytes: Uint8Array): { marker: number; body: Uint8Array }[] {
  const out: { marker: number; body: Uint8Array }[] = [];
  let i = 2;
  while (i < bytes.length) {
    expect(bytes[i]).toBe(0xff);
    const marker = bytes[i + 1];
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    out.push({ marker, body: bytes.subarray(i + 4, i + 2 + length) });
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return out;
}

describe('sandbox portrait', () => {
  it('is a baseline JFIF JPEG, 120x160 greyscale, with the tables its scan needs', () => {
    const jpeg = drawSamplePortrait();
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    expect([jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd9]);
    const found = segments(jpeg);
    expect(found.map((s) => s.marker)).toEqual([0xe0, 0xdb, 0xc0, 0xc4, 0xda]);
    expect(Buffer.from(found[0].body.subarray(0, 5)).toString('latin1')).toBe('JFIF\0');
    const sof = found[2].body;
    expect({ precision: sof[0], height: (sof[1] << 8) | sof[2], width: (sof[3] << 8) | sof[4], components: sof[5] }).toEqual({
      precision: 8,
      height: PORTRAIT_SIZE.height,
      width: PORTRAIT_SIZE.width,
      components: 1,
    });
    // Each Huffman table lists as many symbols as its counts say.
    const dht = found[3].body;
    const dcCount = Array.from(dht.subarray(1, 17)).reduce((a, b) => a + b, 0);
    const ac = dht.subarray(17 + dcCount);
    expect(ac[0]).toBe(0x10);
    expect(ac.length - 17).toBe(Array.from(ac.subarray(1, 17)).reduce((a, b) => a + b, 0));
    // A drawing, not a blank: the scan is more than one repeated block.
    expect(jpeg.length).toBeGreaterThan(1000);
  });

  it('gives the same bytes every time, and refuses pixels that do not match the size', () => {
    expect(Buffer.from(drawSamplePortrait()).equals(Buffer.from(drawSamplePortrait()))).toBe(true);
    expect(() => encodeGreyscaleJpeg(new Uint8Array(10), 4, 4)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('stuffs a 0xFF byte of the scan with 0x00, so no marker appears inside it', () => {
    // Noise makes long codes, and so 0xFF bytes, certain.
    const noise = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 7919 + ((i * i) % 251)) % 256);
    const jpeg = encodeGreyscaleJpeg(noise, 64, 64);
    const sos = segments(jpeg).at(-1)!;
    const scan = jpeg.subarray(sos.body.byteOffset - jpeg.byteOffset + sos.body.length, jpeg.length - 2);
    let ffs = 0;
    for (let i = 0; i < scan.length; i++) {
      if (scan[i] !== 0xff) continue;
      ffs++;
      expect(scan[i + 1], `byte ${i}`).toBe(0);
    }
    expect(ffs).toBeGreaterThan(0);
  });
});
