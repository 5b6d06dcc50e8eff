/**
 * Comparing a name. Japanese names: NFKC, spaces and the katakana middle dot removed, then equal is
 * `match` and equal up to kanji variants is `variant`. Latin names (an mDL's given and family names,
 * a foreign resident's card): case-insensitive, in any order of their parts ("YAMADA Taro" is
 * "Taro Yamada"), and equal only once diacritics are dropped ("José"/"Jose") is `variant`.
 */
import { normalizeText, sameUpToVariants, type FieldResult } from './field-result.js';

const LATIN = /^[\p{Script=Latin}\p{M}\s'’.,-]+$/u;

export function compareName(reference: string, presented: string): FieldResult {
  const a = withoutSeparators(reference);
  const b = withoutSeparators(presented);
  if (a === '' || b === '') return 'mismatch';
  if (a === b) return 'match';
  const latinA = reference.normalize('NFKC');
  const latinB = presented.normalize('NFKC');
  if (LATIN.test(latinA) && LATIN.test(latinB)) {
    if (sameParts(parts(latinA), parts(latinB))) return 'match';
    if (sameParts(parts(withoutDiacritics(latinA)), parts(withoutDiacritics(latinB)))) return 'variant';
    return 'mismatch';
  }
  return sameUpToVariants(a, b) ? 'variant' : 'mismatch';
}

function withoutSeparators(name: string): string {
  return normalizeText(name).replace(/・/g, '');
}

function parts(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[\s,]+/u)
    .filter(Boolean)
    .sort();
}

function sameParts(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function withoutDiacritics(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
}
