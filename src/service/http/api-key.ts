/**
 * API keys for the merchant-facing create call. Compared through SHA-256 digests with
 * timingSafeEqual so neither the key's length nor its prefix leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ServiceError } from '../errors.js';

/** The key a client sent, as "Authorization: Bearer <key>" or "X-API-Key". */
export function presentedApiKey(req: Request): string | undefined {
  const auth = req.get('authorization');
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : req.get('x-api-key');
}

/**
 * Who created a verification, as receipts name their audience: `kakunin-client:` and the first
 * 16 hex digits of the SHA-256 of the API key (an identifier, not the key: 64 bits of a hash of a
 * random key say nothing about it). Without API keys (sandbox mode), `kakunin-client:sandbox`.
 */
export function clientIdOf(apiKey: string | undefined): string {
  return `kakunin-client:${apiKey ? createHash('sha256').update(apiKey).digest('hex').slice(0, 16) : 'sandbox'}`;
}

/** Checks the API key; on success `res.locals.client` is the caller's clientIdOf. */
export function requireApiKey(keys: string[]): (req: Request, res: Response, next: NextFunction) => void {
  const digests = keys.map((k) => createHash('sha256').update(k).digest());
  return (req, res, next) => {
    if (digests.length === 0) {
      res.locals.client = clientIdOf(undefined);
      return next();
    }
    const presented = presentedApiKey(req);
    if (!presented) return next(new ServiceError('API_KEY_REQUIRED', 'send the API key as "Authorization: Bearer <key>" or "X-API-Key"'));
    const d = createHash('sha256').update(presented).digest();
    if (!digests.some((k) => timingSafeEqual(k, d))) return next(new ServiceError('API_KEY_INVALID', 'the API key is not valid'));
    res.locals.client = clientIdOf(presented);
    next();
  };
}
