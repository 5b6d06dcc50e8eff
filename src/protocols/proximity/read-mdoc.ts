/**
 * One in-person read, end to end: session over a transport, then the verification core with the
 * transcript and the reader's ephemeral key (deviceMac needs it). Time is injected.
 */
import type { VerifyDeviceResponseOptions } from '../../mdoc/verify.js';
import { verifyDeviceResponse } from '../../mdoc/verify.js';
import type { VerificationResult } from '../../mdoc/result.js';
import type { DeviceRequestInfo, ItemsRequest } from '../request/device-request.js';
import { checkRequestedElements } from '../request/element-check.js';
import type { RequestedDocument } from '../request/presentation-request.js';
import { ReaderSession, type ReaderSessionOptions } from './reader-session.js';

/**
 * An in-person read: the engagement and transport (NFC or BLE), what to ask per document, and the verification options.
 */
export interface ReadMdocOptions extends ReaderSessionOptions {
  requests: ItemsRequest[];
  /** Which requests together answer (second-edition mdocs only), e.g. anyOneOf(requests.length). */
  deviceRequestInfo?: DeviceRequestInfo;
  verify: Omit<VerifyDeviceResponseOptions, 'sessionTranscript' | 'readerEphemeralKey'>;
}

/**
 * What an in-person read gives: the verification result and the SessionTranscript it was bound to.
 */
export interface ReadMdocOutcome {
  result: VerificationResult;
  sessionTranscript: Uint8Array;
}

/**
 * One ISO 18013-5 in-person read: session establishment over the transport, the DeviceRequest (with readerAuth when a reader identity is given), and the verification of the answer.
 *
 * @example
 * ```ts
 * import { buildItemsRequest, openBleCentralClient, parseQrEngagement, readMdoc, type BleRetrieval, type RequestedDocument, type TrustStore } from 'kakunin';
 * declare const scannedText: string; // the QR code the phone shows: mdoc:...
 * declare const doc: RequestedDocument; // buildPresentationRequest(purpose, { claimSets: 'first' }).documents[0]
 * declare const trust: TrustStore;
 * const engagement = parseQrEngagement(scannedText);
 * const ble = engagement.retrievalMethods.find((m): m is BleRetrieval => m.type === 'ble')!;
 * const transport = await openBleCentralClient(engagement.deviceEngagement, ble, { connectTimeoutMs: 10_000 });
 * const { result } = await readMdoc({ engagement, transport, timeoutMs: 10_000, requests: [buildItemsRequest(doc)], verify: { trust, at: new Date() } });
 * ```
 */
export async function readMdoc(options: ReadMdocOptions): Promise<ReadMdocOutcome> {
  let session: ReaderSession;
  try {
    session = new ReaderSession(options);
  } catch (e) {
    // An engagement the session cannot even start from still releases the link.
    await options.transport.close();
    throw e;
  }
  try {
    const { deviceResponse } = await session.request(options.requests, options.deviceRequestInfo);
    const verified = verifyDeviceResponse(deviceResponse, {
      ...options.verify,
      sessionTranscript: session.sessionTranscript,
      readerEphemeralKey: session.readerEphemeralKey,
    });
    // As online: only what was asked (ELEMENT_NOT_REQUESTED) and all of it (ELEMENT_MISSING).
    const asked = options.requests.map(requestedDocument);
    const result = checkRequestedElements(verified, { documents: asked });
    return { result, sessionTranscript: session.sessionTranscript };
  } finally {
    await session.terminate();
  }
}

/** The ItemsRequest the reader sent, in the form the element check reads. */
function requestedDocument(request: ItemsRequest): RequestedDocument {
  return {
    id: request.docType,
    docType: request.docType,
    elements: Object.entries(request.nameSpaces).flatMap(([nameSpace, elements]) =>
      Object.entries(elements).map(([elementIdentifier, intentToRetain]) => ({ nameSpace, elementIdentifier, intentToRetain })),
    ),
  };
}
