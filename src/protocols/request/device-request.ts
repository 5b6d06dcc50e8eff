/**
 * ISO 18013-5 DeviceRequest (§8.3.2.1.2.1) with readerAuth on each DocRequest: a detached
 * COSE_Sign1 over ReaderAuthenticationBytes = #6.24(["ReaderAuthentication", SessionTranscript,
 * ItemsRequestBytes]) (§9.1.4), x5chain = the verifier's reader certificate chain (leaf first, no
 * root). Or, second edition (DeviceRequest "1.1", to an mdoc whose DeviceEngagement says
 * ReaderAuthAllSupport), one readerAuthAll for the whole request: the same COSE_Sign1 over
 * ReaderAuthenticationAllBytes = #6.24(["ReaderAuthenticationAll", SessionTranscript,
 * [+ ItemsRequestBytes], DeviceRequestInfoBytes / null]), with DeviceRequestInfo saying which
 * DocRequests together answer (use cases). One builder serves every protocol that carries a
 * DeviceRequest: ISO 18013-7 Annex C over the DC API and the in-person session. The transcript and the ItemsRequest go in as the exact
 * bytes, so the signature covers what the wallet will rebuild.
 */
import type { KeyObject } from 'node:crypto';
import { cborHead, concat, embed, embedBytes, encodeCbor, type EncodedCbor } from '../../cbor/index.js';
import { KakuninError } from '../../codes/error.js';
import { createCoseSign1 } from '../../cose/index.js';
import { sessionTranscriptForms } from '../../mdoc/session-transcript.js';
import { elementsByNameSpace, type PresentationRequest, type RequestedDocument } from './presentation-request.js';

/** ItemsRequest of §8.3.2.1.2.1, before encoding. */
export interface ItemsRequest {
  docType: string;
  /** namespace -> element identifier -> IntentToRetain */
  nameSpaces: Record<string, Record<string, boolean>>;
}

/**
 * A use case of DeviceRequestInfo (second edition): the sets of DocRequests (by index) any one of
 * which answers it. kakunin sends no purposeHints: it has no published table of their codes to map
 * its purposes to.
 */
export interface UseCase {
  mandatory: boolean;
  /** Each set: indexes into docRequests. */
  documentSets: number[][];
}

/** DeviceRequestInfo (second edition, DeviceRequest 1.1 only). */
export interface DeviceRequestInfo {
  useCases: UseCase[];
}

/**
 * The request info for a purpose's documents, which are alternatives (a My Number Card *or* an mDL):
 * one mandatory use case, each document a set of its own, in order of preference. A wallet that
 * reads it presents one document instead of every one it holds.
 */
export function anyOneOf(documentCount: number): DeviceRequestInfo {
  return { useCases: [{ mandatory: true, documentSets: Array.from({ length: documentCount }, (_, i) => [i]) }] };
}

/** DeviceRequestInfoBytes = #6.24(bstr .cbor DeviceRequestInfo). */
export function encodeDeviceRequestInfo(info: DeviceRequestInfo): EncodedCbor {
  const useCases = info.useCases.map(
    (u) =>
      new Map<string, unknown>([
        ['mandatory', u.mandatory],
        ['documentSets', u.documentSets],
      ]),
  );
  return embed(new Map<string, unknown>([['useCases', useCases]]));
}

/** The reader's key and certificate chain that sign readerAuth in a DeviceRequest. */
export interface ReaderIdentity {
  privateKey: KeyObject;
  /** DER certificates, leaf first; the trust anchor is not included. */
  x5chain: Uint8Array[];
}

/**
 * The ISO 18013-5 ItemsRequest for one RequestedDocument.
 *
 * @example
 * ```ts
 * import { buildItemsRequest, buildPresentationRequest, createAgeOverPurpose } from 'kakunin';
 * const [mnc] = buildPresentationRequest(createAgeOverPurpose(), { claimSets: 'first' }).documents;
 * const itemsRequest = buildItemsRequest(mnc);
 * ```
 */
export function buildItemsRequest(doc: RequestedDocument): ItemsRequest {
  const nameSpaces: Record<string, Record<string, boolean>> = {};
  for (const [ns, elements] of elementsByNameSpace(doc)) {
    nameSpaces[ns] = Object.fromEntries(elements.map((e) => [e.elementIdentifier, e.intentToRetain ?? false]));
  }
  return { docType: doc.docType, nameSpaces };
}

/** ItemsRequestBytes: the exact bytes readerAuth signs and the wallet hashes. */
export function encodeItemsRequest(request: ItemsRequest): EncodedCbor {
  const nameSpaces = new Map<string, Map<string, boolean>>();
  for (const [ns, elements] of Object.entries(request.nameSpaces)) nameSpaces.set(ns, new Map(Object.entries(elements)));
  return embed(
    new Map<string, unknown>([
      ['docType', request.docType],
      ['nameSpaces', nameSpaces],
    ]),
  );
}

/**
 * ReaderAuthenticationBytes, assembled from the exact transcript and ItemsRequestBytes. The
 * transcript may come bare or as SessionTranscriptBytes (#6.24): the in-person session keeps the
 * tagged form for its HKDF salt, the online handovers the bare one.
 */
export function readerAuthenticationBytes(sessionTranscript: Uint8Array, itemsRequestBytes: EncodedCbor): Uint8Array {
  const label = encodeCbor('ReaderAuthentication');
  const inner = concat(Uint8Array.of(0x83), label, sessionTranscriptForms(sessionTranscript).bytes, itemsRequestBytes.tagged);
  return embedBytes(inner).tagged;
}

/**
 * ReaderAuthenticationAllBytes (second edition): every DocRequest's ItemsRequestBytes in order, and
 * the DeviceRequestInfoBytes exactly as sent (null without one).
 */
export function readerAuthenticationAllBytes(sessionTranscript: Uint8Array, itemsRequestBytes: EncodedCbor[], deviceRequestInfoBytes?: EncodedCbor): Uint8Array {
  const label = encodeCbor('ReaderAuthenticationAll');
  const items = concat(cborHead(4, itemsRequestBytes.length), ...itemsRequestBytes.map((i) => i.tagged));
  const info = deviceRequestInfoBytes ? deviceRequestInfoBytes.tagged : Uint8Array.of(0xf6);
  const inner = concat(Uint8Array.of(0x84), label, sessionTranscriptForms(sessionTranscript).bytes, items, info);
  return embedBytes(inner).tagged;
}

/**
 * `version` "1.0" by default; "1.1" (ISO 18013-5 second edition) for wallets that want the newer
 * version string. With `readerAuthAll` (1.1 only) the request is signed once, at the top; otherwise
 * each DocRequest carries its readerAuth. `deviceRequestInfo` (1.1 only) goes with it, covered by
 * readerAuthAll. Without `reader` the DocRequests go unsigned (Apple Wallet then refuses).
 */
export function buildDeviceRequest(requests: ItemsRequest[], sessionTranscript: Uint8Array, reader?: ReaderIdentity, version: '1.0' | '1.1' = '1.0', options: DeviceRequestOptions = {}): Uint8Array {
  const all = options.readerAuthAll === true && reader !== undefined;
  if (all && version !== '1.1') throw new KakuninError('INVALID_ARGUMENT', 'readerAuthAll needs DeviceRequest version 1.1');
  if (options.deviceRequestInfo && version !== '1.1') throw new KakuninError('INVALID_ARGUMENT', 'deviceRequestInfo needs DeviceRequest version 1.1');
  const info = options.deviceRequestInfo && encodeDeviceRequestInfo(options.deviceRequestInfo);
  const items = requests.map(encodeItemsRequest);
  const sign = (payload: Uint8Array) => createCoseSign1(payload, reader!.privateKey, { x5chain: reader!.x5chain, detached: true });
  const docRequests = items.map((i) => {
    const docRequest = new Map<string, unknown>([['itemsRequest', i]]);
    if (reader && !all) docRequest.set('readerAuth', sign(readerAuthenticationBytes(sessionTranscript, i)));
    return docRequest;
  });
  const deviceRequest = new Map<string, unknown>([
    ['version', version],
    ['docRequests', docRequests],
  ]);
  if (info) deviceRequest.set('deviceRequestInfo', info);
  if (all) deviceRequest.set('readerAuthAll', [sign(readerAuthenticationAllBytes(sessionTranscript, items, info))]);
  return encodeCbor(deviceRequest);
}

/** What a DeviceRequest 1.1 may carry besides its DocRequests. */
export interface DeviceRequestOptions {
  /** Sign the whole request once (ReaderAuthenticationAll) instead of each DocRequest. */
  readerAuthAll?: boolean;
  deviceRequestInfo?: DeviceRequestInfo;
}

/** The DeviceRequest for a protocol-independent PresentationRequest: one DocRequest per document. */
export function createDeviceRequest(
  request: PresentationRequest,
  sessionTranscript: Uint8Array,
  reader?: ReaderIdentity,
  version: '1.0' | '1.1' = '1.0',
  options: DeviceRequestOptions = {},
): Uint8Array {
  return buildDeviceRequest(request.documents.map(buildItemsRequest), sessionTranscript, reader, version, options);
}
