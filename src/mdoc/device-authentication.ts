/**
 * mdoc authentication (ISO 18013-5 §9.1.3): the device proves possession of the MSO's deviceKey by
 * signing or MACing DeviceAuthenticationBytes for this very session.
 */
import { createHash, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { cborHead, concat } from '../cbor/encode.js';
import type { EncodedCbor } from '../cbor/types.js';
import type { SessionTranscriptForms } from './session-transcript.js';

const DEVICE_AUTHENTICATION = (() => {
  const s = Buffer.from('DeviceAuthentication', 'ascii');
  return concat(cborHead(3, s.length), s);
})();

/**
 * #6.24(bstr .cbor ["DeviceAuthentication", SessionTranscript, DocType, DeviceNameSpacesBytes]).
 * Assembled around the transcript and DeviceNameSpacesBytes exactly as given: re-encoding either
 * would change what the device signed.
 */
export function deviceAuthenticationBytes(transcript: SessionTranscriptForms, docType: string, deviceNameSpaces: EncodedCbor): Uint8Array {
  const dt = Buffer.from(docType, 'utf8');
  const inner = concat(Uint8Array.of(0x84), DEVICE_AUTHENTICATION, transcript.bytes, cborHead(3, dt.length), dt, deviceNameSpaces.tagged);
  return concat(cborHead(6, 24), cborHead(2, inner.length), inner);
}

/** EMacKey = HKDF-SHA256(ECDH(reader ephemeral private key, device key), salt = SHA-256(SessionTranscriptBytes), info "EMacKey"). */
export function deriveEMacKey(readerEphemeralKey: KeyObject, deviceKey: KeyObject, transcript: SessionTranscriptForms): Uint8Array {
  const zab = diffieHellman({ privateKey: readerEphemeralKey, publicKey: deviceKey });
  const salt = createHash('sha256').update(transcript.tagged).digest();
  return new Uint8Array(hkdfSync('sha256', zab, salt, 'EMacKey', 32));
}
