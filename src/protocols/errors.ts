/**
 * Failure codes of the protocol layer, added to the stable list of DESIGN.md. They describe what
 * went wrong with the envelope around a DeviceResponse; the DeviceResponse itself is judged by mdoc/.
 */
import { KakuninError } from '../codes/error.js';
import type { ProtocolFailureCode } from '../codes/error-codes.js';

export type { ProtocolFailureCode };

/**
 * An answer or request a protocol refuses (malformed, replayed, expired, not what was asked), with a failure code.
 *
 * @example
 * ```ts
 * import { ProtocolError, receiveDirectPost, type RequestStateStore, type TrustStore } from 'kakunin';
 * declare const store: RequestStateStore;
 * declare const trust: TrustStore;
 * declare const id: string;
 * declare const body: Record<string, string>;
 * try {
 *   await receiveDirectPost({ id, body, trust, at: new Date(), store });
 * } catch (e) {
 *   if (e instanceof ProtocolError && e.code === 'NONCE_REPLAYED') console.log('answered already');
 *   else throw e;
 * }
 * ```
 */
export class ProtocolError extends KakuninError {
  constructor(code: ProtocolFailureCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/**
 * The wallet answered with an OpenID4VP error response instead of a presentation (§8.5 by
 * direct_post; over the Digital Credentials API, Appendix A.4: a fulfilled call whose `data` is
 * `{error}`): the person or the wallet said no, and `error` says which (access_denied: the holder
 * refused or holds no such credential; others: the wallet could not answer this request). Thrown
 * before any request state is used up.
 */
export class WalletErrorResponse extends ProtocolError {
  /** The wallet's error code as sent (at most 64 characters), e.g. access_denied. */
  readonly error: string;
  constructor(error: string) {
    super('WALLET_ERROR', `the wallet answered with error ${error.slice(0, 64)}`);
    this.name = 'WalletErrorResponse';
    this.error = error.slice(0, 64);
  }
}

/**
 * The one base64url decoder for what arrives from outside (JWE parts, vp_token entries, DC API data):
 * canonical only (RFC 4648 §3.5, RFC 7515 §2: the URL alphabet, no padding, no length of 4k+1, zero
 * trailing bits), so that one value has one spelling and an answer no "twins" that decode alike.
 * Node's own decoder skips what it cannot read and ignores leftover bits.
 */
export function b64uDecode(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) {
    throw new ProtocolError('RESPONSE_MALFORMED', `${what} is not a base64url string`);
  }
  const bytes = Buffer.from(s, 'base64url');
  // Only the canonical spelling encodes back to itself (the trailing bits of the last character are zero).
  if (bytes.toString('base64url') !== s) throw new ProtocolError('RESPONSE_MALFORMED', `${what} is not canonical base64url (non-zero trailing bits)`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
