import type { KakuninCode } from './error-codes.js';

/**
 * The one error kakunin throws: a typed `code` (for programs; the HTTP status and the reason text
 * are looked up by it, see codes/http-status.ts) and a message (for people). Every layer's errors
 * extend it; anything else that escapes is a defect and is reported as INTERNAL.
 *
 * @example
 * ```ts
 * import { KakuninError, loadTrustStore } from 'kakunin';
 * try {
 *   loadTrustStore(['./iaca']);
 * } catch (e) {
 *   if (e instanceof KakuninError) console.log(e.code); // e.g. TRUST_STORE_INVALID
 * }
 * ```
 */
export class KakuninError extends Error {
  readonly code: KakuninCode;
  constructor(code: KakuninCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KakuninError';
    this.code = code;
  }
}
