import { createCipheriv, createPrivateKey } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { newJwkPair, newKeyPair } from '../../src/cose/key-pair.js';
import { decryptEcdhEsJwe } from '../../src/protocols/oid4vp/jwe-ecdh-es.js';

const ENC = ['A128GCM', 'A256GCM'] as const;
const b64u = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const recipient = newKeyPair('P-256');
const plaintext = new TextEncoder().encode(JSON.stringify({ vp_token: { q: ['o2d2ZXJzaW9u'] }, state: '確認' }));

async function joseJwe(header: Record<string, unknown>): Promise<string> {
  return new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'ECDH-ES', ...header } as { alg: string; enc: string }).encrypt(recipient.publicKey);
}
const open = (jwe: string, options: { kid?: string; encValues?: readonly string[] } = {}) =>
  decryptEcdhEsJwe(jwe, { privateKey: recipient.privateKey, encValues: options.encValues ?? ENC, ...(options.kid ? { kid: options.kid } : {}) });

describe('decryptEcdhEsJwe against jose', () => {
  for (const enc of ENC) {
    for (const party of [{}, { apu: b64u('wallet'), apv: b64u('verifier-nonce') }]) {
      it(`${enc}${'apu' in party ? ' with apu/apv' : ''}: opens what jose encrypts, and jose agrees`, async () => {
        const jwe = await joseJwe({ enc, kid: 'k1', ...party });
        const ours = open(jwe, { kid: 'k1' });
        expect(ours.plaintext).toEqual(Buffer.from(plaintext));
        expect(ours.header).toMatchObject({ alg: 'ECDH-ES', enc, kid: 'k1' });
        expect(Buffer.from((await compactDecrypt(jwe, recipient.privateKey)).plaintext)).toEqual(ours.plaintext);
      });
    }
  }
});

describe('decryptEcdhEsJwe refuses', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return 'accepted';
  };

  it('another recipient key, a changed byte anywhere, a shortened tag, a longer IV', async () => {
    const jwe = await joseJwe({ enc: 'A128GCM' });
    expect(code(() => decryptEcdhEsJwe(jwe, { privateKey: newKeyPair('P-256').privateKey, encValues: ENC }))).toBe('RESPONSE_DECRYPTION_FAILED');
    const parts = jwe.split('.');
    for (const i of [0, 2, 3, 4]) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[bytes.length >> 1] ^= 1;
      const changed = parts.with(i, bytes.toString('base64url')).join('.');
      // A changed header byte may also make the header unreadable JSON: malformed, never accepted.
      expect(['RESPONSE_DECRYPTION_FAILED', 'RESPONSE_MALFORMED']).toContain(code(() => open(changed)));
    }
    // GCM with a truncated tag would be forgeable in far fewer tries: only the full 128 bits count.
    const shortTag = parts.with(4, Buffer.from(parts[4], 'base64url').subarray(0, 12).toString('base64url')).join('.');
    expect(code(() => open(shortTag))).toBe('RESPONSE_DECRYPTION_FAILED');
    const longIv = parts.with(2, Buffer.concat([Buffer.from(parts[2], 'base64url'), Buffer.alloc(4)]).toString('base64url')).join('.');
    expect(code(() => open(longIv))).toBe('RESPONSE_DECRYPTION_FAILED');
  });

  it('an algorithm or enc the request did not offer, or another kid', async () => {
    const epk = newJwkPair('P-256').publicJwk;
    const forged = (header: Record<string, unknown>) => `${b64u({ epk, ...header })}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
    expect(code(() => open(forged({ alg: 'ECDH-ES+A128KW', enc: 'A128GCM' })))).toBe('RESPONSE_ENCRYPTION_MISMATCH');
    expect(code(() => open(forged({ alg: 'RSA-OAEP-256', enc: 'A128GCM' })))).toBe('RESPONSE_ENCRYPTION_MISMATCH');
    expect(code(() => open(forged({ alg: 'ECDH-ES', enc: 'A128CBC-HS256' })))).toBe('RESPONSE_ENCRYPTION_MISMATCH');
    const a256 = await joseJwe({ enc: 'A256GCM' });
    expect(code(() => open(a256, { encValues: ['A128GCM'] }))).toBe('RESPONSE_ENCRYPTION_MISMATCH');
    const k1 = await joseJwe({ enc: 'A128GCM', kid: 'k1' });
    expect(code(() => open(k1, { kid: 'k2' }))).toBe('RESPONSE_ENCRYPTION_MISMATCH');
  });

  it('compression, critical extensions and a wrapped key: malformed, not ignored', async () => {
    const epk = newJwkPair('P-256').publicJwk;
    const jwe = (header: Record<string, unknown>, encryptedKey = '') => `${b64u({ alg: 'ECDH-ES', enc: 'A128GCM', epk, ...header })}.${encryptedKey}.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
    expect(code(() => open(jwe({ zip: 'DEF' })))).toBe('RESPONSE_MALFORMED');
    expect(code(() => open(jwe({ crit: ['exp'], exp: 1 })))).toBe('RESPONSE_MALFORMED');
    expect(code(() => open(jwe({}, 'AAAA')))).toBe('RESPONSE_MALFORMED');
    expect(code(() => open('a.b.c'))).toBe('RESPONSE_MALFORMED');
    expect(code(() => open(`${b64u('[1]')}..AAAA.AAAA.AAAA`))).toBe('RESPONSE_MALFORMED');
    expect(code(() => open(`${b64u('{')}..AAAA.AAAA.AAAA`))).toBe('RESPONSE_MALFORMED');
  });

  it('an ephemeral key off the curve, on another curve, private, or missing', async () => {
    const good = newJwkPair('P-256').publicJwk;
    const y = Buffer.from(good.y!, 'base64url');
    y[31] ^= 1;
    const jwe = (epk: unknown) => `${b64u({ alg: 'ECDH-ES', enc: 'A128GCM', epk })}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`;
    for (const epk of [{ ...good, y: y.toString('base64url') }, newJwkPair('P-384').publicJwk, newJwkPair('P-256').privateJwk, newJwkPair('X25519').publicJwk, undefined, 'epk']) {
      expect(code(() => open(jwe(epk)))).toBe('RESPONSE_DECRYPTION_FAILED');
    }
    // The key agreement itself is not what failed for a good epk: the (garbage) ciphertext is.
    expect(code(() => open(jwe(good)))).toBe('RESPONSE_DECRYPTION_FAILED');
  });
});

describe('RFC 7518 Appendix C (ECDH-ES key agreement example)', () => {
  // Alice's ephemeral key and Bob's static key, as the RFC prints them; the RFC derives the A128GCM
  // content key VqqN6vgjbSBcIijNcacQGg from them with apu "Alice", apv "Bob".
  const alice = { kty: 'EC', crv: 'P-256', x: 'gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0', y: 'SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps' };
  const bob = { kty: 'EC', crv: 'P-256', x: 'weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ', y: 'e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck', d: 'VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw' };
  const derivedKey = Buffer.from('VqqN6vgjbSBcIijNcacQGg', 'base64url');

  it('Bob opens, with his key, what was sealed under the content key the RFC derives', () => {
    const header = b64u({ alg: 'ECDH-ES', enc: 'A128GCM', apu: 'QWxpY2U', apv: 'Qm9i', epk: alice });
    const iv = Buffer.alloc(12, 7);
    const cipher = createCipheriv('aes-128-gcm', derivedKey, iv);
    cipher.setAAD(Buffer.from(header, 'ascii'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const jwe = [header, '', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    const opened = decryptEcdhEsJwe(jwe, { privateKey: createPrivateKey({ key: bob, format: 'jwk' }), encValues: ['A128GCM'] });
    expect(opened.plaintext).toEqual(Buffer.from(plaintext));
  });
});
