/** scripts/municipalities.ts: the romanisation of municipality readings for the English page. */
import { describe, expect, it } from 'vitest';
import { romanize } from '../../scripts/municipalities.js';

describe('romanize (modified Hepburn, no macrons)', () => {
  it.each([
    ['ちゅうおう', 'chuo'],
    ['おおさか', 'osaka'],
    ['さっぽろ', 'sapporo'],
    ['はっちょう', 'hatcho'],
    ['しんじゅく', 'shinjuku'],
    ['きょうと', 'kyoto'],
    ['じょうえつ', 'joetsu'],
    ['ぎふ', 'gifu'],
    ['つるが', 'tsuruga'],
    ['くんねっぷ', 'kunneppu'],
  ])('%s -> %s', (kana, roman) => expect(romanize(kana)).toBe(roman));

  it('refuses a character it has no rule for rather than guess', () => {
    expect(() => romanize('ゔぁ')).toThrow(/no romanisation/);
  });
});
