/**
 * Comparing a Japanese address, normalised first because the same place is written many ways:
 * 「東京都千代田区霞が関一丁目２番３号」 is 「千代田区霞ヶ関1-2-3」. The rules, in order:
 *  1. NFKC (full-width digits and letters, half-width kana) and every space removed;
 *  2. kanji numerals that count something (before 丁目, 番, 番地, 号, 条, 地割, a hyphen or at the
 *     end) become digits: 一 -> 1, 二十三 -> 23, 一〇二 -> 102; place names keep theirs (八王子,
 *     九段, 四谷);
 *  3. 丁目, 番, 番地 and の between numbers become a hyphen, a final 号 goes: 1丁目2番3号 -> 1-2-3;
 *  4. hyphen look-alikes (‐ ‑ ‒ – — ― − ─ ━, and ー after a digit) become "-";
 *  5. ヶ ケ ヵ が ガ between two kanji are one character (霞が関, 霞ヶ関, 霞ケ関);
 *  6. 大字 is dropped;
 *  7. the 都道府県 is optional: compared when both name one, ignored when only one does.
 * Equal after these is `match`; equal up to kanji variants (MJ縮退マップ) is `variant`. What is not
 * handled (a building name on one side only, 字 names, old 番地 renumbered) is a `mismatch`: the
 * merchant then asks the customer, which is the safe way round.
 *
 * Why not @geolonia/normalize-japanese-addresses: it resolves addresses against its address
 * database, which it fetches over HTTP while it runs (or reads from a local copy of that API's
 * files, which no package ships); a verifier does not call out to a third party with a customer's
 * address, and this machine cannot fetch it. The rules above are the part of its work that needs
 * no database.
 */
import { normalizeText, sameUpToVariants, type FieldResult } from './field-result.js';

const PREFECTURES = [
  '北海道',
  '青森県',
  '岩手県',
  '宮城県',
  '秋田県',
  '山形県',
  '福島県',
  '茨城県',
  '栃木県',
  '群馬県',
  '埼玉県',
  '千葉県',
  '東京都',
  '神奈川県',
  '新潟県',
  '富山県',
  '石川県',
  '福井県',
  '山梨県',
  '長野県',
  '岐阜県',
  '静岡県',
  '愛知県',
  '三重県',
  '滋賀県',
  '京都府',
  '大阪府',
  '兵庫県',
  '奈良県',
  '和歌山県',
  '鳥取県',
  '島根県',
  '岡山県',
  '広島県',
  '山口県',
  '徳島県',
  '香川県',
  '愛媛県',
  '高知県',
  '福岡県',
  '佐賀県',
  '長崎県',
  '熊本県',
  '大分県',
  '宮崎県',
  '鹿児島県',
  '沖縄県',
];

const DIGIT: Record<string, number> = { 〇: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const KANJI_NUMBER = /[〇一二三四五六七八九十百千]+(?=丁目|番|号|条|地割|-|$)/gu;

export function compareAddress(reference: string, presented: string): FieldResult {
  const a = normalizeAddress(reference);
  const b = normalizeAddress(presented);
  if (a.rest === '' || b.rest === '') return 'mismatch';
  if (a.prefecture && b.prefecture && a.prefecture !== b.prefecture) return 'mismatch';
  if (a.rest === b.rest) return 'match';
  return sameUpToVariants(a.rest, b.rest) ? 'variant' : 'mismatch';
}

/** The address after rules 1-7: its 都道府県 if it names one, and the rest. */
export function normalizeAddress(address: string): { prefecture?: string; rest: string } {
  let s = normalizeText(address);
  s = s.replace(/[‐‑‒–—―−─━]/gu, '-');
  s = s.replace(KANJI_NUMBER, (run) => String(kanjiNumber(run)));
  s = s.replace(/(\d)ー/gu, '$1-');
  s = s
    .replace(/(\d+)丁目/gu, '$1-')
    .replace(/(\d+)番地?の?/gu, '$1-')
    .replace(/(\d+)号/gu, '$1')
    .replace(/(\d)の(?=\d)/gu, '$1-');
  s = s.replace(/-+/gu, '-').replace(/^-|-$/gu, '');
  s = s.replace(/(?<=\p{Script=Han})[ヶケヵがガ](?=\p{Script=Han})/gu, 'ケ');
  s = s.replace(/大字/gu, '');
  const prefecture = PREFECTURES.find((p) => s.startsWith(p));
  return prefecture ? { prefecture, rest: s.slice(prefecture.length) } : { rest: s };
}

/** 二十三 -> 23, 百五 -> 105, 一〇二 -> 102 (digits written one by one when there is no unit). */
function kanjiNumber(run: string): number {
  if (!/[十百千]/u.test(run)) return Number([...run].map((c) => DIGIT[c]).join(''));
  let total = 0;
  let digit = 0;
  for (const c of run) {
    if (c in UNIT) {
      total += (digit || 1) * UNIT[c];
      digit = 0;
    } else digit = DIGIT[c];
  }
  return total + digit;
}
