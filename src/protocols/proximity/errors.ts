/**
 * Errors of the in-person flow. Each has a stable code so that the CLI, the service and tests can
 * tell an unreadable QR from a wallet that walked away.
 */
import { KakuninError } from '../../codes/error.js';
import type { ProximityErrorCode } from '../../codes/error-codes.js';

export type { ProximityErrorCode };

export class ProximityError extends KakuninError {
  declare readonly code: ProximityErrorCode;
  constructor(code: ProximityErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProximityError';
  }
}
