import { describe, expect, it } from 'vitest';
import { deadlineOf, stamp, valueOf } from '../../src/protocols/state/stamped-value.js';

describe('stamped values (the memory stores keep one flat string per record)', () => {
  it('gives back the deadline and the value, a value holding colons too', () => {
    const s = stamp(1_796_585_951_990, 'a:b:{"c":1}');
    expect(deadlineOf(s)).toBe(1_796_585_951_990);
    expect(valueOf(s)).toBe('a:b:{"c":1}');
    expect(valueOf(stamp(5, ''))).toBe('');
  });

  it('rounds a fractional deadline up, so a whole-millisecond clock sees it pass exactly when it has', () => {
    expect(deadlineOf(stamp(1000.2, 'x'))).toBe(1001);
    expect(deadlineOf(stamp(1000, 'x'))).toBe(1000);
  });

  it('reads a string without a stamp as long passed, and returns (no endless scan)', () => {
    expect(deadlineOf('no stamp here')).toBe(0);
    expect(deadlineOf('12345')).toBe(0);
    expect(deadlineOf('')).toBe(0);
  });
});
