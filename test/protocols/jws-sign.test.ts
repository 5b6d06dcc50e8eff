/**
 * The compact JWS kakunin signs with node:crypto (protocols/keys/jws-sign.ts), checked by jose as a
 * second opinion for every algorithm it signs, and refused for one it does not.
 */
import { createPublicKey } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { signCompactJws } from '../../src/protocols/keys/jws-sign.js';

const keys = {
  ES256: newKeyPair('P-256').privateKey,
  ES384: newKeyPair('P-384').privateKey,
  ES512: newKeyPair('P-521').privateKey,
  EdDSA: newKeyPair('Ed25519').privateKey,
};

describe('signCompactJws', () => {
  for (const [alg, key] of Object.entries(keys)) {
    it(`${alg}: jose verifies it, header and payload as given`, async () => {
      const payload = JSON.stringify({ nonce: 'n-0', text: '確認' });
      const jws = signCompactJws({ alg, typ: 'oauth-authz-req+jwt', kid: 'k1' }, payload, key);
      const out = await compactVerify(jws, createPublicKey(key), { algorithms: [alg] });
      expect(new TextDecoder().decode(out.payload)).toBe(payload);
      expect(decodeProtectedHeader(jws)).toEqual({ alg, typ: 'oauth-authz-req+jwt', kid: 'k1' });
    });
  }

  it('a changed payload no longer verifies', async () => {
    const [h, , s] = signCompactJws({ alg: 'ES256' }, '{"a":1}', keys.ES256).split('.');
    const forged = `${h}.${Buffer.from('{"a":2}').toString('base64url')}.${s}`;
    await expect(compactVerify(forged, createPublicKey(keys.ES256))).rejects.toThrow();
  });

  it('refuses an algorithm it does not sign, with INVALID_ARGUMENT', () => {
    for (const alg of ['none', 'HS256', 'RS256', 'constructor']) {
      expect(() => signCompactJws({ alg }, '{}', keys.ES256)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it("refuses a key that is not the alg's (an ES256 header with a P-384 key, EdDSA with P-256, ES256 with Ed25519)", () => {
    for (const [alg, key] of [
      ['ES256', keys.ES384],
      ['ES384', keys.ES256],
      ['ES512', keys.ES256],
      ['EdDSA', keys.ES256],
      ['ES256', keys.EdDSA],
    ] as const) {
      expect(() => signCompactJws({ alg }, 'x', key), alg).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    }
  });
});
