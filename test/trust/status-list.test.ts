import 'reflect-metadata';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentSigner, createIaca, type SandboxCa } from '../../src/sandbox/index.js';
import { readMsoStatus, statusAt, verifyStatusListToken, type StatusList } from '../../src/trust/status-list.js';
import { makeStatusList, type ListSigner } from './helpers/lists.js';

const AT = new Date('2026-06-01T00:00:00Z');
let iaca: SandboxCa;
let signer: ListSigner;

beforeAll(async () => {
  iaca = await createIaca({ notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') });
  const c = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
  signer = { key: c.keys.privateKey, chain: [c.der] };
});

function list(bits: 1 | 2 | 4 | 8, bytes: number[]): StatusList {
  return { kind: 'status_list', bits, lst: new Uint8Array(bytes), sub: '', iat: AT, signerPath: undefined as never };
}

describe('Token Status List bit layout (draft-ietf-oauth-status-list §4.1)', () => {
  it('reads 1-bit entries least significant bit first', () => {
    // The draft's example: 0xB9 0xA3 -> statuses 1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1
    const l = list(1, [0xb9, 0xa3]);
    expect(Array.from({ length: 16 }, (_, i) => statusAt(l, i))).toEqual([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]);
    expect(statusAt(l, 16)).toBeUndefined();
  });
  it('reads 2-bit entries', () => {
    // The draft's 2-bit example: 0xC9 0x44 0xF9 -> 1,2,0,3, 0,1,0,1, 1,2,3,3
    const l = list(2, [0xc9, 0x44, 0xf9]);
    expect(Array.from({ length: 12 }, (_, i) => statusAt(l, i))).toEqual([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]);
  });
  it('reads 8-bit entries', () => {
    expect(statusAt(list(8, [0, 7, 255]), 2)).toBe(255);
  });
});

describe('verifyStatusListToken', () => {
  const uri = 'https://status.example/1';
  it('accepts a list signed under a trusted IACA and reads it back', () => {
    const bytes = makeStatusList(uri, [0, 1, 0], signer, AT);
    const v = verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri });
    expect(v.kind).toBe('status_list');
    expect(statusAt(v as StatusList, 1)).toBe(1);
    expect(statusAt(v as StatusList, 2)).toBe(0);
  });
  it('requires the MSO-named certificate to be the signer', async () => {
    const bytes = makeStatusList(uri, [0], signer, AT);
    const other = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    expect(() => verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri, certificate: other.der })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_UNTRUSTED' }));
    expect(verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri, certificate: signer.chain[0] }).kind).toBe('status_list');
  });
  it('refuses a signer certificate that has expired', () => {
    const bytes = makeStatusList(uri, [0], signer, new Date('2027-02-01T00:00:00Z'));
    expect(() => verifyStatusListToken(bytes, { anchors: [iaca.der], at: new Date('2027-02-01T00:00:00Z'), uri })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_EXPIRED' }));
  });
  it('refuses a list issued in the future', () => {
    const bytes = makeStatusList(uri, [0], signer, new Date('2026-06-02T00:00:00Z'));
    expect(() => verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_EXPIRED' }));
  });
  it('refuses a compressed list that inflates past the cap (zlib bomb)', () => {
    const bomb = deflateSync(Buffer.alloc(80 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(200_000);
    const bytes = makeStatusList(uri, [], signer, AT, undefined, undefined, new Uint8Array(bomb));
    expect(() => verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_MALFORMED' }));
    const notZlib = makeStatusList(uri, [], signer, AT, undefined, undefined, new Uint8Array([1, 2, 3]));
    expect(() => verifyStatusListToken(notZlib, { anchors: [iaca.der], at: AT, uri })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_MALFORMED' }));
  });
});

describe('readMsoStatus', () => {
  it('reads both forms and rejects others', () => {
    expect(
      readMsoStatus(
        new Map([
          [
            'status_list',
            new Map<string, unknown>([
              ['idx', 3],
              ['uri', 'https://x'],
            ]),
          ],
        ]),
      ),
    ).toEqual({ kind: 'status_list', idx: 3, uri: 'https://x', certificate: undefined });
    expect(
      readMsoStatus(
        new Map([
          [
            'identifier_list',
            new Map<string, unknown>([
              ['id', new Uint8Array([1])],
              ['uri', 'https://y'],
            ]),
          ],
        ]),
      ).kind,
    ).toBe('identifier_list');
    expect(() => readMsoStatus(new Map())).toThrow(expect.objectContaining({ code: 'STATUS_LIST_MALFORMED' }));
    expect(() =>
      readMsoStatus(
        new Map([
          [
            'status_list',
            new Map<string, unknown>([
              ['idx', '3'],
              ['uri', 'https://x'],
            ]),
          ],
        ]),
      ),
    ).toThrow(expect.objectContaining({ code: 'STATUS_LIST_MALFORMED' }));
  });
});
