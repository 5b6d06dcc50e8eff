import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { answerDigest } from '../../src/protocols/state/answer-digest.js';

describe('answerDigest', () => {
  it('is SHA-256 of bytes and strings as received', () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64url');
    expect(answerDigest('response=abc')).toBe(sha(Buffer.from('response=abc')));
    expect(answerDigest(new Uint8Array([1, 2, 3]))).toBe(sha(Buffer.from([1, 2, 3])));
  });

  it('names a parsed body the same whatever its key order, and tells different bodies apart', () => {
    const a = answerDigest({ protocol: 'org-iso-mdoc', data: { response: 'x', extra: [1, 'b'] } });
    expect(answerDigest({ data: { extra: [1, 'b'], response: 'x' }, protocol: 'org-iso-mdoc' })).toBe(a);
    expect(answerDigest({ protocol: 'org-iso-mdoc', data: { response: 'y', extra: [1, 'b'] } })).not.toBe(a);
    expect(answerDigest({ protocol: 'org-iso-mdoc', data: { response: 'x', extra: ['b', 1] } })).not.toBe(a);
  });

  it('refuses a body nested deeper than any answer with a code', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(() => answerDigest(deep)).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
  });
});
