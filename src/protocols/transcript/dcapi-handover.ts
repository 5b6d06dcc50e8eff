/**
 * ISO/IEC 18013-7 Annex C (org-iso-mdoc over the Digital Credentials API):
 * Handover = ["dcapi", SHA-256(CBOR([encryptionInfo, origin]))] where encryptionInfo is the base64url
 * string exactly as it was put in the request, not re-encoded from the decoded structure.
 */
import { encodeCbor } from '../../cbor/index.js';
import { hashedHandover, onlineSessionTranscript } from './session-transcript.js';

export interface DcApiHandoverOptions {
  /** base64url(EncryptionInfo CBOR) as sent to the browser. */
  encryptionInfo: string;
  origin: string;
}

export function dcApiHandoverInfo(input: DcApiHandoverOptions): Uint8Array {
  return encodeCbor([input.encryptionInfo, input.origin]);
}

export function dcApiHandover(input: DcApiHandoverOptions): Uint8Array {
  return hashedHandover('dcapi', dcApiHandoverInfo(input));
}

export function dcApiSessionTranscript(input: DcApiHandoverOptions): Uint8Array {
  return onlineSessionTranscript(dcApiHandover(input));
}
