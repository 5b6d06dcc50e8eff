/**
 * SessionEstablishment and SessionData (ISO 18013-5 §9.1.1.4):
 *   SessionEstablishment = { "eReaderKey": EReaderKeyBytes, "data": bstr }
 *   SessionData = { ? "data": bstr, ? "status": uint }
 * Status 10: session encryption error, 11: CBOR decoding error, 20: session termination.
 */
import { asBytes, asEmbedded, asInt, asMap, decodeCbor, embedBytes, encodeCbor, type EncodedCbor } from '../../cbor/index.js';
import { ProximityError } from './errors.js';

export const STATUS = {
  encryptionError: 10,
  decodingError: 11,
  sessionTermination: 20,
} as const;

export interface SessionEstablishment {
  /** EReaderKeyBytes as received (tag 24 around the COSE_Key). */
  eReaderKey: EncodedCbor;
  data: Uint8Array;
}

export interface SessionData {
  data?: Uint8Array;
  status?: number;
}

const LIMITS = { maxBytes: 8 * 1024 * 1024, maxDepth: 8, maxItems: 64 };

function invalid(message: string, cause?: unknown): never {
  throw new ProximityError('SESSION_MESSAGE_INVALID', message, { cause });
}

function decodeTop(bytes: Uint8Array, what: string): Map<unknown, unknown> {
  try {
    return asMap(decodeCbor(bytes, LIMITS), what, 'SESSION_MESSAGE_INVALID');
  } catch (e) {
    if (e instanceof ProximityError) throw e;
    return invalid(`${what}: ${(e as Error).message}`, e);
  }
}

export function encodeSessionEstablishment(eReaderKeyCoseBytes: Uint8Array, data: Uint8Array): Uint8Array {
  return encodeCbor(
    new Map<string, unknown>([
      ['eReaderKey', embedBytes(eReaderKeyCoseBytes)],
      ['data', data],
    ]),
  );
}

export function decodeSessionEstablishment(bytes: Uint8Array): SessionEstablishment {
  const m = decodeTop(bytes, 'SessionEstablishment');
  try {
    return {
      eReaderKey: asEmbedded(m.get('eReaderKey'), 'SessionEstablishment eReaderKey', 'SESSION_MESSAGE_INVALID'),
      data: asBytes(m.get('data'), 'SessionEstablishment data', 'SESSION_MESSAGE_INVALID'),
    };
  } catch (e) {
    return invalid((e as Error).message, e);
  }
}

export function encodeSessionData(message: SessionData): Uint8Array {
  const m = new Map<string, unknown>();
  if (message.data) m.set('data', message.data);
  if (message.status !== undefined) m.set('status', message.status);
  return encodeCbor(m);
}

export function decodeSessionData(bytes: Uint8Array): SessionData {
  const m = decodeTop(bytes, 'SessionData');
  const out: SessionData = {};
  try {
    if (m.has('data')) out.data = asBytes(m.get('data'), 'SessionData data', 'SESSION_MESSAGE_INVALID');
    if (m.has('status')) out.status = asInt(m.get('status'), 'SessionData status', 'SESSION_MESSAGE_INVALID');
  } catch (e) {
    return invalid((e as Error).message, e);
  }
  if (out.data === undefined && out.status === undefined) invalid('SessionData has neither data nor status');
  return out;
}
