/**
 * Failure codes of the protocol layer, added to the stable list of DESIGN.md. They describe what
 * went wrong with the envelope around a DeviceResponse; the DeviceResponse itself is judged by mdoc/.
 */
import { KakuninError } from '../codes/error.js';
import type { ProtocolFailureCode } from '../codes/error-codes.js';

export type { ProtocolFailureCode };

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
