/**
 * ISO 18013-7 Annex C EncryptionInfo = ["dcapi", {nonce: bstr, recipientPublicKey: COSE_Key}],
 * sent base64url-encoded. The string as sent is part of the SessionTranscript, so we keep it.
 */
import type { KeyObject } from 'node:crypto';
import { asArray, asBytes, asMap, decodeCbor, encodeCbor } from '../../cbor/index.js';
import { KakuninError } from '../../codes/error.js';
import { coseKeyToKeyObject, keyObjectToCoseKey } from '../../cose/index.js';
import { b64u, b64uDecode, ProtocolError } from '../errors.js';

export interface EncryptionInfo {
  /** base64url(CBOR) exactly as put in the request. */
  encoded: string;
  nonce: Uint8Array;
  recipientPublicKey: KeyObject;
}

export function createEncryptionInfo(nonce: Uint8Array, recipientPublicKey: KeyObject): EncryptionInfo {
  const cose = keyObjectToCoseKey(recipientPublicKey);
  const bytes = encodeCbor([
    'dcapi',
    new Map<string, unknown>([
      ['nonce', nonce],
      ['recipientPublicKey', cose],
    ]),
  ]);
  return { encoded: b64u(bytes), nonce, recipientPublicKey };
}

export function parseEncryptionInfo(encoded: string): EncryptionInfo {
  try {
    const a = asArray(decodeCbor(b64uDecode(encoded, 'encryptionInfo'), { maxDepth: 6 }), 'EncryptionInfo', 'RESPONSE_MALFORMED');
    if (a.length !== 2 || a[0] !== 'dcapi') throw new ProtocolError('RESPONSE_MALFORMED', 'EncryptionInfo must be ["dcapi", {...}]');
    const params = asMap(a[1], 'EncryptionParameters', 'RESPONSE_MALFORMED');
    const nonce = asBytes(params.get('nonce'), 'EncryptionParameters nonce', 'RESPONSE_MALFORMED');
    const recipientPublicKey = coseKeyToKeyObject(params.get('recipientPublicKey'));
    const jwk = recipientPublicKey.export({ format: 'jwk' });
    if (jwk.crv !== 'P-256') throw new ProtocolError('RESPONSE_MALFORMED', 'recipientPublicKey must be a P-256 key');
    return { encoded, nonce, recipientPublicKey };
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    const msg = e instanceof KakuninError ? e.message : String(e);
    throw new ProtocolError('RESPONSE_MALFORMED', `EncryptionInfo: ${msg}`, { cause: e });
  }
}
