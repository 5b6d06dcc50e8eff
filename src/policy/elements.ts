/**
 * Reading element values out of a verified document. Only issuer-signed elements count: a value
 * the device signed is the holder's own claim and decides nothing.
 */
import { FullDate } from '../cbor/index.js';
import type { DocumentResult } from '../mdoc/result.js';

export function issuerElement(document: DocumentResult, nameSpace: string, elementIdentifier: string): unknown {
  const ns = document.elements.issuerSigned[nameSpace];
  if (!ns || !Object.prototype.hasOwnProperty.call(ns, elementIdentifier)) return undefined;
  return ns[elementIdentifier];
}

/** A full-date (tag 1004 or a plain "YYYY-MM-DD" string) as {year, month, day}, or undefined. */
export function fullDateParts(value: unknown): { year: number; month: number; day: number } | undefined {
  const text = value instanceof FullDate ? value.value : typeof value === 'string' ? value : undefined;
  if (text === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return { year, month, day };
}

const calendars = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of `at` in `timeZone` (IANA name). Throws RangeError for an unknown zone. */
export function calendarDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  let f = calendars.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'gregory', numberingSystem: 'latn' });
    calendars.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

/**
 * Whole years between a birth date and `at`, on the calendar of `timeZone` (the verifier's: a
 * counter in Tokyo asks whether the customer is 20 today in Japan, whatever the UTC date). One turns
 * a year older at the start of the birthday, and someone born on 29 February on 1 March in common
 * years, which is how Japanese law (年齢計算ニ関スル法律: the age is reached when the day before the
 * birthday ends) and most US states count it.
 */
export function ageAt(birth: { year: number; month: number; day: number }, at: Date, timeZone = 'UTC'): number {
  const { year: y, month: m, day: d } = calendarDate(at, timeZone);
  let age = y - birth.year;
  if (m < birth.month || (m === birth.month && d < birth.day)) age -= 1;
  return age;
}

/** Element values a receipt or API may carry: strings, numbers, booleans; bytes as base64url. */
export function reportable(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof FullDate) return value.value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  return undefined;
}
