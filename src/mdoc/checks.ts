/**
 * The list of named checks a document goes through (ISO 18013-5 §9.3.1's checklist, as CheckResult
 * entries): each passes, fails with a failure code, or could not run (and so keeps the document from
 * being valid).
 */
import { KakuninError } from '../codes/error.js';
import type { CheckName, CheckResult, FailureCode } from './result.js';

export class Checks {
  readonly list: CheckResult[] = [];
  pass(check: CheckName, message?: string): void {
    this.list.push(message ? { check, status: 'pass', message } : { check, status: 'pass' });
  }
  fail(check: CheckName, code: FailureCode, message: string): void {
    this.list.push({ check, status: 'fail', code, message });
  }
  notRun(check: CheckName, code: FailureCode, message: string): void {
    this.list.push({ check, status: 'not_run', code, message });
  }
  /** Runs `fn`: it passes with the message `fn` returns, and anything `fn` throws fails it with `code`. */
  run(check: CheckName, code: FailureCode, fn: () => string | void): boolean {
    try {
      const msg = fn();
      this.pass(check, msg || undefined);
      return true;
    } catch (e) {
      this.fail(check, code, e instanceof Error ? e.message : String(e));
      return false;
    }
  }
}

/** Throws the failure `code` inside Checks.run. */
export function fail(code: FailureCode, message: string): never {
  throw new KakuninError(code, message);
}

const twoDigits = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Dates as the result reports them: ISO 8601 without zero milliseconds. Written from the UTC fields
 * for whole seconds in years 0-9999 (every MSO date): V8's toISOString took three times as long,
 * and a verification writes three or four. Anything else (milliseconds, extended years, an invalid
 * date, which throws) goes through toISOString. */
export function iso(d: Date): string {
  const y = d.getUTCFullYear();
  if (!(y >= 0 && y <= 9999) || d.getUTCMilliseconds() !== 0) return d.toISOString().replace('.000Z', 'Z');
  const year = y < 1000 ? String(y).padStart(4, '0') : String(y);
  return `${year}-${twoDigits(d.getUTCMonth() + 1)}-${twoDigits(d.getUTCDate())}T${twoDigits(d.getUTCHours())}:${twoDigits(d.getUTCMinutes())}:${twoDigits(d.getUTCSeconds())}Z`;
}
