/**
 * The merchant checkout (/merchant.html) as a customer on a phone and at a desk sees it, in both
 * languages: it fits the screen, its title is in the page's language, and Japanese reads as
 * Japanese. Screenshots of each state at 390x844, 1024x768 and 1280x800 go to KAKUNIN_SCREENSHOTS
 * when it is set.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { REASON_CODES, reasonFor, type ReasonCode } from '../../src/service/verifications/reasons.js';
import { finalEvent, streamAnswers } from '../helpers/counter-events.js';
import { createFails, demoInChromium, testIdsOn, waitingWallet, withoutDcApi } from '../helpers/page-states.js';

const SIZES = { phone: { width: 390, height: 844 }, tablet: { width: 1024, height: 768 }, desk: { width: 1280, height: 800 } };
type Size = keyof typeof SIZES;
const LANGS = ['ja', 'en'] as const;
type Lang = (typeof LANGS)[number];
const shots = process.env.KAKUNIN_SCREENSHOTS;

const demo = demoInChromium();

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `checkout-${name}.png`) });
}

/** The checkout in `lang`; a phone has touch and a coarse pointer. */
async function open(lang: Lang, size: Size, init?: (page: Page) => Promise<unknown>): Promise<Page> {
  const phone = size === 'phone';
  const page = await demo.browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size], ...(phone ? { hasTouch: true, isMobile: true } : {}) });
  await page.addInitScript((l) => localStorage.setItem('kakunin.lang', l), lang);
  if (init) await init(page);
  await page.goto(`${demo.svc.url}/merchant.html`);
  await page.waitForLoadState('load');
  return page;
}

const pay = (page: Page) => page.locator('#pay').click();
const outcomeShown = (page: Page) => expect.poll(() => page.locator('#outcome').textContent(), { timeout: 10_000 }).not.toBe('');

/** Each state of the checkout: how the page gets there, from before it loads. */
const STATES: { state: string; init?: (page: Page) => Promise<unknown>; reach?: (page: Page) => Promise<unknown> }[] = [
  { state: 'opened' },
  { state: 'waiting', init: waitingWallet, reach: async (p) => (await pay(p), await p.locator('#browser-wallet').waitFor()) },
  { state: 'waiting-no-dcapi', init: withoutDcApi, reach: async (p) => (await pay(p), await p.locator('#verify').waitFor()) },
  { state: 'verified', init: (p) => streamAnswers(p, finalEvent('verified')), reach: async (p) => (await pay(p), await outcomeShown(p)) },
  { state: 'refused', init: (p) => streamAnswers(p, finalEvent('verified', false)), reach: async (p) => (await pay(p), await outcomeShown(p)) },
  { state: 'failed', init: (p) => streamAnswers(p, finalEvent('failed')), reach: async (p) => (await pay(p), await outcomeShown(p)) },
  { state: 'declined', init: (p) => streamAnswers(p, finalEvent('declined')), reach: async (p) => (await pay(p), await outcomeShown(p)) },
  { state: 'expired', init: (p) => streamAnswers(p, finalEvent('expired')), reach: async (p) => (await pay(p), await outcomeShown(p)) },
  { state: 'error', init: createFails, reach: async (p) => (await pay(p), await outcomeShown(p)) },
  { state: 'test', init: async (p) => (await testIdsOn(p), await streamAnswers(p, finalEvent('test'))), reach: async (p) => (await pay(p), await outcomeShown(p)) },
];

/** What sticks out of the viewport sideways: the page's scroll width, and each visible element past the right edge. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width) out.push(`page scrolls to ${document.documentElement.scrollWidth} px in ${width} px`);
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return out;
  });
}

describe('the checkout in every state, both languages', () => {
  for (const { state, init, reach } of STATES) {
    it(`${state}: no sideways scrolling at 390x844, the title in the page's language, Japanese without ". "`, async () => {
      for (const lang of LANGS) {
        const page = await open(lang, 'phone', init);
        if (reach) await reach(page);
        expect(await overflow(page), `${state} ${lang} phone`).toEqual([]);
        expect(await page.title()).toBe(lang === 'ja' ? '確認 — お買い物デモ' : 'kakunin — Checkout demo');
        if (lang === 'ja') {
          const text = await page.evaluate(() => document.body.innerText);
          expect(text, 'Japanese sentences end with 。, not ". "').not.toMatch(/\.\s/);
        }
        await shot(page, `${state}-${lang}-phone`);
        for (const size of ['tablet', 'desk'] as const) {
          await page.setViewportSize(SIZES[size]);
          expect(await overflow(page), `${state} ${lang} ${size}`).toEqual([]);
          await shot(page, `${state}-${lang}-${size}`);
        }
        await page.close();
      }
    }, 60_000);
  }

  it('the title follows the language switch', async () => {
    const page = await open('ja', 'desk');
    expect(await page.title()).toBe('確認 — お買い物デモ');
    await page.locator('#lang-en').click();
    expect(await page.title()).toBe('kakunin — Checkout demo');
    await page.locator('#lang-ja').click();
    expect(await page.title()).toBe('確認 — お買い物デモ');
    await page.close();
  });

  it('no Japanese word of the pages or of the service reasons mixes in ". "', () => {
    // The Japanese table of i18n.js: what any state of any page can show.
    const source = readFileSync(join(import.meta.dirname, '../../public/i18n.js'), 'utf8');
    const ja = source.slice(source.indexOf('ja: {'), source.indexOf('en: {'));
    const words = [...ja.matchAll(/'([^']*)'/g)].map((m) => m[1]!).concat(REASON_CODES.map((c) => reasonFor(c as ReasonCode).ja));
    expect(words.length).toBeGreaterThan(60);
    expect(words.filter((w) => /\.\s/.test(w))).toEqual([]);
  });
});
