/**
 * ISO 18013-5 §9.1.5.1 SessionTranscript for in-person engagement:
 * [#6.24(DeviceEngagement), #6.24(EReaderKey), Handover], Handover = null for QR engagement and
 * [HandoverSelect, HandoverRequest | null] (NFC NDEF messages as bstr) for NFC.
 * DeviceEngagement and the NFC messages are wrapped exactly as received: re-encoding them would
 * break the transcript with any mdoc that does not use canonical CBOR.
 */
import { cborHead, concat, embedBytes } from '../../cbor/index.js';
import { CBOR_NULL } from './session-transcript.js';

/** The Handover of an in-person SessionTranscript: null for QR engagement, the NFC handover messages otherwise. */
export type ProximityHandover =
  | { kind: 'qr' }
  | {
      kind: 'nfc';
      /** The Handover Select NDEF message as received. */
      handoverSelect: Uint8Array;
      /** The Handover Request message for negotiated handover; null for static handover. */
      handoverRequest: Uint8Array | null;
    };

export interface ProximityTranscriptOptions {
  /** DeviceEngagement bytes as received (QR: the b64url-decoded payload after `mdoc:`). */
  deviceEngagement: Uint8Array;
  /** EReaderKey: the CBOR encoding of the reader's ephemeral COSE_Key, as sent in SessionEstablishment. */
  eReaderKey: Uint8Array;
  handover: ProximityHandover;
}

function bstr(b: Uint8Array): Uint8Array {
  return concat(cborHead(2, b.length), b);
}

export function proximityHandover(handover: ProximityHandover): Uint8Array {
  if (handover.kind === 'qr') return CBOR_NULL;
  return concat(Uint8Array.of(0x82), bstr(handover.handoverSelect), handover.handoverRequest === null ? CBOR_NULL : bstr(handover.handoverRequest));
}

export function proximitySessionTranscript(input: ProximityTranscriptOptions): Uint8Array {
  return concat(Uint8Array.of(0x83), embedBytes(input.deviceEngagement).tagged, embedBytes(input.eReaderKey).tagged, proximityHandover(input.handover));
}
