/**
 * Session keys (ISO 18013-5 §9.1.1.5): ECDH between EReaderKey and EDeviceKey, then
 * HKDF-SHA256(Zab, salt = SHA-256(SessionTranscriptBytes), info = "SKReader" | "SKDevice", 32).
 * SessionTranscriptBytes is the transcript wrapped in tag 24, exactly as the mdoc hashes it.
 */
import { createHash, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { encodeCbor } from '../../cbor/index.js';
import { keyObjectToCoseKey, newKeyPair } from '../../cose/index.js';
import { sessionTranscriptForms } from '../../mdoc/session-transcript.js';
import { ProximityError } from './errors.js';

export interface SessionKeys {
  skReader: Uint8Array;
  skDevice: Uint8Array;
}

/** `#6.24(bstr .cbor SessionTranscript)` for transcript bytes given with or without the wrapper. */
export function sessionTranscriptBytes(sessionTranscript: Uint8Array): Uint8Array {
  return sessionTranscriptForms(sessionTranscript).tagged;
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

/** An ephemeral key pair of an in-person session (EReaderKey or EDeviceKey) and its COSE_Key encoding as sent. */
export interface EphemeralKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The COSE_Key encoding of the public key: EReaderKey / EDeviceKey as put on the wire. */
  coseKeyBytes: Uint8Array;
}

/** The curves ISO 18013-5 allows for the ephemeral session keys. */
export type EphemeralCurve = 'P-256' | 'P-384' | 'P-521' | 'brainpoolP256r1' | 'brainpoolP384r1' | 'brainpoolP512r1' | 'X25519' | 'X448';

const OPENSSL_CURVE: Record<string, string> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
};

/** A fresh key for one session (EReaderKey on the reader, EDeviceKey in the sandbox wallet). */
export function generateEphemeralKey(curve: EphemeralCurve = 'P-256'): EphemeralKey {
  const pair = newKeyPair(curve);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, coseKeyBytes: encodeCbor(keyObjectToCoseKey(pair.publicKey)) };
}

/** EReaderKey must be on EDeviceKey's curve (§9.1.5.2): the curve of a peer's public key. */
export function curveOf(key: KeyObject): EphemeralCurve {
  if (key.asymmetricKeyType === 'x25519') return 'X25519';
  if (key.asymmetricKeyType === 'x448') return 'X448';
  const named = key.asymmetricKeyDetails?.namedCurve;
  const entry = Object.entries(OPENSSL_CURVE).find(([, v]) => v === named);
  if (!entry) throw new ProximityError('ENGAGEMENT_INVALID', `EDeviceKey on an unsupported curve ${named ?? key.asymmetricKeyType}`);
  return entry[0] as EphemeralCurve;
}
