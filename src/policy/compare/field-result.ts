/**
 * What comparing one field of the merchant's reference with the document gives: `match` (the same
 * after normalisation), `variant` (the same up to the differences a register of names tolerates:
 * kanji variants of the MJ縮退マップ, variation selectors, Latin diacritics) or `mismatch`. Only this
 * word leaves the comparison; the values never do.
 */
import { areKanjiVariants } from './kanji-variants.js';

/** How one field compared with the merchant's reference: the same, a variant spelling, or different. */
export type FieldResult = 'match' | 'variant' | 'mismatch';

/**
 * NFKC (full-width letters and digits, half-width kana, compatibility ideographs such as 﨑 U+FA11's
 * kin fold to one form), then every whitespace character removed: U+3000 (the ideographic space
 * written between family and given name) and the spaces of a Latin name alike.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(/[\s\u200B\u2060\uFEFF]/gu, '');
}

/** Unicode variation selectors (SVS U+FE00-FE0F, IVS U+E0100-E01EF): a glyph's choice, not a character. */
export function withoutVariationSelectors(text: string): string {
  return text.replace(/[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu, '');
}

/**
 * Two normalised strings that differ only by variation selectors, or character by character only
 * by pairs of kanji the MJ縮退マップ relates (髙/高, 﨑/崎, 邊/邉/辺, 齋/斎): one step per character,
 * never a chain of steps.
 */
export function sameUpToVariants(a: string, b: string): boolean {
  const x = [...withoutVariationSelectors(a)];
  const y = [...withoutVariationSelectors(b)];
  if (x.length !== y.length) return false;
  return x.every((c, i) => c === y[i] || areKanjiVariants(c, y[i]));
}
