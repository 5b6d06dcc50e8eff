/**
 * An engagement as the session needs it: the DeviceEngagement, the handover for the transcript and
 * the transports offered, whichever way (QR or NFC) it arrived.
 */
import type { ProximityHandover } from '../transcript/iso-proximity.js';
import { parseMdocUri, type DeviceEngagement } from './device-engagement.js';
import { parseHandoverSelect } from './nfc-handover.js';
import type { DeviceRetrievalMethod } from './retrieval-methods.js';

/**
 * A holder's engagement, by QR code or NFC: what the session and its SessionTranscript are built from.
 */
export interface Engagement {
  deviceEngagement: DeviceEngagement;
  handover: ProximityHandover;
  retrievalMethods: DeviceRetrievalMethod[];
}

/**
 * The engagement in a holder's QR code (mdoc: URI): the DeviceEngagement, the handover the SessionTranscript takes, and the retrieval methods it offers.
 *
 * @example
 * ```ts
 * import { parseQrEngagement } from 'kakunin';
 * const engagement = parseQrEngagement('mdoc:owBjMS4wAY...'); // the text of the QR code the phone shows
 * console.log(engagement.deviceEngagement.retrievalMethods.map((m) => m.type));
 * ```
 */
export function parseQrEngagement(text: string): Engagement {
  const deviceEngagement = parseMdocUri(text);
  return { deviceEngagement, handover: { kind: 'qr' }, retrievalMethods: deviceEngagement.retrievalMethods };
}

/**
 * `handoverRequest` is the reader's own Handover Request for negotiated handover, null for static.
 *
 * @example
 * ```ts
 * import { parseNfcEngagement } from 'kakunin';
 * declare const handoverSelect: Uint8Array; // the Handover Select message read from the phone
 * // static handover: no Handover Request
 * const engagement = parseNfcEngagement(handoverSelect, null);
 * ```
 */
export function parseNfcEngagement(handoverSelect: Uint8Array, handoverRequest: Uint8Array | null): Engagement {
  const nfc = parseHandoverSelect(handoverSelect);
  return {
    deviceEngagement: nfc.deviceEngagement,
    handover: { kind: 'nfc', handoverSelect: nfc.handoverSelect, handoverRequest },
    retrievalMethods: nfc.retrievalMethods,
  };
}
