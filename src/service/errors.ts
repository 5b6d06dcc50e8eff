/**
 * The HTTP API's refusals: a KakuninError, answered with the status the one code → status table
 * (codes/http-status.ts) gives its code, as every KakuninError is; anything else reaching the error
 * handler is our fault and becomes a 500 without details.
 */
import { KakuninError } from '../codes/error.js';
import type { KakuninCode } from '../codes/error-codes.js';
import { httpStatusOf } from '../codes/http-status.js';

export class ServiceError extends KakuninError {
  constructor(code: KakuninCode, message: string) {
    super(code, message);
    this.name = 'ServiceError';
  }

  /** The status it is answered with (for callers and tests that hold the error itself). */
  get status(): number {
    return httpStatusOf(this.code);
  }
}

export const notFound = (what = 'verification') => new ServiceError('NOT_FOUND', `unknown ${what}`);
export const gone = () => new ServiceError('EXPIRED', 'this verification has expired');
export const conflict = () => new ServiceError('ALREADY_ANSWERED', 'this verification already has a response; the first one stands');
/** Redis (or its command timeout) failed: 503 with Retry-After, which clients retry. */
export const storeUnavailable = () => new ServiceError('STORE_UNAVAILABLE', 'the session store is unavailable; retry shortly');
