/**
 * A SessionTranscript handed to the verifier, in the two forms verification needs:
 * the bare CBOR (embedded in DeviceAuthentication) and SessionTranscriptBytes, #6.24 around it
 * (the HKDF salt for EMacKey). Callers may pass either form; both are kept byte-exact.
 */
import { decodeCbor } from '../cbor/decode.js';
import { embedBytes } from '../cbor/encode.js';
import { KakuninError } from '../codes/error.js';
import { EncodedCbor } from '../cbor/types.js';

export interface SessionTranscriptForms {
  /** SessionTranscript CBOR as built or received. */
  bytes: Uint8Array;
  /** #6.24(bstr .cbor SessionTranscript). */
  tagged: Uint8Array;
}

export function sessionTranscriptForms(input: Uint8Array): SessionTranscriptForms {
  let value: unknown;
  try {
    value = decodeCbor(input);
  } catch (e) {
    throw new KakuninError('TRANSCRIPT_MISSING', `SessionTranscript is not CBOR: ${(e as Error).message}`);
  }
  if (value instanceof EncodedCbor) {
    // The wrapper decoded strictly; of the content only the shape matters here (a malformed
    // transcript cannot match what the device signed).
    if (value.bytes.length === 0 || value.bytes[0] >> 5 !== 4) throw new KakuninError('TRANSCRIPT_MISSING', 'SessionTranscript must be an array');
    return { bytes: value.bytes, tagged: input };
  }
  if (!Array.isArray(value)) throw new KakuninError('TRANSCRIPT_MISSING', 'SessionTranscript must be an array');
  return { bytes: input, tagged: embedBytes(input).tagged };
}
