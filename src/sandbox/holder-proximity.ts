/**
 * The mdoc side of the sandbox wallet for ISO 18013-5 in person: it shows an engagement (QR `mdoc:`
 * URI or an NFC Handover Select, static or negotiated), answers SessionEstablishment and SessionData
 * with encrypted DeviceResponses from sandbox-issued mdocs, and has switches to misbehave the ways a
 * reader must survive (wrong keys, replayed or skipped counters, status errors, silence).
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { decodeEmbedded, embedBytes, encodeCbor } from '../cbor/index.js';
import { coseKeyToKeyObject } from '../cose/index.js';
import { proximitySessionTranscript, type ProximityHandover } from '../protocols/transcript/iso-proximity.js';
import { mdocUri } from '../protocols/proximity/device-engagement.js';
import { parseDeviceRequest, verifyReaderAuth, verifyReaderAuthAll, type ParsedDeviceRequest } from '../protocols/request/parse-device-request.js';
import type { ItemsRequest } from '../protocols/request/device-request.js';
import { ProximityError } from '../protocols/proximity/errors.js';
import { buildHandoverSelect, parseHandoverRequest } from '../protocols/proximity/nfc-handover.js';
import { encodeRetrievalMethod, type DeviceRetrievalMethod } from '../protocols/proximity/retrieval-methods.js';
import { SessionCipher } from '../protocols/proximity/session-cipher.js';
import { deriveSessionKeys, generateEphemeralKey, type EphemeralCurve, type EphemeralKey } from '../protocols/proximity/session-keys.js';
import { decodeSessionData, decodeSessionEstablishment, encodeSessionData, STATUS } from '../protocols/proximity/session-messages.js';
import type { SessionTransport } from '../protocols/proximity/transport.js';
import { createDeviceResponse, type PresentedDocument } from './issuer-device-response.js';
import type { IssuedMdoc } from './issuer.js';
import { KakuninError } from '../codes/error.js';

/** Ways the sandbox mdoc misbehaves on purpose. */
export interface HolderProximityDefects {
  /** Encrypt responses with a random key instead of SKDevice. */
  wrongSessionKey?: boolean;
  /** Derive keys from a different transcript (a wallet that hashes re-encoded engagement bytes). */
  wrongTranscript?: boolean;
  /** Skip this many counter values before the first response (out-of-order counters). */
  skipCounters?: number;
  /** Answer a second request with the first response again (a replayed message). */
  replayFirstResponse?: boolean;
  /** Answer the request with SessionData { status } and no data. */
  answerWithStatus?: number;
  /** Receive the request, then never answer (the phone walked away mid-session). */
  silent?: boolean;
  /** Send this instead of a SessionData message. */
  rawAnswer?: Uint8Array;
  /** Also disclose these elements, asked for or not (a wallet that over-discloses). */
  discloseExtra?: Record<string, string[]>;
}

export interface HolderProximityOptions {
  documents: IssuedMdoc[];
  /** deviceSignature (default) or deviceMac. */
  deviceAuth?: 'signature' | 'mac';
  /** The transports the engagement offers; default BLE mdoc central client mode. */
  retrievalMethods?: DeviceRetrievalMethod[];
  /** Refuse requests whose readerAuth is missing or does not verify (as Apple Wallet does). */
  requireReaderAuth?: boolean;
  /** Curve of EDeviceKey (default P-256); the reader must follow it. */
  eDeviceCurve?: EphemeralCurve;
  /** Extra DeviceEngagement keys (a v1.1 engagement, e.g. 5 OriginInfos / 6 Capabilities). */
  extraEngagementKeys?: Map<number, unknown>;
  defects?: HolderProximityDefects;
}

export interface HolderSessionReport {
  /** Requests the wallet received, decrypted (docType and element names only). */
  requests: { docType: string; elements: string[] }[];
  /** The reader certificate subject when readerAuth verified. */
  readerSubject?: string;
  /** The request was signed once, with readerAuthAll (second edition). */
  readerAuthAll?: boolean;
  /** With DeviceRequestInfo: the docTypes of the document set the holder chose to answer. */
  useCaseDocTypes?: string[];
  /** The DeviceRequest version the reader sent. */
  requestVersion?: string;
  /** How the session ended. */
  end: 'terminated-by-reader' | 'status-sent' | 'transport-closed' | 'timeout' | 'decryption-failed';
}

const DEFAULT_BLE: DeviceRetrievalMethod = {
  type: 'ble',
  centralClientMode: true,
  peripheralServerMode: false,
  centralClientUuid: '45efef74-2b2c-4837-a9a3-b0e1d05a6917',
};

/**
 * The holder's phone in an ISO 18013-5 in-person read: it shows an engagement (QR, or NFC static or negotiated handover), then answers one session on a transport the way a wallet does (session encryption, readerAuth check when asked, the DeviceResponse with deviceSignature or deviceMac).
 *
 * @example
 * ```ts
 * import { parseQrEngagement, type SessionTransport } from 'kakunin';
 * import { SandboxProximityHolder, type IssuedMdoc } from 'kakunin/sandbox';
 * declare const card: IssuedMdoc; // issueMdoc(...)
 * declare const phoneSide: SessionTransport; // the holder's end of a link whose other end the reader uses
 * const holder = new SandboxProximityHolder({ documents: [card], deviceAuth: 'mac' });
 * const engagement = parseQrEngagement(holder.qrEngagement()); // what the reader scans
 * const report = await holder.serve(phoneSide, 10_000); // while the reader runs readMdoc on its end
 * console.log(report.requests, report.end);
 * ```
 */
export class SandboxProximityHolder {
  readonly eDeviceKey: EphemeralKey;
  private readonly options: HolderProximityOptions;
  private handover: ProximityHandover = { kind: 'qr' };
  private deviceEngagementBytes: Uint8Array | undefined;

  constructor(options: HolderProximityOptions) {
    this.options = options;
    this.eDeviceKey = generateEphemeralKey(options.eDeviceCurve);
  }

  /** DeviceEngagement: version 1.1 when extra keys are given, as current wallets send. */
  private engagement(withMethods: boolean): Uint8Array {
    const de = new Map<number, unknown>();
    de.set(0, this.options.extraEngagementKeys?.size ? '1.1' : '1.0');
    // EDeviceKeyBytes: the COSE_Key as encoded, wrapped in tag 24.
    de.set(1, [1, embedBytes(this.eDeviceKey.coseKeyBytes)]);
    if (withMethods) de.set(2, (this.options.retrievalMethods ?? [DEFAULT_BLE]).map(encodeRetrievalMethod));
    for (const [k, v] of this.options.extraEngagementKeys ?? []) de.set(k, v);
    return encodeCbor(de);
  }

  /** QR engagement: the `mdoc:` URI the phone would show. */
  qrEngagement(): string {
    this.deviceEngagementBytes = this.engagement(true);
    this.handover = { kind: 'qr' };
    return mdocUri(this.deviceEngagementBytes);
  }

  /** NFC static handover: the Handover Select NDEF message a reader reads from the tag. */
  staticHandoverSelect(): Uint8Array {
    this.deviceEngagementBytes = this.engagement(false);
    const hs = buildHandoverSelect(this.deviceEngagementBytes, this.options.retrievalMethods ?? [DEFAULT_BLE]);
    this.handover = { kind: 'nfc', handoverSelect: hs, handoverRequest: null };
    return hs;
  }

  /** NFC negotiated handover: answers the reader's Handover Request with the carriers both support. */
  negotiatedHandoverSelect(handoverRequest: Uint8Array): Uint8Array {
    const asked = parseHandoverRequest(handoverRequest);
    const offered = this.options.retrievalMethods ?? [DEFAULT_BLE];
    const chosen = offered.filter((m) => asked.some((a) => a.type === m.type));
    this.deviceEngagementBytes = this.engagement(false);
    const hs = buildHandoverSelect(this.deviceEngagementBytes, chosen);
    this.handover = { kind: 'nfc', handoverSelect: hs, handoverRequest };
    return hs;
  }

  /** Runs one session on `transport` until the reader terminates, the link closes, or `timeoutMs`
   * passes without a message. Always closes the transport. */
  async serve(transport: SessionTransport, timeoutMs = 10_000): Promise<HolderSessionReport> {
    if (!this.deviceEngagementBytes) throw new KakuninError('INVALID_ARGUMENT', 'sandbox holder: show an engagement (QR or NFC) first');
    const defects = this.options.defects ?? {};
    const report: HolderSessionReport = { requests: [], end: 'transport-closed' };
    let cipher: SessionCipher | undefined;
    let transcript: Uint8Array | undefined;
    let readerKey: KeyObject | undefined;
    let firstResponse: Uint8Array | undefined;
    try {
      for (;;) {
        const bytes = await transport.receive(timeoutMs);
        let requestBytes: Uint8Array;
        if (!cipher) {
          const est = decodeSessionEstablishment(bytes);
          readerKey = coseKeyToKeyObject(decodeEmbedded(est.eReaderKey));
          transcript = proximitySessionTranscript({ deviceEngagement: this.deviceEngagementBytes, eReaderKey: est.eReaderKey.bytes, handover: this.handover });
          const keyTranscript = defects.wrongTranscript ? Uint8Array.from([...transcript.subarray(0, -1), transcript[transcript.length - 1] ^ 1]) : transcript;
          const keys = deriveSessionKeys(this.eDeviceKey.privateKey, readerKey, keyTranscript);
          if (defects.wrongSessionKey) keys.skDevice = new Uint8Array(randomBytes(32));
          cipher = new SessionCipher(keys, 'mdoc');
          for (let i = 0; i < (defects.skipCounters ?? 0); i++) cipher.encrypt(new Uint8Array(0));
          try {
            requestBytes = cipher.decrypt(est.data);
          } catch {
            await transport.send(encodeSessionData({ status: STATUS.encryptionError }));
            report.end = 'decryption-failed';
            return report;
          }
        } else {
          const sd = decodeSessionData(bytes);
          if (sd.status === STATUS.sessionTermination || sd.data === undefined) {
            report.end = 'terminated-by-reader';
            return report;
          }
          requestBytes = cipher.decrypt(sd.data);
        }
        const request = parseDeviceRequest(requestBytes);
        // Second edition: one readerAuthAll signs every DocRequest at once.
        if (request.readerAuthAll !== undefined) {
          try {
            report.readerSubject = verifyReaderAuthAll(request, transcript!).subject;
            report.readerAuthAll = true;
          } catch (e) {
            if (this.options.requireReaderAuth) throw e;
          }
        }
        report.requestVersion = request.version;
        for (const d of request.docRequests) {
          report.requests.push({ docType: d.itemsRequest.docType, elements: Object.values(d.itemsRequest.nameSpaces).flatMap((e) => Object.keys(e)) });
          if (request.readerAuthAll !== undefined) continue;
          if (d.readerAuth !== undefined) {
            try {
              report.readerSubject = verifyReaderAuth(d.readerAuth, transcript!, d.itemsRequestBytes).subject;
            } catch (e) {
              if (this.options.requireReaderAuth) throw e;
            }
          } else if (this.options.requireReaderAuth) {
            throw new ProximityError('READER_AUTH_INVALID', 'request without readerAuth');
          }
        }
        if (defects.silent) {
          // Hold the link open and say nothing, as a phone taken out of range would.
          await transport.receive(timeoutMs);
          continue;
        }
        if (defects.rawAnswer) {
          await transport.send(defects.rawAnswer);
          continue;
        }
        if (defects.answerWithStatus !== undefined) {
          await transport.send(encodeSessionData({ status: defects.answerWithStatus }));
          report.end = 'status-sent';
          return report;
        }
        if (defects.replayFirstResponse && firstResponse) {
          await transport.send(firstResponse);
          continue;
        }
        const answered = this.answerable(request);
        if (request.deviceRequestInfo) report.useCaseDocTypes = answered.map((d) => d.docType);
        const response = this.respond(answered, transcript!, readerKey!);
        const message = encodeSessionData({ data: cipher.encrypt(response) });
        firstResponse ??= message;
        await transport.send(message);
      }
    } catch (e) {
      if (e instanceof ProximityError && e.code === 'SESSION_TIMEOUT') report.end = 'timeout';
      else if (e instanceof ProximityError && e.code === 'TRANSPORT_FAILED') report.end = 'transport-closed';
      else {
        try {
          await transport.send(encodeSessionData({ status: e instanceof ProximityError && e.code === 'SESSION_ENCRYPTION' ? STATUS.encryptionError : STATUS.decodingError }));
        } catch {
          // The reader has gone.
        }
        report.end = 'status-sent';
      }
      return report;
    } finally {
      await transport.close();
    }
  }

  /**
   * The DocRequests to answer. With DeviceRequestInfo (second edition), the first document set of
   * each use case that the holder can answer in full, as a wallet offers the person the first option
   * it can satisfy; without, every DocRequest (1.0: the documents it does not hold get errors).
   */
  private answerable(request: ParsedDeviceRequest): ItemsRequest[] {
    const all = request.docRequests.map((d) => d.itemsRequest);
    const useCases = request.deviceRequestInfo?.value.useCases;
    if (!useCases?.length) return all;
    const held = (i: number) => this.options.documents.some((d) => d.docType === all[i].docType);
    const chosen = new Set<number>();
    for (const useCase of useCases) {
      const set = useCase.documentSets.find((s) => s.every(held));
      if (set) for (const i of set) chosen.add(i);
      else if (useCase.mandatory) return all;
    }
    return all.filter((_, i) => chosen.has(i));
  }

  private respond(requests: { docType: string; nameSpaces: Record<string, Record<string, boolean>> }[], transcript: Uint8Array, readerKey: KeyObject): Uint8Array {
    const documents: PresentedDocument[] = [];
    const documentErrors: Record<string, number> = {};
    for (const r of requests) {
      const mdoc = this.options.documents.find((d) => d.docType === r.docType);
      if (!mdoc) {
        documentErrors[r.docType] = 0;
        continue;
      }
      const disclose: Record<string, string[]> = {};
      for (const [ns, elements] of Object.entries(r.nameSpaces)) {
        const held = Object.keys(elements).filter((id) => mdoc.items.get(ns)?.some((i) => i.elementIdentifier === id));
        if (held.length) disclose[ns] = held;
      }
      for (const [ns, ids] of Object.entries(this.options.defects?.discloseExtra ?? {})) {
        disclose[ns] = [...new Set([...(disclose[ns] ?? []), ...ids])];
      }
      documents.push({
        mdoc,
        disclose,
        deviceAuth: this.options.deviceAuth === 'mac' ? { kind: 'mac', readerPublicKey: readerKey } : { kind: 'signature' },
      });
    }
    return createDeviceResponse({ sessionTranscript: transcript, documents, documentErrors });
  }
}
