/**
 * Errors of the in-person flow. Each has a stable code so that the CLI, the service and tests can
 * tell an unreadable QR from a wallet that walked away.
 */
import { KakuninError } from '../../cbor/errors.js';

export type ProximityErrorCode =
  /** The QR text, the NFC NDEF message or the DeviceEngagement is not what ISO 18013-5 §8.2 defines. */
  | 'ENGAGEMENT_INVALID'
  /** The engagement offers no transport this reader can use. */
  | 'ENGAGEMENT_NO_TRANSPORT'
  /** A session message could not be decrypted or was out of sequence (status 10 on the wire). */
  | 'SESSION_ENCRYPTION'
  /** A session message was not the CBOR structure §9.1.1.4 defines (status 11 on the wire). */
  | 'SESSION_MESSAGE_INVALID'
  /** The other side ended the session (status 20, or 10/11 from the wallet). */
  | 'SESSION_TERMINATED'
  /** The other side stopped answering. */
  | 'SESSION_TIMEOUT'
  /** The transport broke (disconnect, APDU error). */
  | 'TRANSPORT_FAILED'
  /** The hardware or the optional library a transport needs is missing. */
  | 'TRANSPORT_UNAVAILABLE'
  /** readerAuth did not verify (wallet side). */
  | 'READER_AUTH_INVALID';

export class ProximityError extends KakuninError {
  declare readonly code: ProximityErrorCode;
  constructor(code: ProximityErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProximityError';
  }
}
