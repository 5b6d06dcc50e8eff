import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asBytes, asMap, decodeCbor } from '../../src/cbor/index.js';
import { hpkeOpen } from '../../src/protocols/dcapi/hpke.js';
import { annexCResponseString, parseEncryptedResponse } from '../../src/protocols/dcapi/encrypted-response.js';
import { createEncryptionInfo, parseEncryptionInfo } from '../../src/protocols/dcapi/encryption-info.js';
import { openAnnexCResponse } from '../../src/protocols/dcapi/open-annex-c.js';
import { hex, vector, vectorHex, vectorJson, vectorText } from './helpers.js';

const DIR = 'dcapi-annexC-real-captures-universal-verify';

function capture(plat: 'android' | 'ios') {
  const params = vectorJson(DIR, `${plat}_params.json`);
  const { ext, key_ops, ...jwk } = params.jwk;
  return {
    params,
    key: createPrivateKey({ key: jwk, format: 'jwk' }),
    credential: vectorJson(DIR, `${plat}_credential.json`),
    encryptionInfo: vectorText(DIR, `${plat}_derived_encryptionInfo.b64u`),
  };
}

describe('Annex C real captures: HPKE open', () => {
  for (const plat of ['android', 'ios'] as const) {
    it(`opens the ${plat} response to exactly the DeviceResponse bytes`, async () => {
      const c = capture(plat);
      const opened = await openAnnexCResponse(c.credential, { encryptionInfo: c.encryptionInfo, origin: c.params.origin, recipientPrivateKey: c.key });
      expect(hex(opened.deviceResponse)).toBe(hex(vector(DIR, `${plat}_derived_decrypted_DeviceResponse.cbor`)));
      expect(hex(opened.sessionTranscript)).toBe(hex(vector(DIR, `${plat}_derived_sessionTranscript.cbor`)));
    });
  }

  it('the derived encryptionInfo is what our encoder produces from the nonce and public key', () => {
    const c = capture('android');
    const info = parseEncryptionInfo(c.encryptionInfo);
    expect(hex(info.nonce)).toBe(c.params.nonce);
    expect(createEncryptionInfo(info.nonce, info.recipientPublicKey).encoded).toBe(c.encryptionInfo);
  });

  it('a wrong origin fails with RESPONSE_DECRYPTION_FAILED', async () => {
    const c = capture('android');
    await expect(openAnnexCResponse(c.credential, { encryptionInfo: c.encryptionInfo, origin: 'https://evil.example', recipientPrivateKey: c.key })).rejects.toMatchObject({
      code: 'RESPONSE_DECRYPTION_FAILED',
    });
  });

  it('a wrong recipient key fails with RESPONSE_DECRYPTION_FAILED', async () => {
    const c = capture('android');
    const other = capture('ios');
    await expect(openAnnexCResponse(c.credential, { encryptionInfo: c.encryptionInfo, origin: c.params.origin, recipientPrivateKey: other.key })).rejects.toMatchObject({
      code: 'RESPONSE_DECRYPTION_FAILED',
    });
  });

  it('a flipped ciphertext bit fails with RESPONSE_DECRYPTION_FAILED', async () => {
    const c = capture('android');
    const raw = new Uint8Array(Buffer.from(annexCResponseString(c.credential), 'base64url'));
    raw[raw.length - 5] ^= 1;
    await expect(openAnnexCResponse(Buffer.from(raw).toString('base64url'), { encryptionInfo: c.encryptionInfo, origin: c.params.origin, recipientPrivateKey: c.key })).rejects.toMatchObject({
      code: 'RESPONSE_DECRYPTION_FAILED',
    });
  });

  it('garbage and foreign protocols get clear codes', () => {
    expect(() => parseEncryptedResponse('!!!')).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
    expect(() => parseEncryptedResponse(Buffer.from([0x82, 0x61, 0x78, 0xa0]).toString('base64url'))).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
    expect(() => parseEncryptedResponse('')).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
    expect(() => annexCResponseString({ protocol: 'openid4vp-v1-signed', data: { response: 'x' } })).toThrow(expect.objectContaining({ code: 'PROTOCOL_UNSUPPORTED' }));
    expect(() => annexCResponseString('{not json')).toThrow(expect.objectContaining({ code: 'RESPONSE_MALFORMED' }));
  });
});

describe('Apple Verify-with-Wallet HPKE envelope', () => {
  const A = 'apple-verify-with-wallet-sample-kokukuma';
  it('opens with the merchant key and the AppleIdentityPresentment transcript as info', async () => {
    const envelope = asMap(decodeCbor(vectorHex(A, 'decoder_testdata_hpke_envelope.cbor.hex')), 'envelope');
    expect(envelope.get('algorithm')).toBe('APPLE-HPKE-v1');
    const params = asMap(envelope.get('params'), 'params');
    const pt = await hpkeOpen({
      recipientPrivateKey: createPrivateKey(vectorText(A, 'decoder_testdata_merchant_encryption.key')),
      enc: asBytes(params.get('pkEm'), 'pkEm'),
      cipherText: asBytes(envelope.get('data'), 'data'),
      info: vector(A, 'derived_session_transcript.cbor'),
    });
    expect(hex(pt)).toBe(hex(vectorHex(A, 'mdoc_testdata_plaintext_topics.cbor.hex')));
  });
});
