/**
 * Every verification failure has a stable code (DESIGN.md). This error carries one so that a
 * failure deep in a parser surfaces as that code, never as a bare exception.
 */
export class KakuninError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KakuninError';
    this.code = code;
  }
}

/**
 * Input that is not the CBOR ISO 18013-5 allows (malformed, too deep, too large): code CBOR_MALFORMED.
 */
export class CborError extends KakuninError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CBOR_MALFORMED', message, options);
    this.name = 'CborError';
  }
}
