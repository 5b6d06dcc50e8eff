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
const outcomeShown = (page: Page) => page.locator('#outcome').waitFor({ state: 'visible', timeout: 10_000 });

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
        // Each size opened as such: a phone (touch, narrow) gets the wallet link, a desk the QR code.
        for (const size of Object.keys(SIZES) as Size[]) {
          const page = await open(lang, size, init);
          if (reach) await reach(page);
          expect(await overflow(page), `${state} ${lang} ${size}`).toEqual([]);
          // Cancel, while it waits, is on screen without scrolling.
          if (await page.locator('#cancel').isVisible()) expect((await page.locator('#cancel').boundingBox())!.y + 50).toBeLessThanOrEqual(SIZES[size].height);
          expect(await page.title()).toBe(lang === 'ja' ? '確認 — お買い物デモ' : 'kakunin — Checkout demo');
          if (lang === 'ja') {
            const text = await page.evaluate(() => document.body.innerText);
            expect(text, 'Japanese sentences end with 。, not ". "').not.toMatch(/\.\s/);
          }
          await shot(page, `${state}-${lang}-${size}`);
          await page.close();
        }
      }
    }, 120_000);
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
    const words = [...ja.matchAll(/'([^']*)'/g)].map((m) => m[1]).concat(REASON_CODES.map((c) => reasonFor(c as ReasonCode).ja));
    expect(words.length).toBeGreaterThan(60);
    expect(words.filter((w) => /\.\s/.test(w))).toEqual([]);
  });
});

/** WCAG 2 contrast of two rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = css
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map((v) => {
        const c = Number(v) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Each final outcome: its look (the background it is painted on), whether Buy is offered again, and whether a receipt came with it. */
const OUTCOMES: { state: string; init: (page: Page) => Promise<unknown>; look: string; again: boolean; receipt: boolean }[] = [
  { state: 'verified', init: (p) => streamAnswers(p, finalEvent('verified')), look: 'rgb(15, 122, 46)', again: false, receipt: true },
  { state: 'refused', init: (p) => streamAnswers(p, finalEvent('verified', false)), look: 'rgb(198, 40, 40)', again: false, receipt: true },
  { state: 'failed', init: (p) => streamAnswers(p, finalEvent('failed')), look: 'rgb(138, 90, 0)', again: true, receipt: true },
  { state: 'declined', init: (p) => streamAnswers(p, finalEvent('declined')), look: 'rgb(138, 90, 0)', again: true, receipt: false },
  { state: 'expired', init: (p) => streamAnswers(p, finalEvent('expired')), look: 'rgb(138, 90, 0)', again: true, receipt: false },
  { state: 'error', init: createFails, look: 'rgb(138, 90, 0)', again: true, receipt: false },
  { state: 'test', init: async (p) => (await testIdsOn(p), await streamAnswers(p, finalEvent('test'))), look: 'gradient', again: true, receipt: true },
];

describe('every outcome a customer can meet: a colour, a mark, and what to do now', () => {
  for (const o of OUTCOMES) {
    it(`${o.state}: painted as its kind, with a mark and a next step; the receipt JSON folded away for developers`, async () => {
      for (const lang of LANGS) {
        const page = await open(lang, 'phone', o.init);
        await pay(page);
        const box = page.locator('#outcome');
        await box.waitFor({ state: 'visible', timeout: 10_000 });
        const look = await box.evaluate((el) => {
          const style = getComputedStyle(el);
          return { background: style.backgroundColor, image: style.backgroundImage, colour: style.color };
        });
        if (o.look === 'gradient') expect(look.image).toContain('repeating-linear-gradient');
        else {
          expect(look.background, `${o.state} ${lang}`).toBe(o.look);
          expect(contrast(look.colour, look.background)).toBeGreaterThanOrEqual(4.5);
        }
        expect((await page.locator('#outcome-mark').textContent())?.trim(), 'a mark').not.toBe('');
        expect(await page.locator('#outcome-headline').isVisible()).toBe(true);
        const next = page.locator('#outcome-next');
        expect(await next.isVisible(), 'a sentence saying what to do').toBe(true);
        expect((await next.textContent())!.length).toBeGreaterThan(10);
        // The box is on screen, whole.
        const rect = (await box.boundingBox())!;
        expect(rect.x).toBeGreaterThanOrEqual(0);
        expect(rect.x + rect.width).toBeLessThanOrEqual(390);
        expect(await page.locator('#pay').isEnabled(), 'Buy offered again').toBe(o.again);
        // The receipt is for developers: at most a folded toggle, its JSON not on the customer's screen.
        expect(await page.locator('#receipt').isVisible()).toBe(false);
        expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/"outcome"|eyJ/);
        expect(await page.locator('#receipt-box summary').isVisible()).toBe(o.receipt);
        await page.close();
      }
    }, 60_000);
  }
});

describe('a phone without the Digital Credentials API', () => {
  it('waits with a status, a countdown, the wallet link, a fallback line and a cancel that gives Buy back', async () => {
    const page = await open('ja', 'phone', withoutDcApi);
    await pay(page);
    await page.locator('#verify').waitFor();
    expect(await page.locator('#verify-status').textContent()).toContain('「ウォレットアプリで開く」を押し');
    expect(await page.locator('#verify-countdown').textContent()).toMatch(/^残り [45]分\d\d秒$/);
    const link = page.getByRole('link', { name: 'ウォレットアプリで開く' });
    expect(await link.isVisible()).toBe(true);
    expect(await link.getAttribute('href')).toMatch(/^openid4vp:\/\/\?client_id=/);
    expect(await page.locator('#fallback').isVisible()).toBe(true);
    expect(await page.locator('#fallback').textContent()).toContain('ウォレットアプリが開かないときは');
    expect(await page.locator('#qr').isVisible()).toBe(false);
    expect(await overflow(page)).toEqual([]);
    // Cancel: the check ends as the page's doing (not the customer's wallet refusing), and Buy is back at once.
    const declined = page.waitForResponse((r) => r.url().endsWith('/decline'));
    await page.getByRole('button', { name: '中止' }).click();
    const id = new URL((await declined).url()).pathname.split('/')[3];
    expect(await page.locator('#verify').isHidden()).toBe(true);
    expect(await page.locator('#pay').isEnabled()).toBe(true);
    const result = (await (await fetch(`${demo.svc.url}/v1/verifications/${id}`)).json()) as { state: string; reason: { code: string } };
    expect(result).toMatchObject({ state: 'declined', reason: { code: 'CANCELLED_BY_VERIFIER' } });
    await page.close();
  });

  it("the wallet's redirect brings the customer back; the page shows the result only for its response code, once", async () => {
    const context = await demo.browser.newContext({ locale: 'en-US', viewport: SIZES.phone, hasTouch: true, isMobile: true });
    await context.addInitScript(() => {
      localStorage.setItem('kakunin.lang', 'en');
      delete (window as unknown as { DigitalCredential?: unknown }).DigitalCredential;
    });
    const shop = await context.newPage();
    await shop.goto(`${demo.svc.url}/merchant.html`);
    await pay(shop);
    // The link shows once the verification is made (a slow machine's click returns before that).
    await shop.locator('#wallet-link[href]').waitFor();
    const uri = (await shop.locator('#wallet-link').getAttribute('href'))!;
    const kept = await shop.evaluate(() => localStorage.getItem('kakunin.checkout'));
    // The wallet app (the sandbox wallet) answers, and is told where to send the customer's browser.
    const scan = (await (await fetch(`${demo.svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri }) })).json()) as {
      redirect_uri: string;
    };
    // The whole answer in the message: a wallet that could not answer has no redirect_uri to match.
    expect(typeof scan.redirect_uri, `the sandbox wallet answered ${JSON.stringify(scan)}`).toBe('string');
    expect(scan.redirect_uri, `the sandbox wallet answered ${JSON.stringify(scan)}`).toMatch(new RegExp(`^${demo.svc.url}/merchant.html#response_code=[A-Za-z0-9_-]{22}$`));
    // The browser opens it (in a new tab, as a phone's wallet does): the page redeems the code first.
    const back = await context.newPage();
    const redeemed = back.waitForResponse((r) => r.url().endsWith('/response-code'));
    await back.goto(scan.redirect_uri);
    expect((await redeemed).status()).toBe(200);
    await back.locator('#outcome.ok').waitFor({ timeout: 10_000 });
    expect(await back.locator('#outcome-headline').textContent()).toBe('Thank you for your purchase');
    expect(new URL(back.url()).hash, 'the code leaves the address bar').toBe('');
    await shot(back, 'back-from-wallet-en-phone');
    // The same code again (a replayed link, with the verification still kept): the service refuses it,
    // and the page does not sell on it.
    const replay = await context.newPage();
    await replay.goto(`${demo.svc.url}/merchant.html`);
    await replay.evaluate((kept) => localStorage.setItem('kakunin.checkout', kept), kept!);
    const refused = replay.waitForResponse((r) => r.url().endsWith('/response-code'));
    await replay.goto(scan.redirect_uri);
    await replay.reload();
    expect((await refused).status()).toBe(400);
    await replay.locator('#outcome.retry').waitFor();
    expect(await replay.locator('#outcome').textContent()).not.toContain('Thank you');
    expect(await replay.locator('#pay').isEnabled()).toBe(true);
    await context.close();
  });

  it('a phone the wallet sends back after a QR shown elsewhere: no result here, a pointer to the screen that started it', async () => {
    const page = await open('ja', 'phone');
    await page.goto(`${demo.svc.url}/merchant.html#response_code=${'A'.repeat(22)}`);
    await page.reload();
    await page.locator('#outcome.info').waitFor();
    expect(await page.locator('#outcome-headline').textContent()).toBe('ウォレットでの操作は終わりました。確認を始めた画面に戻ってください。');
    expect(await page.locator('#pay').isEnabled()).toBe(true);
    await shot(page, 'back-elsewhere-ja-phone');
    await page.close();
  });
});
