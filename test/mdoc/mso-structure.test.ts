import { describe, expect, it } from 'vitest';
import { embed, encodeCbor } from '../../src/cbor/encode.js';
import { parseMso } from '../../src/mdoc/mso.js';

const NS = 'org.iso.18013.5.1';
const deviceKey = new Map<number, unknown>([
  [1, 2],
  [-1, 1],
  [-2, new Uint8Array(32).fill(1)],
  [-3, new Uint8Array(32).fill(2)],
]);

/** An MSO's issuerAuth payload (#6.24 bstr) with `digests` as the one namespace's valueDigests. */
function payload(digests: Map<unknown, unknown>): Uint8Array {
  const mso = new Map<string, unknown>([
    ['version', '1.0'],
    ['digestAlgorithm', 'SHA-256'],
    ['valueDigests', new Map([[NS, digests]])],
    ['deviceKeyInfo', new Map([['deviceKey', deviceKey]])],
    ['docType', 'org.iso.18013.5.1.mDL'],
    [
      'validityInfo',
      new Map([
        ['signed', new Date('2025-01-01T00:00:00Z')],
        ['validFrom', new Date('2025-01-01T00:00:00Z')],
        ['validUntil', new Date('2026-01-01T00:00:00Z')],
      ]),
    ],
  ]);
  return encodeCbor(embed(mso));
}

describe('MSO valueDigests structure', () => {
  it('reads integer digestIDs with digests of the algorithm size', () => {
    const d = new Uint8Array(32).fill(7);
    const mso = parseMso(
      payload(
        new Map<unknown, unknown>([
          [0, d],
          [5, d],
        ]),
      ),
    );
    expect([...mso.valueDigests.get(NS)!.keys()]).toEqual([0, 5]);
    expect(mso.valueDigests.get(NS)!.get(5)).toEqual(d);
  });

  it('refuses a digest of the wrong size, a digestID that is not an integer, a digest that is not a bstr', () => {
    const d = new Uint8Array(32);
    expect(() => parseMso(payload(new Map<unknown, unknown>([[0, new Uint8Array(31)]])))).toThrow(/a SHA-256 digest must be 32 bytes/);
    expect(() => parseMso(payload(new Map<unknown, unknown>([['0', d]])))).toThrow(/MSO digestID: expected int, got string/);
    expect(() => parseMso(payload(new Map<unknown, unknown>([[1.5, d]])))).toThrow(/MSO digestID: expected int/);
    expect(() => parseMso(payload(new Map<unknown, unknown>([[0, 'not bytes']])))).toThrow(/MSO digest: expected bstr, got string/);
    expect(() => parseMso(payload(new Map<unknown, unknown>([[0, new Uint8Array(31)]])))).toThrow(expect.objectContaining({ code: 'MSO_INVALID' }));
  });
});
