/**
 * Comparing a birth date as a date: the reference is "YYYY-MM-DD"; the document's is a full-date
 * (tag 1004), its text, or a tdate. Two dates are the same day or they are not: `match` or
 * `mismatch`, never `variant`.
 */
import { FullDate } from '../../cbor/index.js';
import type { FieldResult } from './field-result.js';

/** Whether `text` is a real calendar date written YYYY-MM-DD (2000-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  return dayOf(text) !== undefined;
}

/** The result, or undefined when the document's value is not a date at all (treated as missing). */
export function compareBirthDate(reference: string, presented: unknown): FieldResult | undefined {
  const text = presented instanceof FullDate ? presented.value : presented instanceof Date ? presented.toISOString().slice(0, 10) : presented;
  if (typeof text !== 'string') return undefined;
  const theirs = dayOf(text);
  const ours = dayOf(reference);
  if (theirs === undefined) return undefined;
  return ours !== undefined && ours === theirs ? 'match' : 'mismatch';
}

/** Days since 1970-01-01 of a valid YYYY-MM-DD, or undefined. */
function dayOf(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const date = new Date(t);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return t / 86_400_000;
}
