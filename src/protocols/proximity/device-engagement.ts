/**
 * DeviceEngagement (ISO 18013-5 §8.2.1.1): what the mdoc shows by QR or hands over by NFC.
 *
 *   DeviceEngagement = { 0: tstr version, 1: Security, ? 2: DeviceRetrievalMethods,
 *                        ? 3: ServerRetrievalMethods, ? 4: ProtocolInfo, * int => any }
 *   Security = [cipherSuiteIdentifier (1), EDeviceKeyBytes = #6.24(bstr .cbor COSE_Key)]
 *
 * The bytes are kept exactly as received: they go into the SessionTranscript, and real wallets send
 * version "1.1" with keys (5 OriginInfos, 6 Capabilities, ...) this parser does not know.
 */
import type { KeyObject } from 'node:crypto';
import { asArray, asInt, asMap, asText, decodeCbor, decodeEmbedded, EncodedCbor } from '../../cbor/index.js';
import { coseKeyToKeyObject } from '../../cose/index.js';
import { ProximityError } from './errors.js';
import { parseRetrievalMethod, type DeviceRetrievalMethod } from './retrieval-methods.js';

/** ISO 18013-5 DeviceEngagement as received: version, EDeviceKey, the retrieval methods offered, and its exact bytes. */
export interface DeviceEngagement {
  /** The DeviceEngagement CBOR exactly as received. */
  bytes: Uint8Array;
  version: string;
  cipherSuite: number;
  /** EDeviceKeyBytes as received (the tag 24 item). */
  eDeviceKeyBytes: EncodedCbor;
  eDeviceKey: KeyObject;
  /** Transports offered in the engagement itself (QR); NFC engagement lists them as NDEF carriers instead. */
  retrievalMethods: DeviceRetrievalMethod[];
  /** Keys beyond 0..2 (ServerRetrievalMethods, ProtocolInfo, OriginInfos, Capabilities, ...), decoded, kept for callers. */
  extra: Map<number, unknown>;
  /** Second edition Capabilities (key 6): ReaderAuthAllSupport (key 3) is true, so the reader may sign the whole request once. */
  readerAuthAllSupport: boolean;
}

/** The only cipher suite ISO 18013-5 defines: ECDH + HKDF-SHA256 + AES-256-GCM. */
export const CIPHER_SUITE_1 = 1;

function invalid(message: string, cause?: unknown): never {
  throw new ProximityError('ENGAGEMENT_INVALID', `DeviceEngagement: ${message}`, { cause });
}

export function parseDeviceEngagement(bytes: Uint8Array): DeviceEngagement {
  let decoded: unknown;
  try {
    decoded = decodeCbor(bytes, { maxBytes: 64 * 1024, maxDepth: 16, maxItems: 4096 });
  } catch (e) {
    invalid('not well-formed CBOR', e);
  }
  try {
    const map = asMap(decoded, 'DeviceEngagement', 'ENGAGEMENT_INVALID');
    const version = asText(map.get(0), 'DeviceEngagement version', 'ENGAGEMENT_INVALID');
    // Major version 1 only; minor versions (1.1 with OriginInfos/Capabilities) are compatible.
    if (!/^1\.\d+$/.test(version)) invalid(`unsupported version "${version}"`);
    const security = asArray(map.get(1), 'DeviceEngagement Security', 'ENGAGEMENT_INVALID');
    if (security.length < 2) invalid('Security must be [cipherSuite, EDeviceKeyBytes]');
    const cipherSuite = asInt(security[0], 'cipher suite', 'ENGAGEMENT_INVALID');
    if (cipherSuite !== CIPHER_SUITE_1) invalid(`unsupported cipher suite ${cipherSuite}`);
    if (!(security[1] instanceof EncodedCbor)) invalid('EDeviceKeyBytes must be tag 24');
    const eDeviceKeyBytes = security[1];
    const eDeviceKey = coseKeyToKeyObject(decodeEmbedded(eDeviceKeyBytes, { maxDepth: 4 }));
    if (eDeviceKey.asymmetricKeyType !== 'ec' && eDeviceKey.asymmetricKeyType !== 'x25519' && eDeviceKey.asymmetricKeyType !== 'x448') {
      invalid(`EDeviceKey must be an ECDH key, got ${eDeviceKey.asymmetricKeyType}`);
    }
    const retrievalMethods: DeviceRetrievalMethod[] = [];
    if (map.has(2)) {
      for (const m of asArray(map.get(2), 'DeviceRetrievalMethods', 'ENGAGEMENT_INVALID')) {
        const parsed = parseRetrievalMethod(m);
        if (parsed) retrievalMethods.push(parsed);
      }
    }
    const extra = new Map<number, unknown>();
    for (const [k, v] of map) if (typeof k === 'number' && k > 2) extra.set(k, v);
    const capabilities = extra.get(6);
    const readerAuthAllSupport = capabilities instanceof Map && capabilities.get(3) === true;
    return { bytes, version, cipherSuite, eDeviceKeyBytes, eDeviceKey, retrievalMethods, extra, readerAuthAllSupport };
  } catch (e) {
    if (e instanceof ProximityError) throw e;
    return invalid((e as Error).message, e);
  }
}

/** The QR payload `mdoc:` + base64url(DeviceEngagement) (§8.2.2.3). Scanners that type into a
 * terminal add whitespace or change case of the scheme; both are tolerated, nothing else is. */
export function parseMdocUri(text: string): DeviceEngagement {
  const trimmed = text.trim();
  const m = /^mdoc:([A-Za-z0-9_-]+={0,2})$/i.exec(trimmed);
  if (!m) throw new ProximityError('ENGAGEMENT_INVALID', 'not an mdoc: URI (expected "mdoc:" followed by base64url)');
  const bytes = new Uint8Array(Buffer.from(m[1], 'base64url'));
  if (bytes.length === 0) throw new ProximityError('ENGAGEMENT_INVALID', 'empty mdoc: URI');
  return parseDeviceEngagement(bytes);
}

/** `mdoc:` URI for a DeviceEngagement (the sandbox wallet shows this as its QR). */
export function mdocUri(deviceEngagement: Uint8Array): string {
  return `mdoc:${Buffer.from(deviceEngagement).toString('base64url')}`;
}
