import { describe, expect, it } from 'vitest';
import { FullDate } from '../../src/cbor/index.js';
import { areKanjiVariants, compareAddress, compareBirthDate, compareName, isCalendarDate, normalizeAddress } from '../../src/policy/compare/index.js';
import { MJ_SHRINK_PAIRS } from '../../src/policy/compare/mj-shrink-pairs.js';

describe('names', () => {
  it.each([
    // [reference, presented, result]
    ['山田太郎', '山田太郎', 'match'],
    ['山田 太郎', '山田　太郎', 'match'],
    ['山田　太郎', '山田太郎', 'match'],
    ['ヤマダ タロウ', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'match'],
    ['スミス・ジョン', 'スミス ジョン', 'match'],
    ['髙橋一郎', '高橋一郎', 'variant'],
    ['山﨑花子', '山崎花子', 'variant'],
    ['渡邊健', '渡辺健', 'variant'],
    ['渡邉健', '渡邊健', 'variant'],
    ['齋藤優', '斎藤優', 'variant'],
    ['濱田光', '浜田光', 'variant'],
    ['辻\u{E0100}本', '辻本', 'variant'],
    ['山田太郎', '山田次郎', 'mismatch'],
    ['山田太郎', '山田太', 'mismatch'],
    ['渡辺健', '渡健', 'mismatch'],
    ['藤田', '籐田', 'mismatch'],
    ['山田太郎', 'ヤマダタロウ', 'mismatch'],
    ['', '山田太郎', 'mismatch'],
    ['Taro Yamada', 'TARO YAMADA', 'match'],
    ['Taro Yamada', 'YAMADA Taro', 'match'],
    ['Yamada, Taro', 'Taro Yamada', 'match'],
    ['Ｔａｒｏ　Ｙａｍａｄａ', 'taro yamada', 'match'],
    ['José García', 'JOSE GARCIA', 'variant'],
    ['Jose Garcia', 'Jose Garcias', 'mismatch'],
    ['Taro Yamada', 'Taro', 'mismatch'],
  ])('%s / %s: %s', (reference, presented, result) => {
    expect(compareName(reference, presented)).toBe(result);
  });
});

describe('birth dates, as dates', () => {
  it.each([
    ['1990-04-01', new FullDate('1990-04-01'), 'match'],
    ['1990-04-01', '1990-04-01', 'match'],
    ['1990-04-01', new Date('1990-04-01T00:00:00Z'), 'match'],
    ['1990-04-01', new FullDate('1990-04-02'), 'mismatch'],
    ['1990-04-01', new FullDate('1991-04-01'), 'mismatch'],
    ['1990-02-30', new FullDate('1990-03-02'), 'mismatch'],
  ] as const)('%s / %s: %s', (reference, presented, result) => {
    expect(compareBirthDate(reference, presented)).toBe(result);
  });

  it('a value that is not a date at all is missing, not a mismatch', () => {
    expect(compareBirthDate('1990-04-01', 19900401)).toBeUndefined();
    expect(compareBirthDate('1990-04-01', 'April 1, 1990')).toBeUndefined();
  });

  it.each([
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2001-02-29', false],
    ['2000-13-01', false],
    ['2000-1-1', false],
    ['0050-01-01', false],
  ])('calendar date %s: %s', (text, ok) => {
    expect(isCalendarDate(text)).toBe(ok);
  });
});

describe('addresses', () => {
  it.each([
    ['東京都千代田区霞が関1-2-3', '東京都千代田区霞が関1-2-3', 'match'],
    ['東京都千代田区霞が関一丁目２番３号', '千代田区霞ヶ関1-2-3', 'match'],
    ['東京都千代田区霞ケ関1‐2‐3', '東京都 千代田区 霞が関 １－２－３', 'match'],
    ['千代田区霞が関1丁目2番地3', '東京都千代田区霞が関1-2-3', 'match'],
    ['大阪府大阪市北区梅田三丁目一番一号', '大阪市北区梅田3ー1ー1', 'match'],
    ['札幌市中央区北一条西二丁目', '北海道札幌市中央区北1条西2丁目', 'match'],
    ['八王子市元本郷町三丁目二十四番一号', '東京都八王子市元本郷町3-24-1', 'match'],
    ['千代田区九段南一丁目二番一号', '千代田区九段南1-2-1', 'match'],
    ['大字上野一〇二番地', '上野102', 'match'],
    ['東京都千代田区霞が関1-2-3', '大阪府千代田区霞が関1-2-3', 'mismatch'],
    ['神奈川県川﨑市中原区1-2', '神奈川県川崎市中原区1-2', 'variant'],
    ['東京都千代田区霞が関1-2-3', '東京都千代田区霞が関1-2-4', 'mismatch'],
    ['東京都千代田区霞が関1-2-3', '東京都千代田区霞が関1-2-3メゾン霞101', 'mismatch'],
    ['東京都千代田区霞が関1-2-3', '', 'mismatch'],
  ])('%s / %s: %s', (reference, presented, result) => {
    expect(compareAddress(reference, presented)).toBe(result);
  });

  it('keeps the numbers that are part of a place name', () => {
    expect(normalizeAddress('東京都八王子市九段四谷').rest).toBe('八王子市九段四谷');
    expect(normalizeAddress('東京都千代田区一番町二十三番地の五')).toEqual({ prefecture: '東京都', rest: '千代田区1-町23-5' });
  });
});

describe('the MJ縮退マップ table', () => {
  it('holds whole pairs of single characters, each pair once and in order', () => {
    const characters = [...MJ_SHRINK_PAIRS];
    expect(characters.length % 2).toBe(0);
    expect(characters.length / 2).toBeGreaterThan(20_000);
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (let i = 0; i < characters.length; i += 2) {
      const [a, b] = [characters[i], characters[i + 1]];
      if (!(a < b) || seen.has(a + b)) wrong.push(a + b);
      seen.add(a + b);
    }
    expect(wrong).toEqual([]);
  });

  it('relates variants both ways and nothing to itself', () => {
    expect(areKanjiVariants('髙', '高')).toBe(true);
    expect(areKanjiVariants('高', '髙')).toBe(true);
    expect(areKanjiVariants('高', '高')).toBe(false);
    expect(areKanjiVariants('高', '橋')).toBe(false);
  });
});
