/**
 * API keys for the merchant-facing create call. Compared through SHA-256 digests with
 * timingSafeEqual so neither the key's length nor its prefix leaks through timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ServiceError } from '../errors.js';

/** The key a client sent, as "Authorization: Bearer <key>" or "X-API-Key". */
export function presentedApiKey(req: Request): string | undefined {
  const auth = req.get('authorization');
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : req.get('x-api-key');
}

/** The receipt audience without API keys (sandbox mode). */
export const SANDBOX_AUDIENCE = 'kakunin-client:sandbox';

/**
 * Who created a verification, as receipts name their audience: `kakunin-client:<kid>.<mac>`, where
 * mac is 128 bits of an HMAC-SHA-256 of the API key under a server secret (derived from the receipt
 * key) and kid names that secret. The receipt is public (the result view shows it): an unkeyed hash
 * of the key there let anyone test guesses offline, a keyed one says nothing without the secret.
 * Without API keys (sandbox mode), `kakunin-client:sandbox`.
 */
export class ReceiptAudience {
  private constructor(
    private readonly key: Buffer,
    /** Names the secret the audiences are computed under: it changes when the receipt key does. */
    readonly kid: string,
  ) {}

  /** `secret`: 32 bytes only the service holds; `kid`: a public name for it (the receipt key's kid). */
  static fromSecret(secret: Uint8Array, kid: string): ReceiptAudience {
    return new ReceiptAudience(Buffer.from(secret), kid.slice(0, 8));
  }

  of(apiKey: string | undefined): string {
    if (!apiKey) return SANDBOX_AUDIENCE;
    const mac = createHmac('sha256', this.key).update(`kakunin receipt audience\0${apiKey}`).digest().subarray(0, 16).toString('base64url');
    return `kakunin-client:${this.kid}.${mac}`;
  }
}

/**
 * Why an API key is too weak to guard the create call, or undefined. The rule: at least 32
 * characters, at least 8 different ones, and at least 128 bits as length x log2(the alphabet its
 * characters come from: 16 for hex, 10 digits, 26 lower case, 26 upper case, 33 other printable).
 * It refuses short keys, repeated characters and small alphabets; it cannot see that a long phrase
 * is made of words, so make keys at random (`kakunin keys init` makes 48 hex digits, 192 bits).
 */
export function apiKeyWeakness(key: string): string | undefined {
  if (key.length < API_KEY_MIN_LENGTH) return `shorter than ${API_KEY_MIN_LENGTH} characters (${key.length})`;
  const distinct = new Set(key).size;
  if (distinct < 8) return `only ${distinct} different characters`;
  const bits = key.length * Math.log2(alphabetOf(key));
  if (bits < API_KEY_MIN_BITS) return `about ${Math.floor(bits)} bits by its alphabet and length, below ${API_KEY_MIN_BITS}`;
  return undefined;
}

export const API_KEY_MIN_LENGTH = 32;
export const API_KEY_MIN_BITS = 128;

function alphabetOf(key: string): number {
  if (/^[0-9]+$/.test(key)) return 10;
  if (/^[0-9a-f]+$/.test(key) || /^[0-9A-F]+$/.test(key)) return 16;
  let size = 0;
  if (/[0-9]/.test(key)) size += 10;
  if (/[a-z]/.test(key)) size += 26;
  if (/[A-Z]/.test(key)) size += 26;
  if (/[^0-9a-zA-Z]/.test(key)) size += 33;
  return size;
}

/** Checks the API key; on success `res.locals.apiKey` is the key the caller presented (undefined without API keys). */
export function requireApiKey(keys: string[]): (req: Request, res: Response, next: NextFunction) => void {
  const digests = keys.map((k) => createHash('sha256').update(k).digest());
  return (req, res, next) => {
    if (digests.length === 0) return next();
    const presented = presentedApiKey(req);
    if (!presented) return next(new ServiceError('API_KEY_REQUIRED', 'send the API key as "Authorization: Bearer <key>" or "X-API-Key"'));
    const d = createHash('sha256').update(presented).digest();
    if (!digests.some((k) => timingSafeEqual(k, d))) return next(new ServiceError('API_KEY_INVALID', 'the API key is not valid'));
    res.locals.apiKey = presented;
    next();
  };
}
