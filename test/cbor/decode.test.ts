import { describe, expect, it } from 'vitest';
import { CborError, decodeCbor, EncodedCbor, embed, encodeCbor, FullDate, Tagged } from '../../src/cbor/index.js';

const h = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const malformed = (bytes: Uint8Array, message: RegExp, limits = {}) => {
  let error: unknown;
  try {
    decodeCbor(bytes, limits);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CborError);
  expect((error as CborError).code).toBe('CBOR_MALFORMED');
  expect((error as CborError).message).toMatch(message);
};

describe('decodeCbor', () => {
  it('decodes RFC 8949 Appendix A examples', () => {
    expect(decodeCbor(h('00'))).toBe(0);
    expect(decodeCbor(h('1903e8'))).toBe(1000);
    expect(decodeCbor(h('3903e7'))).toBe(-1000);
    expect(decodeCbor(h('1bffffffffffffffff'))).toBe(18446744073709551615n);
    expect(decodeCbor(h('3bffffffffffffffff'))).toBe(-18446744073709551616n);
    expect(decodeCbor(h('f93c00'))).toBe(1);
    expect(decodeCbor(h('f97bff'))).toBe(65504);
    expect(decodeCbor(h('fa47c35000'))).toBe(100000);
    expect(decodeCbor(h('fb3ff199999999999a'))).toBe(1.1);
    expect(decodeCbor(h('f4'))).toBe(false);
    expect(decodeCbor(h('f6'))).toBe(null);
    expect(decodeCbor(h('f7'))).toBe(undefined);
    expect(decodeCbor(h('6449455446'))).toBe('IETF');
    expect(decodeCbor(h('62c3bc'))).toBe('ü');
    expect(decodeCbor(h('8301820203820405'))).toEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(h('a201020304'))).toEqual(
      new Map([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(decodeCbor(h('5f42010243030405ff'))).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(decodeCbor(h('7f657374726561646d696e67ff'))).toBe('streaming');
    expect(decodeCbor(h('9f018202039f0405ffff'))).toEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(h('bf61610161629f0203ffff'))).toEqual(
      new Map<unknown, unknown>([
        ['a', 1],
        ['b', [2, 3]],
      ]),
    );
  });

  it('maps keep keys of any type', () => {
    const m = decodeCbor(h('a3 01 61 61 20 61 62 42 0102 61 63')) as Map<unknown, unknown>;
    expect(m.get(1)).toBe('a');
    expect(m.get(-1)).toBe('b');
    expect([...m.keys()][2]).toEqual(new Uint8Array([1, 2]));
  });

  it('keeps the exact bytes of tag 24, including non-canonical encodings inside', () => {
    // #6.24(bstr) wrapping a map with a non-canonical 2-byte length head (b9 0001).
    const bytes = h('d8 18 46 b9 0001 61 61 01');
    const v = decodeCbor(bytes) as EncodedCbor;
    expect(v).toBeInstanceOf(EncodedCbor);
    expect(Buffer.from(v.tagged)).toEqual(Buffer.from(bytes));
    expect(Buffer.from(v.bytes).toString('hex')).toBe('b9000161610' + '1');
    expect(decodeCbor(v.bytes)).toEqual(new Map([['a', 1]]));
  });

  it('handles tdate (tag 0), epoch (tag 1) and full-date (tag 1004)', () => {
    expect(decodeCbor(h('c074323031332d30332d32315432303a30343a30305a'))).toEqual(new Date('2013-03-21T20:04:00Z'));
    expect(decodeCbor(h('c11a514b67b0'))).toEqual(new Date('2013-03-21T20:04:00Z'));
    const fd = decodeCbor(encodeCbor(new FullDate('1990-01-15')));
    expect(fd).toBeInstanceOf(FullDate);
    expect(JSON.stringify(fd)).toBe('"1990-01-15"');
    malformed(h('c0 63 616263'), /tag 0 must wrap an RFC 3339 date-time/);
    malformed(encodeCbor(new Tagged(1004, '15/01/1990')), /tag 1004/);
  });

  it('keeps unknown tags as Tagged', () => {
    expect(decodeCbor(h('d8 20 63 616263'))).toEqual(new Tagged(32, 'abc'));
  });

  it('rejects duplicate map keys, also with different integer heads', () => {
    malformed(h('a2 01 01 01 02'), /duplicate map key/);
    malformed(h('a2 01 01 1801 02'), /duplicate map key/);
    malformed(h('a2 61 61 01 61 61 02'), /duplicate map key/);
    malformed(h('a2 41 00 01 41 00 02'), /duplicate map key/);
    malformed(h('bf 01 01 01 02 ff'), /duplicate map key/);
  });

  it('decodes map keys exactly through the key cache: colliding, repeated, non-ASCII, long and truncated keys', () => {
    // "Aa" and "BB" hash alike (31 * 65 + 97 = 31 * 66 + 66), so they share a cache slot: each decode
    // must still give its own key, however often they alternate.
    for (let i = 0; i < 3; i++) {
      expect(decodeCbor(h('a1 624161 01'))).toEqual(new Map([['Aa', 1]]));
      expect(decodeCbor(h('a1 624242 02'))).toEqual(new Map([['BB', 2]]));
    }
    expect(decodeCbor(h('a2 624161 01 624242 02'))).toEqual(
      new Map([
        ['Aa', 1],
        ['BB', 2],
      ]),
    );
    malformed(h('a2 624161 01 624161 02'), /duplicate map key/);
    expect(decodeCbor(h('a1 62c3bc 01'))).toEqual(new Map([['ü', 1]])); // non-ASCII: UTF-8 as ever
    malformed(h('a1 62c328 01'), /invalid UTF-8/);
    const long = 'elementIdentifier_longer_than_23';
    expect(decodeCbor(encodeCbor(new Map([[long, 1]])))).toEqual(new Map([[long, 1]]));
    malformed(h('a1 6541'), /unexpected end of input|longer than the input/);
    // A key counts against the item limit like any item.
    malformed(h('a2 6161 01 6162 02'), /more than 3 data items/, { maxItems: 3 });
  });

  it('rejects trailing bytes, truncation, bad UTF-8, reserved values and stray breaks', () => {
    malformed(h('01 02'), /1 trailing bytes/);
    malformed(h('83 01 02'), /unexpected end of input|longer than the input/);
    malformed(h('5a ffffffff 00'), /unexpected end of input/);
    malformed(h('62 c3 28'), /invalid UTF-8/);
    malformed(h('1c'), /reserved additional information/);
    malformed(h('ff'), /unexpected break/);
    malformed(h('5f 61 61 ff'), /bad chunk/);
    malformed(new Uint8Array(0), /empty input/);
  });

  it('enforces depth, item and size limits', () => {
    const deep = (n: number) => new Uint8Array([...Array(n).fill(0x81), 0x00]);
    expect(() => decodeCbor(deep(10), { maxDepth: 10 })).not.toThrow();
    malformed(deep(11), /nesting deeper than 10/, { maxDepth: 10 });
    malformed(deep(100_000), /nesting deeper than 48/);
    const items = (n: number) => new Uint8Array([0x98, n, ...Array(n).fill(0)]);
    expect(() => decodeCbor(items(99), { maxItems: 100 })).not.toThrow();
    malformed(items(100), /more than 100 data items/, { maxItems: 100 });
    malformed(new Uint8Array(1025).fill(0), /exceeds the limit of 1024/, { maxBytes: 1024 });
  });

  it('refuses a claimed huge array or map from a tiny input without allocating', () => {
    malformed(h('9b 00000000ffffffff'), /array longer than the input/);
    malformed(h('bb 00000000ffffffff'), /map longer than the input/);
  });

  it('round-trips through the cbor-x encoder', () => {
    const value = new Map<unknown, unknown>([
      ['b', new Uint8Array([1, 2])],
      [1, [true, null, 'x']],
      ['d', new Date('2024-01-02T03:04:05Z')],
      ['e', embed(new Map([['k', 'v']]))],
    ]);
    const back = decodeCbor(encodeCbor(value)) as Map<unknown, unknown>;
    expect(back.get('b')).toEqual(new Uint8Array([1, 2]));
    expect(back.get(1)).toEqual([true, null, 'x']);
    expect(back.get('d')).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(decodeCbor((back.get('e') as EncodedCbor).bytes)).toEqual(new Map([['k', 'v']]));
  });

  it('never throws anything but CborError on random input', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 20_000; i++) {
      const bytes = new Uint8Array(1 + Math.floor(rnd() * 24)).map(() => Math.floor(rnd() * 256));
      try {
        decodeCbor(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(CborError);
      }
    }
  });
});

describe('dates out of range', () => {
  it('refuses tag 1 with NaN, infinity or an epoch past the JS date range', () => {
    for (const hexValue of ['c1 f9 7e00', 'c1 f9 7c00', 'c1 fb 7e37e43c8800759c']) {
      expect(() => decodeCbor(new Uint8Array(Buffer.from(hexValue.replace(/\s+/g, ''), 'hex')))).toThrow(/tag 1 epoch time out of range/);
    }
  });
});
