import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KakuninError } from '../../src/codes/error.js';
import { FAILURE_CODES } from '../../src/codes/failure-codes.js';
import { httpStatusOf, KAKUNIN_CODES } from '../../src/codes/http-status.js';
import { REASON_CODES } from '../../src/service/verifications/reasons.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('one error model', () => {
  it('every code has one HTTP status, a client or server error', () => {
    expect(KAKUNIN_CODES.length).toBeGreaterThan(FAILURE_CODES.length);
    for (const code of KAKUNIN_CODES) {
      expect(httpStatusOf(code), code).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code), code).toBeLessThan(600);
    }
    expect([httpStatusOf('NONCE_REPLAYED'), httpStatusOf('REQUEST_EXPIRED'), httpStatusOf('RESPONSE_TOO_LARGE')]).toEqual([409, 410, 413]);
    expect([httpStatusOf('STORE_UNAVAILABLE'), httpStatusOf('RATE_LIMITED'), httpStatusOf('API_KEY_INVALID')]).toEqual([503, 429, 401]);
  });

  it('the verification failure codes and every reason text code are codes of the model', () => {
    for (const code of [...FAILURE_CODES, ...REASON_CODES]) expect(KAKUNIN_CODES, code).toContain(code);
  });

  it('every error class in src/ extends KakuninError, and no code is built from a template', () => {
    for (const file of sources('src')) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/class (\w+) extends (\w+)/g)) {
        if (/Error$|Refusal$|Unreadable$/.test(m[1]) && m[1] !== 'KakuninError') expect(m[2], `${file}: ${m[1]}`).not.toBe('Error');
      }
      expect(text, file).not.toMatch(/KakuninError\(`/);
    }
  });

  it('a KakuninError carries its code and cause', () => {
    const cause = new Error('below');
    const e = new KakuninError('FETCH_FAILED', 'list unreachable', { cause });
    expect([e.code, e.message, e.cause, e instanceof Error]).toEqual(['FETCH_FAILED', 'list unreachable', cause, true]);
  });
});
