/**
 * Reading a file that has a size limit without reading more of it than the limit and one byte: a
 * regular file past the limit is refused from its size before any of it is read, and anything else
 * (a device, a FIFO, a file growing as it is read) is refused once one byte past the limit has
 * arrived. readFile would read the whole file first, and a file with no end until memory ran out.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { KakuninError } from '../codes/error.js';

/**
 * The file at `path` holds more than `limit` bytes. Its code says only that; every caller refuses
 * the file with the code of what it was reading (TRUST_STORE_INVALID, CRL_MALFORMED, VICAL_MALFORMED…).
 */
export class FileTooLargeError extends KakuninError {
  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super('PAYLOAD_TOO_LARGE', `${path}: larger than ${limit} bytes`);
  }
}

const PIECE = 64 * 1024;

/** The next buffer to read into: what the file says it holds (or a piece), never beyond limit + 1. */
function grow(buffer: Uint8Array, filled: number, limit: number): Uint8Array {
  if (filled < buffer.length) return buffer;
  const next = new Uint8Array(Math.min(limit + 1, Math.max(buffer.length * 2, PIECE)));
  next.set(buffer.subarray(0, filled));
  return next;
}

/** The bytes of `path`; throws FileTooLargeError past `limit`, and fs errors (ENOENT...) as they are. */
export function readFileAtMost(path: string, limit: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > limit) throw new FileTooLargeError(path, limit);
    let buffer: Uint8Array = new Uint8Array(stat.isFile() ? Math.min(stat.size, limit) + 1 : 0);
    let filled = 0;
    for (;;) {
      buffer = grow(buffer, filled, limit);
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (n === 0) return buffer.subarray(0, filled);
      filled += n;
      if (filled > limit) throw new FileTooLargeError(path, limit);
    }
  } finally {
    closeSync(fd);
  }
}

/** readFileAtMost without holding the event loop. */
export async function readFileAtMostAsync(path: string, limit: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isFile() && stat.size > limit) throw new FileTooLargeError(path, limit);
    let buffer: Uint8Array = new Uint8Array(stat.isFile() ? Math.min(stat.size, limit) + 1 : 0);
    let filled = 0;
    for (;;) {
      buffer = grow(buffer, filled, limit);
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) return buffer.subarray(0, filled);
      filled += bytesRead;
      if (filled > limit) throw new FileTooLargeError(path, limit);
    }
  } finally {
    await handle.close();
  }
}
