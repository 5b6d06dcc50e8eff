/**
 * The sandbox holder's portrait: a drawn head and shoulders (no one's face), so that a purpose asking
 * for the portrait can be tried in the demo and a clerk's screen shows one. Drawn in code, the same
 * bytes every time.
 */
import { encodeGreyscaleJpeg } from './jpeg.js';

/** Width and height in pixels: a passport-like 3:4. */
export const PORTRAIT_SIZE = { width: 120, height: 160 } as const;

/** Inside the ellipse centred at (cx, cy) with radii rx, ry. */
function inEllipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): boolean {
  return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
}

/**
 * The portrait as JPEG bytes (ISO/IEC 18013-5 and 23220-2 carry portraits as JPEG).
 *
 * @example
 * ```ts
 * import { MDL_NS, createMdlElements, drawSamplePortrait, SAMPLE_MDL_HOLDER } from 'kakunin/sandbox';
 * const elements = createMdlElements({ ...SAMPLE_MDL_HOLDER, portrait: drawSamplePortrait() }, new Date());
 * console.log((elements[MDL_NS].portrait as Uint8Array).length > 0); // true
 * ```
 */
export function drawSamplePortrait(): Uint8Array {
  const { width, height } = PORTRAIT_SIZE;
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // A light backdrop, darker towards the bottom, as in an ID photo booth.
      let shade = 226 - Math.round((y / height) * 24);
      if (inEllipse(x, y, 60, 168, 54, 44)) shade = 70; // shoulders
      if (x >= 50 && x <= 70 && y >= 100 && y <= 128) shade = 186; // neck
      if (inEllipse(x, y, 60, 68, 38, 50) && y < 104) shade = 46; // hair, behind the face
      if (inEllipse(x, y, 60, 74, 28, 36)) shade = 196; // face
      if (inEllipse(x, y, 60, 46, 30, 14) && y < 50) shade = 46; // fringe
      if (inEllipse(x, y, 49, 72, 4, 3) || inEllipse(x, y, 71, 72, 4, 3)) shade = 30; // eyes
      if (y >= 93 && y <= 95 && x >= 53 && x <= 67) shade = 120; // mouth
      pixels[y * width + x] = shade;
    }
  }
  return encodeGreyscaleJpeg(pixels, width, height);
}
