/**
 * A baseline JPEG encoder for greyscale images (ITU-T T.81: one component, 8x8 DCT, the Annex K
 * luminance quantisation and Huffman tables): enough for the sandbox to issue a portrait that a
 * browser, a wallet or an image library opens like any other. ISO/IEC 18013-5 and 23220-2 carry the
 * portrait as JPEG (or JPEG 2000) bytes.
 */
import { KakuninError } from '../codes/error.js';

/** Annex K.1, table K.1: luminance quantisation, in natural (row-major) order. */
const LUMINANCE_QUANTISATION = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** The zig-zag order: ZIGZAG[k] is the natural index of the k-th coefficient sent. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45,
  38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** Annex K.3, tables K.3 and K.5: luminance DC and AC Huffman tables (code counts per length 1-16, symbols). */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_SYMBOLS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24,
  0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53,
  0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93,
  0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
  0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

interface Code {
  code: number;
  length: number;
}

/** Annex C: the canonical codes of a table given as counts per length and symbols in order. */
function huffmanCodes(bits: number[], symbols: number[]): Map<number, Code> {
  const codes = new Map<number, Code>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]; i++) codes.set(symbols[k++], { code: code++, length });
    code <<= 1;
  }
  return codes;
}

const DC_CODES = huffmanCodes(DC_BITS, DC_SYMBOLS);
const AC_CODES = huffmanCodes(AC_BITS, AC_SYMBOLS);

/** Entropy-coded bits, most significant first, with 0xFF stuffed by 0x00 (F.1.2.3). */
class BitWriter {
  readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >> i) & 1);
      if (++this.used === 8) this.flushByte();
    }
  }

  /** Pads the last byte with 1-bits (F.1.2.3). */
  finish(): void {
    if (this.used > 0) this.write(0xff, 8 - this.used);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0);
    this.current = 0;
    this.used = 0;
  }
}

/** The size category of a coefficient and its bits (F.1.2.1: negative values as value - 1 in `size` bits). */
function category(value: number): { size: number; bits: number } {
  const magnitude = Math.abs(value);
  const size = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
  return { size, bits: value < 0 ? (value - 1) & ((1 << size) - 1) : value };
}

/** The 2-D DCT of an 8x8 block of level-shifted samples (A.3.3), straight from the definition. */
function forwardDct(block: number[]): number[] {
  const out = new Array<number>(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) sum += block[y * 8 + x] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
      }
      out[v * 8 + u] = 0.25 * (u === 0 ? Math.SQRT1_2 : 1) * (v === 0 ? Math.SQRT1_2 : 1) * sum;
    }
  }
  return out;
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/**
 * Encodes `pixels` (width x height greyscale samples 0-255, row-major) as a baseline JFIF JPEG. The
 * same pixels always give the same bytes.
 *
 * @example
 * ```ts
 * import { encodeGreyscaleJpeg } from 'kakunin/sandbox';
 * const pixels = new Uint8Array(16 * 16).map((_, i) => (i % 16) * 16); // a horizontal gradient
 * const jpeg = encodeGreyscaleJpeg(pixels, 16, 16);
 * console.log(jpeg[0].toString(16), jpeg[1].toString(16)); // ff d8: a JPEG's start of image
 * ```
 */
export function encodeGreyscaleJpeg(pixels: Uint8Array, width: number, height: number): Uint8Array {
  if (pixels.length !== width * height) throw new KakuninError('INVALID_ARGUMENT', `expected ${width * height} samples, got ${pixels.length}`);
  if (width < 1 || height < 1 || width > 0xffff || height > 0xffff) throw new KakuninError('INVALID_ARGUMENT', `image size ${width}x${height} out of range`);
  const out = new BitWriter();
  let previousDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      const block: number[] = [];
      // Edge blocks repeat the last row and column (A.2.4 leaves the padding to the encoder).
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block.push(pixels[Math.min(by + y, height - 1) * width + Math.min(bx + x, width - 1)] - 128);
      const dct = forwardDct(block);
      const quantised = ZIGZAG.map((natural) => Math.round(dct[natural] / LUMINANCE_QUANTISATION[natural]));
      const dc = category(quantised[0] - previousDc);
      previousDc = quantised[0];
      const dcCode = DC_CODES.get(dc.size)!;
      out.write(dcCode.code, dcCode.length);
      out.write(dc.bits, dc.size);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        if (quantised[k] === 0) {
          run++;
          continue;
        }
        for (; run > 15; run -= 16) {
          const zrl = AC_CODES.get(0xf0)!;
          out.write(zrl.code, zrl.length);
        }
        const ac = category(quantised[k]);
        const acCode = AC_CODES.get((run << 4) | ac.size)!;
        out.write(acCode.code, acCode.length);
        out.write(ac.bits, ac.size);
        run = 0;
      }
      if (run > 0) {
        const eob = AC_CODES.get(0x00)!;
        out.write(eob.code, eob.length);
      }
    }
  }
  out.finish();
  const bytes = [
    0xff,
    0xd8,
    // JFIF 1.01, no units, 1:1 pixels, no thumbnail.
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0x00, ...ZIGZAG.map((natural) => LUMINANCE_QUANTISATION[natural])]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_SYMBOLS, 0x10, ...AC_BITS, ...AC_SYMBOLS]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...out.bytes,
    0xff,
    0xd9,
  ];
  return Uint8Array.from(bytes);
}
