import { describe, expect, it } from 'vitest';
import { iso } from '../../src/mdoc/checks.js';

/** What iso() must equal: toISOString without zero milliseconds. */
const reference = (d: Date) => d.toISOString().replace('.000Z', 'Z');

describe('iso(): the dates a result reports', () => {
  it('equals toISOString without zero milliseconds, on whole seconds across years 0-9999 and on the edges', () => {
    const edges = ['0000-01-01T00:00:00Z', '0999-12-31T23:59:59Z', '1000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2024-02-29T09:05:07Z', '9999-12-31T23:59:59Z'];
    const dates = edges.map((s) => new Date(s));
    // Whole seconds spread over the years the fast path writes.
    const from = Date.parse('0000-01-01T00:00:00Z');
    const to = Date.parse('9999-12-31T23:59:59Z');
    for (let i = 0; i < 5000; i++) dates.push(new Date(Math.floor((from + ((to - from) * i) / 5000) / 1000) * 1000));
    for (const d of dates) expect(iso(d)).toBe(reference(d));
  });

  it('keeps milliseconds and extended years as toISOString writes them', () => {
    for (const d of [new Date('2024-01-01T00:00:00.5Z'), new Date('2024-01-01T00:00:00.001Z'), new Date(Date.parse('9999-12-31T23:59:59Z') + 1000), new Date(-62198755200000 - 1000)]) {
      expect(iso(d)).toBe(reference(d));
    }
    expect(iso(new Date(Date.parse('9999-12-31T23:59:59Z') + 1000))).toBe('+010000-01-01T00:00:00Z');
  });

  it('throws on an invalid date, as toISOString does', () => {
    expect(() => iso(new Date(NaN))).toThrow(RangeError);
  });
});
