/**
 * DeviceRequest with readerAuth (ISO 18013-5 §8.3.2.1.2.1, §9.1.4):
 *   DeviceRequest = { "version": "1.0", "docRequests": [+ { "itemsRequest": ItemsRequestBytes, ? "readerAuth": COSE_Sign1 }] }
 *   ReaderAuthenticationBytes = #6.24(bstr .cbor ["ReaderAuthentication", SessionTranscript, ItemsRequestBytes])
 * readerAuth signs ReaderAuthenticationBytes as a detached payload, with the reader certificate in x5chain.
 * The structures around received bytes are assembled by hand so nothing received is re-encoded.
 */
import type { KeyObject } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import {
  asArray,
  asEmbedded,
  asMap,
  asText,
  cborHead,
  concat,
  decodeCbor,
  decodeEmbedded,
  embed,
  embedBytes,
  encodeCbor,
  EncodedCbor,
} from '../../cbor/index.js';
import { createCoseSign1, header, HEADER, parseCoseSign1, verifyCoseSign1 } from '../../cose/index.js';
import { ProximityError } from './errors.js';
import { sessionTranscriptBytes } from './session-keys.js';

export interface ItemsRequest {
  docType: string;
  /** namespace -> element identifier -> intentToRetain */
  nameSpaces: Record<string, Record<string, boolean>>;
}

export interface ReaderIdentity {
  privateKey: KeyObject;
  /** DER certificates, reader certificate first. */
  certificateChain: Uint8Array[];
}

/** The bare SessionTranscript array bytes (without the tag 24 wrapper). */
export function bareSessionTranscript(sessionTranscript: Uint8Array): Uint8Array {
  const tagged = sessionTranscriptBytes(sessionTranscript);
  return asEmbedded(decodeCbor(tagged, { maxDepth: 8 }), 'SessionTranscriptBytes').bytes;
}

export function readerAuthenticationBytes(sessionTranscript: Uint8Array, itemsRequestBytes: EncodedCbor): Uint8Array {
  const label = encodeCbor('ReaderAuthentication');
  const inner = concat(Uint8Array.of(0x83), label, bareSessionTranscript(sessionTranscript), itemsRequestBytes.tagged);
  return concat(cborHead(6, 24), cborHead(2, inner.length), inner);
}

export function encodeItemsRequest(request: ItemsRequest): EncodedCbor {
  const nameSpaces = new Map<string, Map<string, boolean>>();
  for (const [ns, elements] of Object.entries(request.nameSpaces)) nameSpaces.set(ns, new Map(Object.entries(elements)));
  return embed(new Map<string, unknown>([['docType', request.docType], ['nameSpaces', nameSpaces]]));
}

/** Builds the DeviceRequest CBOR. With `reader`, each docRequest carries readerAuth bound to the transcript. */
export function buildDeviceRequest(requests: ItemsRequest[], sessionTranscript: Uint8Array, reader?: ReaderIdentity): Uint8Array {
  const docRequests = requests.map((r) => {
    const itemsRequest = encodeItemsRequest(r);
    const docRequest = new Map<string, unknown>([['itemsRequest', itemsRequest]]);
    if (reader) {
      const payload = readerAuthenticationBytes(sessionTranscript, itemsRequest);
      docRequest.set('readerAuth', createCoseSign1(payload, reader.privateKey, { x5chain: reader.certificateChain, detached: true }));
    }
    return docRequest;
  });
  return encodeCbor(new Map<string, unknown>([['version', '1.0'], ['docRequests', docRequests]]));
}

export interface ParsedDocRequest {
  itemsRequestBytes: EncodedCbor;
  itemsRequest: ItemsRequest;
  readerAuth?: unknown;
}

/** Parses a DeviceRequest (the wallet side, and tests). */
export function parseDeviceRequest(bytes: Uint8Array): { version: string; docRequests: ParsedDocRequest[] } {
  try {
    const m = asMap(decodeCbor(bytes), 'DeviceRequest');
    const version = asText(m.get('version'), 'DeviceRequest version');
    const docRequests = asArray(m.get('docRequests'), 'docRequests').map((d) => {
      const dm = asMap(d, 'DocRequest');
      const itemsRequestBytes = asEmbedded(dm.get('itemsRequest'), 'itemsRequest');
      const ir = asMap(decodeEmbedded(itemsRequestBytes), 'ItemsRequest');
      const nameSpaces: Record<string, Record<string, boolean>> = {};
      for (const [ns, els] of asMap(ir.get('nameSpaces'), 'nameSpaces')) {
        nameSpaces[asText(ns, 'namespace')] = Object.fromEntries([...asMap(els, 'DataElements')].map(([k, v]) => [asText(k, 'element'), v === true]));
      }
      return {
        itemsRequestBytes,
        itemsRequest: { docType: asText(ir.get('docType'), 'docType'), nameSpaces },
        readerAuth: dm.get('readerAuth'),
      };
    });
    return { version, docRequests };
  } catch (e) {
    throw new ProximityError('SESSION_MESSAGE_INVALID', `DeviceRequest: ${(e as Error).message}`, { cause: e });
  }
}

/** Checks a readerAuth signature with the leaf of its x5chain and returns that certificate. Whether
 * the reader certificate is trusted is the wallet's policy; this only proves possession and binding. */
export function verifyReaderAuth(readerAuth: unknown, sessionTranscript: Uint8Array, itemsRequestBytes: EncodedCbor): X509Certificate {
  const msg = parseCoseSign1(readerAuth);
  const x5chain = header(msg, HEADER.x5chain);
  const leaf = x5chain instanceof Uint8Array ? x5chain : Array.isArray(x5chain) && x5chain[0] instanceof Uint8Array ? x5chain[0] : undefined;
  if (!leaf) throw new ProximityError('READER_AUTH_INVALID', 'readerAuth has no x5chain');
  const cert = new X509Certificate(leaf);
  const ok = verifyCoseSign1(msg, cert.publicKey, { detachedPayload: readerAuthenticationBytes(sessionTranscript, itemsRequestBytes) });
  if (!ok) throw new ProximityError('READER_AUTH_INVALID', 'readerAuth signature does not verify');
  return cert;
}

