/**
 * The wallet's side of a DeviceRequest: parse it keeping each ItemsRequestBytes as received, and
 * check readerAuth over ReaderAuthenticationBytes rebuilt from those bytes (or, second edition,
 * readerAuthAll over ReaderAuthenticationAllBytes). Used by the sandbox
 * holder and by tests against the Annex D vectors. Errors carry the in-person session's codes
 * (SESSION_MESSAGE_INVALID answers with status 11), the only session that parses requests today.
 */
import { X509Certificate } from 'node:crypto';
import { asArray, asEmbedded, asInt, asMap, asText, decodeCbor, decodeEmbedded, type EncodedCbor } from '../../cbor/index.js';
import { header, HEADER, parseCoseSign1, verifyCoseSign1 } from '../../cose/index.js';
import { ProximityError } from '../proximity/errors.js';
import { readerAuthenticationAllBytes, readerAuthenticationBytes, type DeviceRequestInfo, type ItemsRequest } from './device-request.js';
import { KakuninError } from '../../codes/error.js';

export interface ParsedDocRequest {
  itemsRequestBytes: EncodedCbor;
  itemsRequest: ItemsRequest;
  readerAuth?: unknown;
}

export interface ParsedDeviceRequest {
  version: string;
  docRequests: ParsedDocRequest[];
  /** Second edition: COSE_Sign1s over the whole request (any one that verifies will do). */
  readerAuthAll?: unknown[];
  /** Second edition: which DocRequests together answer, as sent (the bytes readerAuthAll covers). */
  deviceRequestInfo?: { bytes: EncodedCbor; value: DeviceRequestInfo };
}

/** DeviceRequestInfo's use cases; other keys (its extension point) are kept in the bytes only. */
function parseDeviceRequestInfo(bytes: EncodedCbor, docRequestCount: number): DeviceRequestInfo {
  const m = asMap(decodeEmbedded(bytes), 'DeviceRequestInfo');
  const useCases = m.has('useCases') ? asArray(m.get('useCases'), 'useCases') : [];
  return {
    useCases: useCases.map((u) => {
      const um = asMap(u, 'UseCase');
      const mandatory = um.get('mandatory');
      if (typeof mandatory !== 'boolean') throw new KakuninError('INVALID_ARGUMENT', 'UseCase.mandatory is not a boolean');
      const documentSets = asArray(um.get('documentSets'), 'documentSets').map((set) =>
        asArray(set, 'DocumentSet').map((i) => {
          const index = asInt(i, 'DocRequest index');
          if (index < 0 || index >= docRequestCount) throw new KakuninError('INVALID_ARGUMENT', `DocumentSet names DocRequest ${index} of ${docRequestCount}`);
          return index;
        }),
      );
      return { mandatory, documentSets };
    }),
  };
}

export function parseDeviceRequest(bytes: Uint8Array): ParsedDeviceRequest {
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
    const all = m.get('readerAuthAll');
    // Only a 1.1 request has DeviceRequestInfo; in a 1.0 one the key means nothing (as multipaz reads it).
    const infoBytes = version !== '1.0' && m.has('deviceRequestInfo') ? asEmbedded(m.get('deviceRequestInfo'), 'deviceRequestInfo') : undefined;
    return {
      version,
      docRequests,
      ...(all === undefined ? {} : { readerAuthAll: asArray(all, 'readerAuthAll') }),
      ...(infoBytes ? { deviceRequestInfo: { bytes: infoBytes, value: parseDeviceRequestInfo(infoBytes, docRequests.length) } } : {}),
    };
  } catch (e) {
    throw new ProximityError('SESSION_MESSAGE_INVALID', `DeviceRequest: ${(e as Error).message}`, { cause: e });
  }
}

/** A readerAuth COSE_Sign1 over `payload`, checked with the leaf of its x5chain; that certificate. */
function verifyReaderSignature(readerAuth: unknown, payload: Uint8Array, what: string): X509Certificate {
  const msg = parseCoseSign1(readerAuth);
  const x5chain = header(msg, HEADER.x5chain);
  const leaf = x5chain instanceof Uint8Array ? x5chain : Array.isArray(x5chain) && x5chain[0] instanceof Uint8Array ? x5chain[0] : undefined;
  if (!leaf) throw new ProximityError('READER_AUTH_INVALID', `${what} has no x5chain`);
  const cert = new X509Certificate(leaf);
  if (!verifyCoseSign1(msg, cert.publicKey, { detachedPayload: payload })) throw new ProximityError('READER_AUTH_INVALID', `${what} signature does not verify`);
  return cert;
}

/** Checks a readerAuth signature with the leaf of its x5chain and returns that certificate. Whether
 * the reader certificate is trusted is the wallet's policy; this only proves possession and binding. */
export function verifyReaderAuth(readerAuth: unknown, sessionTranscript: Uint8Array, itemsRequestBytes: EncodedCbor): X509Certificate {
  return verifyReaderSignature(readerAuth, readerAuthenticationBytes(sessionTranscript, itemsRequestBytes), 'readerAuth');
}

/** Second edition: the first readerAuthAll that verifies over every DocRequest's ItemsRequestBytes, in order. */
export function verifyReaderAuthAll(request: ParsedDeviceRequest, sessionTranscript: Uint8Array): X509Certificate {
  const payload = readerAuthenticationAllBytes(
    sessionTranscript,
    request.docRequests.map((d) => d.itemsRequestBytes),
    request.deviceRequestInfo?.bytes,
  );
  let failure: unknown = new ProximityError('READER_AUTH_INVALID', 'readerAuthAll is empty');
  for (const sig of request.readerAuthAll ?? []) {
    try {
      return verifyReaderSignature(sig, payload, 'readerAuthAll');
    } catch (e) {
      failure = e;
    }
  }
  throw failure;
}
