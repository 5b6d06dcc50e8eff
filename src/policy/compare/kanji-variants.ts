/**
 * Kanji that the MJ縮退マップ relates on legal or standard grounds (JIS X 0213 包摂規準, the 法務省's
 * family-register notices, 告示582号別表第四): the table is mj-shrink-pairs.ts, made by
 * scripts/kanji-variants.ts. Read into a set the first time a comparison needs it.
 */
import { MJ_SHRINK_PAIRS } from './mj-shrink-pairs.js';

let pairs: Set<string> | undefined;

function table(): Set<string> {
  if (pairs) return pairs;
  const characters = [...MJ_SHRINK_PAIRS];
  pairs = new Set();
  for (let i = 0; i + 1 < characters.length; i += 2) pairs.add(characters[i] + characters[i + 1]);
  return pairs;
}

/** Whether two different characters are variants of each other (one direct link of the map). */
export function areKanjiVariants(a: string, b: string): boolean {
  if (a === b) return false;
  return table().has(a < b ? a + b : b + a);
}
