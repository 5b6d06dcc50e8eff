/**
 * Client errors of the HTTP API: a status and a stable code. Anything else reaching the error
 * handler is our fault and becomes a 500 without details.
 */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export const notFound = (what = 'verification') => new ServiceError(404, 'NOT_FOUND', `unknown ${what}`);
export const gone = () => new ServiceError(410, 'EXPIRED', 'this verification has expired');
export const conflict = () => new ServiceError(409, 'ALREADY_ANSWERED', 'this verification already has a response; the first one stands');
export const badRequest = (code: string, message: string) => new ServiceError(400, code, message);
