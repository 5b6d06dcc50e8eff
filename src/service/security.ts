/**
 * Web security of the pages and the API, in one place:
 * - security headers on every answer, through helmet: a Content-Security-Policy that allows only this
 *   origin's scripts (inline scripts of our own pages by their SHA-256, computed at start), no
 *   framing, no plugins, no base-URI games; nosniff, no referrer, COOP, a Permissions-Policy that
 *   keeps the Digital Credentials API and drops the rest; HSTS when served over https;
 * - a token-bucket rate limit on creating verifications, per client IP and per API key.
 * CORS stays in app.ts, on the few routes a page on another origin needs.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { presentedApiKey } from './api-key.js';
import { ServiceError } from './errors.js';

/** SHA-256 sources of the inline <script> blocks of the HTML pages in `publicDir`. */
export function inlineScriptHashes(publicDir: string): string[] {
  const hashes = new Set<string>();
  let files: string[] = [];
  try {
    files = readdirSync(publicDir).filter((f) => f.endsWith('.html'));
  } catch {
    return [];
  }
  for (const f of files) {
    const html = readFileSync(join(publicDir, f), 'utf8');
    for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
      hashes.add(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

/** The CSP directives (helmet's form): only this origin's scripts, our inline ones by hash. */
export function cspDirectives(scriptHashes: string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'", ...scriptHashes],
    'style-src': ["'self'"],
    // The QR code is inline SVG; data: images cover what a page draws (a portrait shown to a clerk).
    'img-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/**
 * The security headers, set by helmet (the library Express services rely on for them) with our own
 * CSP. What helmet's defaults would get wrong here is turned off on purpose: no
 * upgrade-insecure-requests (the demo runs on http://localhost), Cross-Origin-Resource-Policy
 * cross-origin (merchants load kakunin.js from their own pages), HSTS only over https.
 * Permissions-Policy, which helmet does not set, keeps the Digital Credentials API and drops the rest.
 */
export function securityHeaders(options: { publicDir: string; https: boolean }): (req: Request, res: Response, next: NextFunction) => void {
  const guard = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(inlineScriptHashes(options.publicDir)) },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  const permissions = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()';
  return (req, res, next) => {
    res.set('permissions-policy', permissions);
    guard(req, res, next);
  };
}

export interface RateLimit {
  /** Requests allowed per minute (the bucket's size); 0 turns the limit off. */
  perMinute: number;
}

/**
 * Token buckets by key, refilled continuously at perMinute/60 per second. Kept in this process: with
 * several instances each enforces its own share (put the same limit at the load balancer for a hard
 * global cap). Buckets that are full again are dropped, so memory is bounded by recent clients.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, or the seconds to wait. */
  take(key: string): number {
    if (this.perMinute <= 0) return 0;
    const t = this.now();
    const rate = this.perMinute / 60_000; // tokens per ms
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.sweep(t, rate);
    return 0;
  }

  private sweep(t: number, rate: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (t - b.at) * rate >= this.perMinute) this.buckets.delete(k);
    // Still too many (an address-spraying flood): forget the oldest half rather than grow.
    if (this.buckets.size > this.maxKeys) for (const k of [...this.buckets.keys()].slice(0, this.buckets.size >> 1)) this.buckets.delete(k);
  }
}

function limited(res: Response, seconds: number, what: string): ServiceError {
  res.set('retry-after', String(seconds));
  return new ServiceError(429, 'RATE_LIMITED', `too many verifications created from this ${what}; retry in ${seconds} s`);
}

/** Per client IP (req.ip honours `trust proxy`, set to loopback/private proxies in app.ts). */
/** A token bucket per key that `keyOf` derives from the request (undefined: not limited). */
export function rateLimitBy(limit: RateLimit, what: string, keyOf: (req: Request) => string | undefined): (req: Request, res: Response, next: NextFunction) => void {
  const buckets = new TokenBuckets(limit.perMinute);
  return (req, res, next) => {
    const key = keyOf(req);
    if (key === undefined) return next();
    const wait = buckets.take(key);
    next(wait ? limited(res, wait, what) : undefined);
  };
}

export function rateLimitByIp(limit: RateLimit): (req: Request, res: Response, next: NextFunction) => void {
  return rateLimitBy(limit, 'address', (req) => req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/** Per API key, after the key was checked; keyed by a digest, so no key sits in memory as text. */
export function rateLimitByApiKey(limit: RateLimit): (req: Request, res: Response, next: NextFunction) => void {
  return rateLimitBy(limit, 'API key', (req) => {
    const presented = presentedApiKey(req);
    return presented === undefined ? undefined : createHash('sha256').update(presented).digest('base64url');
  });
}
