/**
 * public/municipalities.js: every shipped 全国地方公共団体コード carries the right check digit (a typo
 * in the table would name the wrong place), and codes describe as the page shows them.
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

type Municipalities = { describe(code: string): string; checkDigit(five: string): number; codes(): string[] };

function load(lang: 'ja' | 'en'): Municipalities {
  const window: Record<string, unknown> = { I18n: { lang } };
  runInNewContext(readFileSync(new URL('../../public/municipalities.js', import.meta.url), 'utf8'), { window });
  return window.Municipalities as Municipalities;
}

describe('全国地方公共団体コード table', () => {
  it('computes check digits as 総務省 does (10 gives 0, 11 gives 1), and every shipped code carries its own', () => {
    const m = load('ja');
    expect(m.checkDigit('13101')).toBe(6); // 千代田区 131016
    expect(m.checkDigit('13113')).toBe(0); // 渋谷区 131130
    expect(m.checkDigit('13118')).toBe(1); // 荒川区 131181
    // 1,741 municipalities and the 175 wards of the 20 designated cities.
    expect(m.codes()).toHaveLength(1916);
    for (const code of m.codes()) expect(Number(code[5]), code).toBe(m.checkDigit(code.slice(0, 5)));
    // Each prefecture has its municipalities, under its own two digits.
    for (let p = 1; p <= 47; p++)
      expect(
        m.codes().some((c) => Number(c.slice(0, 2)) === p),
        `prefecture ${p}`,
      ).toBe(true);
  });

  it('names a shipped municipality, falls back to the prefecture, and leaves anything else alone', () => {
    expect(load('ja').describe('131016')).toBe('東京都 千代田区 (131016)');
    expect(load('en').describe('13101')).toBe('Tokyo Chiyoda-ku (131016)');
    expect(load('ja').describe('011011')).toBe('北海道 札幌市中央区 (011011)');
    expect(load('en').describe('011011')).toBe('Hokkaido Sapporo-shi Chuo-ku (011011)');
    expect(load('en').describe('271004')).toBe('Osaka Osaka-shi (271004)');
    expect(load('ja').describe('01999')).toBe('北海道 (019992)'); // a well-formed code no municipality has
    expect(load('ja').describe('abc')).toBe('abc');
  });
});
