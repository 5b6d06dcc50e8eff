/**
 * Web security of the pages and the API, in one place:
 * - security headers on every answer, through helmet: a Content-Security-Policy that allows only this
 *   origin's scripts (inline scripts of our own pages by their SHA-256, computed at start), no
 *   framing, no plugins, no base-URI games; nosniff, no referrer, COOP, a Permissions-Policy that
 *   keeps the Digital Credentials API and drops the rest; HSTS when served over https;
 * CORS stays in app.ts, on the few routes a page on another origin needs; rate limits are in
 * rate-limits.ts.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/** SHA-256 sources of the inline <script> blocks of the HTML pages in `publicDir`. */
export function inlineScriptHashes(publicDir: string): string[] {
  const hashes = new Set<string>();
  let files: string[];
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
