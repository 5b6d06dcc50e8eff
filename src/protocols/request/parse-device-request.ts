/**
 * The wallet's side of a DeviceRequest: parse it keeping each ItemsRequestBytes as received, and
 * check readerAuth over ReaderAuthenticationBytes rebuilt from those bytes. Used by the sandbox
 * holder and by tests against the Annex D vectors. Errors carry the in-person session's codes
 * (SESSION_MESSAGE_INVALID answers with status 11), the only session that parses requests today.
 */
import { X509Certificate } from 'node:crypto';
import { asArray, asEmbedded, asMap, asText, decodeCbor, decodeEmbedded, type EncodedCbor } from '../../cbor/index.js';
import { header, HEADER, parseCoseSign1, verifyCoseSign1 } from '../../cose/index.js';
import { ProximityError } from '../proximity/errors.js';
import { readerAuthenticationBytes, type ItemsRequest } from './device-request.js';

export interface ParsedDocRequest {
  itemsRequestBytes: EncodedCbor;
  itemsRequest: ItemsRequest;
  readerAuth?: unknown;
}

export interface ParsedDeviceRequest {
  version: string;
  docRequests: ParsedDocRequest[];
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
