/**
 * Session keys (ISO 18013-5 §9.1.1.5): ECDH between EReaderKey and EDeviceKey, then
 * HKDF-SHA256(Zab, salt = SHA-256(SessionTranscriptBytes), info = "SKReader" | "SKDevice", 32).
 * SessionTranscriptBytes is the transcript wrapped in tag 24, exactly as the mdoc hashes it.
 */
import { createHash, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { embedBytes } from '../../cbor/index.js';
import { encodeCbor } from '../../cbor/index.js';
import { keyObjectToCoseKey } from '../../cose/index.js';

export interface SessionKeys {
  skReader: Uint8Array;
  skDevice: Uint8Array;
}

/** `#6.24(bstr .cbor SessionTranscript)` for transcript bytes given with or without the wrapper. */
export function sessionTranscriptBytes(sessionTranscript: Uint8Array): Uint8Array {
  // 0xd8 0x18 is tag 24; a bare SessionTranscript is an array (0x83).
  if (sessionTranscript[0] === 0xd8 && sessionTranscript[1] === 0x18) return sessionTranscript;
  return embedBytes(sessionTranscript).tagged;
}

export function deriveKey(sharedSecret: Uint8Array, sessionTranscript: Uint8Array, info: string): Uint8Array {
  const salt = createHash('sha256').update(sessionTranscriptBytes(sessionTranscript)).digest();
  return new Uint8Array(hkdfSync('sha256', sharedSecret, salt, Buffer.from(info, 'ascii'), 32));
}

export function ecdh(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

/** Both keys, from either side: the reader passes (EReaderKey.priv, EDeviceKey.pub), the mdoc the reverse. */
export function deriveSessionKeys(privateKey: KeyObject, peerPublicKey: KeyObject, sessionTranscript: Uint8Array): SessionKeys {
  const z = ecdh(privateKey, peerPublicKey);
  return {
    skReader: deriveKey(z, sessionTranscript, 'SKReader'),
    skDevice: deriveKey(z, sessionTranscript, 'SKDevice'),
  };
}

export interface EphemeralKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The COSE_Key encoding of the public key: EReaderKey / EDeviceKey as put on the wire. */
  coseKeyBytes: Uint8Array;
}

/** A fresh P-256 key for one session (EReaderKey on the reader, EDeviceKey in the sandbox wallet). */
export function generateEphemeralKey(): EphemeralKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey, coseKeyBytes: encodeCbor(keyObjectToCoseKey(publicKey)) };
}
