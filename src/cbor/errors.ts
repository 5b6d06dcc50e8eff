import { KakuninError } from '../codes/error.js';

/**
 * Input that is not the CBOR ISO 18013-5 allows (malformed, too deep, too large): code CBOR_MALFORMED.
 */
export class CborError extends KakuninError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CBOR_MALFORMED', message, options);
    this.name = 'CborError';
  }
}
