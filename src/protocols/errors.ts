/**
 * Failure codes of the protocol layer, added to the stable list of DESIGN.md. They describe what
 * went wrong with the envelope around a DeviceResponse; the DeviceResponse itself is judged by mdoc/.
 */
import { KakuninError } from '../cbor/index.js';

export type ProtocolFailureCode =
  /** HPKE or JWE could not be opened: wrong key, wrong transcript (info), tampered ciphertext. */
  | 'RESPONSE_DECRYPTION_FAILED'
  /** The response envelope is not what the protocol defines (bad JSON, bad base64url, bad structure). */
  | 'RESPONSE_MALFORMED'
  /** The request state (nonce) is unknown, was already used, or has expired. */
  | 'NONCE_REPLAYED'
  | 'REQUEST_EXPIRED'
  /** The response names a protocol this request did not offer. */
  | 'PROTOCOL_UNSUPPORTED'
  /** The response is larger than the configured limit. */
  | 'RESPONSE_TOO_LARGE'
  /** The JWE header does not match the key, alg or enc the request offered. */
  | 'RESPONSE_ENCRYPTION_MISMATCH'
  /** The wallet answered with an OpenID4VP error object. */
  | 'WALLET_ERROR'
  /** Bad parameters given to us (CLI flags, key files). */
  | 'INVALID_ARGUMENT';

/**
 * An answer or request a protocol refuses (malformed, replayed, expired, not what was asked), with a failure code.
 */
export class ProtocolError extends KakuninError {
  constructor(code: ProtocolFailureCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

export function b64uDecode(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) {
    throw new ProtocolError('RESPONSE_MALFORMED', `${what} is not a base64url string`);
  }
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

export const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
