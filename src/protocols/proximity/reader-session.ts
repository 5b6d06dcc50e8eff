/**
 * The reader's side of an ISO 18013-5 session (§9.1.1): EReaderKey, SessionTranscript, session keys,
 * SessionEstablishment carrying the DeviceRequest, SessionData back, and termination (status 20).
 * Every path out of a session closes the transport, so a phone that walks away never leaves a
 * timer or a radio link behind.
 */
import type { KeyObject } from 'node:crypto';
import { proximitySessionTranscript } from '../transcript/iso-proximity.js';
import { buildDeviceRequest, type DeviceRequestInfo, type ItemsRequest, type ReaderIdentity } from '../request/device-request.js';
import type { Engagement } from './engagement.js';
import { ProximityError } from './errors.js';
import { SessionCipher } from './session-cipher.js';
import { curveOf, deriveSessionKeys, generateEphemeralKey, type EphemeralKey } from './session-keys.js';
import { decodeSessionData, encodeSessionData, encodeSessionEstablishment, STATUS } from './session-messages.js';
import type { SessionTransport } from './transport.js';

/**
 * The engagement, the transport, the reader identity that signs readerAuth (optional), and how long to wait for each answer.
 */
export interface ReaderSessionOptions {
  engagement: Engagement;
  transport: SessionTransport;
  /** Signs readerAuth; without it the DeviceRequest goes unsigned (Apple Wallet then refuses). */
  reader?: ReaderIdentity;
  /** How long to wait for each answer of the mdoc. */
  timeoutMs: number;
  /** A fixed EReaderKey (tests); normally fresh per session. */
  eReaderKey?: EphemeralKey;
}

export interface ReaderExchange {
  /** The decrypted DeviceResponse bytes, as received. */
  deviceResponse: Uint8Array;
  /** The mdoc's status with the data, if it sent one (20: it ends the session itself). */
  status?: number;
}

const STATUS_TEXT: Record<number, string> = {
  [STATUS.encryptionError]: 'session encryption error (10)',
  [STATUS.decodingError]: 'CBOR decoding error (11)',
  [STATUS.sessionTermination]: 'session termination (20)',
};

export class ReaderSession {
  readonly sessionTranscript: Uint8Array;
  readonly eReaderKey: EphemeralKey;
  private readonly cipher: SessionCipher;
  private established = false;
  private ended = false;

  constructor(private readonly options: ReaderSessionOptions) {
    const de = options.engagement.deviceEngagement;
    this.eReaderKey = options.eReaderKey ?? generateEphemeralKey(curveOf(de.eDeviceKey));
    this.sessionTranscript = proximitySessionTranscript({
      deviceEngagement: de.bytes,
      eReaderKey: this.eReaderKey.coseKeyBytes,
      handover: options.engagement.handover,
    });
    try {
      this.cipher = new SessionCipher(deriveSessionKeys(this.eReaderKey.privateKey, de.eDeviceKey, this.sessionTranscript), 'reader');
    } catch (e) {
      throw new ProximityError('ENGAGEMENT_INVALID', `no key agreement with EDeviceKey: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The reader's ephemeral private key: the verification core needs it for deviceMac. */
  get readerEphemeralKey(): KeyObject {
    return this.eReaderKey.privateKey;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Sends a DeviceRequest (in SessionEstablishment the first time, SessionData after) and returns
   * the mdoc's DeviceResponse. Any failure ends the session: the right status goes to the mdoc when
   * the link still works, then the transport closes. `deviceRequestInfo` goes only to an mdoc that
   * speaks the second edition (DeviceRequest 1.1); a 1.0 mdoc gets the same DocRequests without it. */
  async request(requests: ItemsRequest[], deviceRequestInfo?: DeviceRequestInfo): Promise<ReaderExchange> {
    if (this.ended) throw new ProximityError('SESSION_TERMINATED', 'the session has ended');
    const transport = this.options.transport;
    try {
      // Second edition: an mdoc that says ReaderAuthAllSupport gets a 1.1 request signed once.
      const all = this.options.engagement.deviceEngagement.readerAuthAllSupport && this.options.reader !== undefined;
      const deviceRequest = all
        ? buildDeviceRequest(requests, this.sessionTranscript, this.options.reader, '1.1', { readerAuthAll: true, ...(deviceRequestInfo ? { deviceRequestInfo } : {}) })
        : buildDeviceRequest(requests, this.sessionTranscript, this.options.reader);
      const encrypted = this.cipher.encrypt(deviceRequest);
      await transport.send(this.established ? encodeSessionData({ data: encrypted }) : encodeSessionEstablishment(this.eReaderKey.coseKeyBytes, encrypted));
      this.established = true;
      const answer = await transport.receive(this.options.timeoutMs);
      let message;
      try {
        message = decodeSessionData(answer);
      } catch (e) {
        await this.abort(STATUS.decodingError);
        throw e;
      }
      if (message.data === undefined) {
        await this.teardown();
        const status = message.status!;
        throw new ProximityError('SESSION_TERMINATED', `the mdoc ended the session: ${STATUS_TEXT[status] ?? `status ${status}`}`);
      }
      let deviceResponse: Uint8Array;
      try {
        deviceResponse = this.cipher.decrypt(message.data);
      } catch (e) {
        await this.abort(STATUS.encryptionError);
        throw e;
      }
      if (message.status === STATUS.sessionTermination) await this.teardown();
      return message.status === undefined ? { deviceResponse } : { deviceResponse, status: message.status };
    } catch (e) {
      if (!this.ended) await this.teardown();
      if (e instanceof ProximityError) throw e;
      throw new ProximityError('TRANSPORT_FAILED', `${transport.name}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Ends the session normally: SessionData { status: 20 }, then the link closes (§9.1.1.4). */
  async terminate(): Promise<void> {
    if (this.ended) return;
    await this.abort(STATUS.sessionTermination);
  }

  private async abort(status: number): Promise<void> {
    try {
      if (!this.options.transport.closed) await this.options.transport.send(encodeSessionData({ status }));
    } catch {
      // The other side is gone already; closing below is all that is left to do.
    }
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    this.ended = true;
    await this.options.transport.close();
  }
}
