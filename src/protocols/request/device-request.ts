/**
 * PresentationRequest -> ISO 18013-5 DeviceRequest (§8.3.2.1.2.1) with readerAuth on each
 * DocRequest: a detached COSE_Sign1 over ReaderAuthenticationBytes =
 * #6.24(["ReaderAuthentication", SessionTranscript, ItemsRequestBytes]) (§9.1.4), x5chain = the
 * verifier's reader certificate chain (leaf first, no root). The transcript and the ItemsRequest
 * go in as the exact bytes, so the signature covers what the wallet will rebuild.
 */
import type { KeyObject } from 'node:crypto';
import { concat, embed, embedBytes, encodeCbor, type EncodedCbor } from '../../cbor/index.js';
import { createCoseSign1 } from '../../cose/index.js';
import { elementsByNameSpace, type PresentationRequest, type RequestedDocument } from './presentation-request.js';

export interface ReaderIdentity {
  privateKey: KeyObject;
  /** DER certificates, leaf first; the trust anchor is not included. */
  x5chain: Uint8Array[];
}

export function itemsRequest(doc: RequestedDocument): EncodedCbor {
  const nameSpaces = new Map<string, Map<string, boolean>>();
  for (const [ns, elements] of elementsByNameSpace(doc)) {
    nameSpaces.set(ns, new Map(elements.map((e) => [e.elementIdentifier, e.intentToRetain ?? false])));
  }
  return embed(new Map<string, unknown>([['docType', doc.docType], ['nameSpaces', nameSpaces]]));
}

/** ReaderAuthenticationBytes, assembled from the exact transcript and ItemsRequestBytes. */
export function readerAuthenticationBytes(sessionTranscript: Uint8Array, itemsRequestBytes: EncodedCbor): Uint8Array {
  const label = encodeCbor('ReaderAuthentication');
  const inner = concat(Uint8Array.of(0x83), label, sessionTranscript, itemsRequestBytes.tagged);
  return embedBytes(inner).tagged;
}

/**
 * `version` "1.0" by default; "1.1" (ISO 18013-5 second edition) is accepted for wallets that want
 * the newer version string. Both carry per-DocRequest readerAuth over ReaderAuthentication; the 1.1
 * additions (deviceRequestInfo, readerAuthAll) are not produced.
 */
export function createDeviceRequest(request: PresentationRequest, sessionTranscript: Uint8Array, reader?: ReaderIdentity, version: '1.0' | '1.1' = '1.0'): Uint8Array {
  const docRequests = request.documents.map((doc) => {
    const items = itemsRequest(doc);
    const docRequest = new Map<string, unknown>([['itemsRequest', items]]);
    if (reader) {
      const payload = readerAuthenticationBytes(sessionTranscript, items);
      docRequest.set('readerAuth', createCoseSign1(payload, reader.privateKey, { x5chain: reader.x5chain, detached: true }));
    }
    return docRequest;
  });
  return encodeCbor(new Map<string, unknown>([['version', version], ['docRequests', docRequests]]));
}

