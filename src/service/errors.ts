/**
 * The HTTP API's refusals: a KakuninError whose status comes from the one code → status table
 * (codes/http-status.ts). The error handler answers every KakuninError that way; anything else
 * reaching it is our fault and becomes a 500 without details.
 */
import { KakuninError } from '../codes/error.js';
import type { KakuninCode } from '../codes/error-codes.js';
import { httpStatusOf } from '../codes/http-status.js';

export class ServiceError extends KakuninError {
  constructor(code: KakuninCode, message: string) {
    super(code, message);
    this.name = 'ServiceError';
  }

  get status(): number {
    return httpStatusOf(this.code);
  }
}

export const notFound = (what = 'verification') => new ServiceError('NOT_FOUND', `unknown ${what}`);
export const gone = () => new ServiceError('EXPIRED', 'this verification has expired');
export const conflict = () => new ServiceError('ALREADY_ANSWERED', 'this verification already has a response; the first one stands');
