/**
 * readFileAtMost: a file of exactly the limit is read whole; one byte more is refused, from its size
 * for a regular file and after limit + 1 bytes for one whose size says nothing (/dev/zero never ends).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTooLargeError, readFileAtMost, readFileAtMostAsync } from '../../src/runtime/bounded-read.js';

const LIMIT = 300_000;
const dir = mkdtempSync(join(tmpdir(), 'kakunin-bounded-'));
const file = (name: string, size: number) => {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(size, 7));
  return path;
};

describe.each([
  ['readFileAtMost', (path: string, limit: number) => Promise.resolve().then(() => readFileAtMost(path, limit))],
  ['readFileAtMostAsync', readFileAtMostAsync],
])('%s', (_name, read) => {
  it('a file of exactly the limit, and an empty one, are read whole', async () => {
    const at = await read(file('at', LIMIT), LIMIT);
    expect(at.length).toBe(LIMIT);
    expect(at.every((b) => b === 7)).toBe(true);
    expect((await read(file('empty', 0), LIMIT)).length).toBe(0);
  });

  it('one byte more is refused with the limit; a missing file is the fs error', async () => {
    await expect(read(file('past', LIMIT + 1), LIMIT)).rejects.toEqual(new FileTooLargeError(join(dir, 'past'), LIMIT));
    await expect(read(join(dir, 'missing'), LIMIT)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a file without an end is refused once it has given one byte past the limit', async () => {
    await expect(read('/dev/zero', LIMIT)).rejects.toBeInstanceOf(FileTooLargeError);
  });
});
