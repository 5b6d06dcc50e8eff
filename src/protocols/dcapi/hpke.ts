/**
 * HPKE as ISO 18013-7 Annex C uses it: base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
 * AES-128-GCM, info = SessionTranscript CBOR bytes, empty aad. @hpke/core runs on WebCrypto,
 * which in Node is OpenSSL underneath.
 */
import { webcrypto, type KeyObject } from 'node:crypto';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { ProtocolError } from '../errors.js';

export const annexCSuite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });

async function toCryptoKey(key: KeyObject): Promise<CryptoKey> {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) {
    throw new ProtocolError('INVALID_ARGUMENT', 'the HPKE recipient key must be a P-256 private key');
  }
  // Extractable: DHKEM's decapsulation needs pkR, which @hpke/core derives by exporting the private key;
  // with a non-extractable key some opens fail (seen with the Android capture and Apple's sample).
  return webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
}

export async function hpkeOpen(params: { recipientPrivateKey: KeyObject; enc: Uint8Array; cipherText: Uint8Array; info: Uint8Array }): Promise<Uint8Array> {
  const recipientKey = await toCryptoKey(params.recipientPrivateKey);
  try {
    const pt = await annexCSuite.open({ recipientKey, enc: params.enc, info: params.info }, params.cipherText, new Uint8Array(0));
    return new Uint8Array(pt);
  } catch (e) {
    // One message for every cause: wrong key, wrong transcript and a tampered ciphertext look the same.
    throw new ProtocolError('RESPONSE_DECRYPTION_FAILED', 'HPKE open failed (wrong key, wrong SessionTranscript or tampered response)', { cause: e });
  }
}
