/**
 * One base64url decoder for what arrives from outside, canonical only: a value has one spelling, so
 * a JWE, a vp_token entry or a DC API answer has no "twins" (another string that decodes to the same
 * bytes). The table first, then the twins of real answers, each refused RESPONSE_MALFORMED.
 */
import { CompactEncrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { b64uDecode } from '../../src/protocols/errors.js';
import { parseEncryptedResponse } from '../../src/protocols/dcapi/encrypted-response.js';
import { parseVpToken } from '../../src/protocols/oid4vp/authorization-response.js';
import { decryptEcdhEsJwe } from '../../src/protocols/oid4vp/jwe-ecdh-es.js';
import { encodeCbor } from '../../src/cbor/index.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return (e as { code?: string }).code ?? 'NO_CODE';
  }
};

describe('b64uDecode', () => {
  const accepted: [string, number[]][] = [
    ['', []],
    ['AA', [0]],
    ['AAA', [0, 0]],
    ['AAAA', [0, 0, 0]],
    ['_-8', [0xff, 0xef]],
    ['Zm9vYg', [0x66, 0x6f, 0x6f, 0x62]],
  ];
  it.each(accepted)('%j decodes', (text, bytes) => {
    expect([...b64uDecode(text, 'x')]).toEqual(bytes);
  });

  const refused: [string, string][] = [
    ['A', 'length 4k+1'],
    ['AAAAA', 'length 4k+1'],
    ['AB', 'non-zero trailing bits (one byte)'],
    ['AAB', 'non-zero trailing bits (two bytes)'],
    ['Zm9vYh', 'non-zero trailing bits'],
    ['AA==', 'padding'],
    ['AAA=', 'padding'],
    ['AA%3D%3D', 'percent-encoded padding'],
    ['A+/A', 'standard alphabet'],
    ['AA AA', 'space'],
    ['AA\nAA', 'newline'],
    ['AAé', 'non-ASCII'],
    ['AA.A', 'dot'],
  ];
  it.each(refused)('%j is refused (%s)', (text) => {
    expect(codeOf(() => b64uDecode(text, 'x'))).toBe('RESPONSE_MALFORMED');
  });

  it('a number, null or an object is refused', () => {
    for (const v of [1, null, {}, ['AA']]) expect(codeOf(() => b64uDecode(v, 'x'))).toBe('RESPONSE_MALFORMED');
  });
});

/** Other spellings of the same bytes: one more character (4k+1 from 4k), or the last one's spare bits set. */
function twins(part: string): string[] {
  const out: string[] = [];
  if (part.length % 4 === 0) out.push(`${part}A`);
  const spare = [0, 4, 2][part.length % 4];
  if (spare) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(part.at(-1)!);
    out.push(part.slice(0, -1) + alphabet[last | 1]);
  }
  return out;
}

describe('twins of real answers are refused', () => {
  const recipient = newKeyPair('P-256');
  it('every part of a JWE: header, IV, ciphertext, tag (the original opens)', async () => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{"vp_token":{}}')).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM' }).encrypt(recipient.publicKey);
    const open = (text: string) => codeOf(() => decryptEcdhEsJwe(text, { privateKey: recipient.privateKey, encValues: ['A128GCM'] }));
    expect(open(jwe)).toBe('accepted');
    const parts = jwe.split('.');
    let tried = 0;
    for (const i of [0, 2, 3, 4]) {
      for (const twin of twins(parts[i])) {
        expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(parts[i], 'base64url'));
        expect({ part: i, code: open(parts.with(i, twin).join('.')) }).toEqual({ part: i, code: 'RESPONSE_MALFORMED' });
        tried++;
      }
    }
    expect(tried).toBeGreaterThanOrEqual(4);
  });

  it('a vp_token entry and a DC API (Annex C) EncryptedResponse', () => {
    const dr = Buffer.from(
      encodeCbor(
        new Map<string, unknown>([
          ['version', '1.0'],
          ['status', 0],
        ]),
      ),
    ).toString('base64url');
    expect(codeOf(() => parseVpToken({ vp_token: { q: [dr] } }))).toBe('accepted');
    for (const twin of twins(dr)) expect(codeOf(() => parseVpToken({ vp_token: { q: [twin] } }))).toBe('RESPONSE_MALFORMED');
    const enc = new Uint8Array(65);
    enc[0] = 4;
    const response = Buffer.from(
      encodeCbor([
        'dcapi',
        new Map<string, Uint8Array>([
          ['enc', enc],
          ['cipherText', new Uint8Array(17)],
        ]),
      ]),
    ).toString('base64url');
    expect(codeOf(() => parseEncryptedResponse(response))).toBe('accepted');
    const all = twins(response);
    expect(all.length).toBeGreaterThan(0);
    for (const twin of all) expect(codeOf(() => parseEncryptedResponse(twin))).toBe('RESPONSE_MALFORMED');
  });
});
