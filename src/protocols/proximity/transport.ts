/**
 * What the session needs of a transport (BLE, NFC, loopback): whole session messages in order.
 * Framing (BLE chunks with a "more" byte, NFC ENVELOPE/GET RESPONSE) is the transport's business.
 */

export interface SessionTransport {
  /** A short name for messages and logs ("ble-central-client", "nfc", "loopback"). */
  readonly name: string;
  send(message: Uint8Array): Promise<void>;
  /** The next whole message. Rejects with ProximityError SESSION_TIMEOUT after `timeoutMs`, or
   * TRANSPORT_FAILED when the other side went away. */
  receive(timeoutMs: number): Promise<Uint8Array>;
  /** Releases the link. Idempotent; pending receives reject. */
  close(): Promise<void>;
  readonly closed: boolean;
}
