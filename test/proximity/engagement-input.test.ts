/**
 * Hostile or broken engagement input: every failure is a ProximityError with a code, never a crash,
 * and mutated Annex D bytes never slip through as something else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor, embedBytes } from '../../src/cbor/index.js';
import {
  decodeSessionData,
  decodeSessionEstablishment,
  generateEphemeralKey,
  parseBleOob,
  parseDeviceEngagement,
  parseHandoverSelect,
  parseMdocUri,
  parseNdefMessage,
  ProximityError,
} from '../../src/protocols/proximity/index.js';
import { uuidToBytes } from '../../src/protocols/proximity/retrieval-methods.js';
import { hex as vectorHex } from '../helpers/vectors.js';

const hex = (name: string): Uint8Array => vectorHex(`iso18013-5-annexD-multipaz/${name}.hex`);
const deBytes = hex('device_engagement');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ProximityError);
    return (e as ProximityError).code;
  }
}

describe('DeviceEngagement rejects what it must', () => {
  const de = (m: Map<number, unknown>): Uint8Array => encodeCbor(m);
  const coseKey = generateEphemeralKey().coseKeyBytes;
  const key = embedBytes(coseKey);

  it('a well-formed engagement built the same way parses (so each case below fails for its own reason)', () => {
    expect(
      parseDeviceEngagement(
        de(
          new Map<number, unknown>([
            [0, '1.0'],
            [1, [1, key]],
          ]),
        ),
      ).version,
    ).toBe('1.0');
  });

  it.each([
    ['not CBOR', Uint8Array.of(0xff), /well-formed/],
    ['not a map', encodeCbor([1, 2]), /expected map/],
    [
      'version 2.0',
      de(
        new Map<number, unknown>([
          [0, '2.0'],
          [1, [1, key]],
        ]),
      ),
      /unsupported version "2.0"/,
    ],
    [
      'cipher suite 2',
      de(
        new Map<number, unknown>([
          [0, '1.0'],
          [1, [2, key]],
        ]),
      ),
      /cipher suite 2/,
    ],
    [
      'EDeviceKey not tag 24',
      de(
        new Map<number, unknown>([
          [0, '1.0'],
          [1, [1, coseKey]],
        ]),
      ),
      /must be tag 24/,
    ],
    ['no Security', de(new Map<number, unknown>([[0, '1.0']])), /Security/],
    [
      'BLE central mode without UUID',
      de(
        new Map<number, unknown>([
          [0, '1.0'],
          [1, [1, key]],
          [2, [[2, 1, new Map([[1, true]])]]],
        ]),
      ),
      /without its UUID/,
    ],
  ])('%s: ENGAGEMENT_INVALID', (_name, bytes, message) => {
    expect(code(() => parseDeviceEngagement(bytes))).toBe('ENGAGEMENT_INVALID');
    expect(() => parseDeviceEngagement(bytes)).toThrow(message);
  });

  it('keeps unknown retrieval methods out without failing (a newer wallet)', () => {
    const bytes = de(
      new Map<number, unknown>([
        [0, '1.1'],
        [1, [1, key]],
        [
          2,
          [
            [9, 1, new Map()],
            [
              2,
              1,
              new Map<number, unknown>([
                [1, true],
                [11, new Uint8Array(16)],
              ]),
            ],
          ],
        ],
      ]),
    );
    expect(parseDeviceEngagement(bytes).retrievalMethods.map((m) => m.type)).toEqual(['ble']);
  });

  it.each(['', 'https://example.com', 'mdoc:', 'mdoc:***', 'MDOC:AAAA'])('URI %j: ENGAGEMENT_INVALID', (uri) => {
    expect(code(() => parseMdocUri(uri))).toBe('ENGAGEMENT_INVALID');
  });

  it.each(['', 'not-a-uuid', '0000180a-0000-1000-8000-00805f9b34f'])('BLE service UUID %j to encode: ENGAGEMENT_INVALID', (uuid) => {
    expect(code(() => uuidToBytes(uuid))).toBe('ENGAGEMENT_INVALID');
  });
});

describe('NDEF and handover reject what they must', () => {
  const transcript = hex('session_transcript_bytes');
  const hs = transcript.subarray(transcript.indexOf(0x91), transcript.indexOf(0x91) + 0xc3);

  it('the Annex D Handover Select parses (sanity for the mutations below)', () => {
    expect(parseHandoverSelect(hs).retrievalMethods).toHaveLength(1);
  });

  it.each([
    ['truncated', hs.subarray(0, hs.length - 1)],
    ['trailing byte', Uint8Array.from([...hs, 0])],
    ['no MB flag', Uint8Array.from([hs[0] & 0x7f, ...hs.subarray(1)])],
    ['chunked record', Uint8Array.from([hs[0] | 0x20, ...hs.subarray(1)])],
  ])('%s: ENGAGEMENT_INVALID', (_name, bytes) => {
    expect(code(() => parseHandoverSelect(bytes))).toBe('ENGAGEMENT_INVALID');
  });

  it('LE OOB without an LE role is refused', () => {
    expect(code(() => parseBleOob(Uint8Array.of(0x11, 0x07, ...new Uint8Array(16))))).toBe('ENGAGEMENT_INVALID');
  });

  it('session messages with the wrong shape: SESSION_MESSAGE_INVALID', () => {
    expect(code(() => decodeSessionData(encodeCbor(new Map())))).toBe('SESSION_MESSAGE_INVALID');
    expect(code(() => decodeSessionData(encodeCbor(new Map([['status', 'x']]))))).toBe('SESSION_MESSAGE_INVALID');
    expect(code(() => decodeSessionEstablishment(encodeCbor(new Map([['data', new Uint8Array(1)]]))))).toBe('SESSION_MESSAGE_INVALID');
    expect(code(() => decodeSessionData(Uint8Array.of(0xa1)))).toBe('SESSION_MESSAGE_INVALID');
  });
});

describe('fuzz: arbitrary or mutated bytes only ever give a coded ProximityError', () => {
  const parsers: [string, (b: Uint8Array) => unknown][] = [
    ['DeviceEngagement', parseDeviceEngagement],
    ['NDEF', parseNdefMessage],
    ['Handover Select', parseHandoverSelect],
    ['SessionData', decodeSessionData],
    ['SessionEstablishment', decodeSessionEstablishment],
  ];
  for (const [name, parse] of parsers) {
    it(`${name}: random bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          try {
            parse(bytes);
          } catch (e) {
            return e instanceof ProximityError && typeof e.code === 'string';
          }
          return true;
        }),
        { numRuns: 500 },
      );
    });
  }

  it('DeviceEngagement: single-byte mutations of Annex D', () => {
    fc.assert(
      fc.property(fc.nat(deBytes.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = Uint8Array.from(deBytes);
        m[i] ^= x;
        try {
          parseDeviceEngagement(m);
        } catch (e) {
          return e instanceof ProximityError && e.code === 'ENGAGEMENT_INVALID';
        }
        return true;
      }),
      { numRuns: 1000 },
    );
  });
});
