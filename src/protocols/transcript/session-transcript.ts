/**
 * SessionTranscript (ISO 18013-5 §9.1.5.1) for the online handovers: DeviceEngagementBytes and
 * EReaderKeyBytes are null and only the Handover differs (OpenID4VP 1.0 B.2.6, ISO 18013-7 Annex C).
 * The transcript is assembled byte by byte so that what we hash, sign over and feed to HPKE is
 * exactly the bytes the specs print.
 */
import { createHash } from 'node:crypto';
import { cborHead, concat, encodeCbor } from '../../cbor/index.js';

/** CBOR `null`. */
export const CBOR_NULL = Uint8Array.of(0xf6);

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** `[identifier, SHA-256(infoBytes)]`: the shape every online handover shares. */
export function hashedHandover(identifier: string, infoBytes: Uint8Array): Uint8Array {
  const digest = sha256(infoBytes);
  return concat(Uint8Array.of(0x82), encodeCbor(identifier), cborHead(2, digest.length), digest);
}

/** `[null, null, handover]` where `handover` is already-encoded CBOR. */
export function onlineSessionTranscript(handoverBytes: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0x83), CBOR_NULL, CBOR_NULL, handoverBytes);
}
