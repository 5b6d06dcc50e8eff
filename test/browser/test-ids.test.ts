/**
 * Apple test IDs on the pages (sandbox with KAKUNIN_APPLE_TEST_IDS): the TEST banner on every page
 * in both languages and at every size, the counter's result marked TEST (never the green ✓), and the
 * merchant page selling nothing on one. Screenshots go to KAKUNIN_SCREENSHOTS when set.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { CHROMIUM_ARGS, chromiumPath, withSandboxWallet } from '../helpers/browser.js';
import { freePort } from '../service/helpers.js';

const SIZES = { counter: { width: 1280, height: 800 }, tablet: { width: 1024, height: 768 }, phone: { width: 390, height: 844 } };
const shots = process.env.KAKUNIN_SCREENSHOTS;

let svc: StartedService;
let browser: Browser;

beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort()), '--apple-test-ids'], { env: {}, quiet: true, logger: createLogger('silent') });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function shot(page: Page, name: string) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** The banner is on screen, above everything, and says TEST in the page's language. */
async function expectBanner(page: Page, lang: 'ja' | 'en') {
  const banner = page.locator('.test-banner');
  await banner.waitFor();
  expect(await banner.textContent()).toContain(lang === 'ja' ? 'テストモード' : 'TEST MODE');
  const box = await banner.boundingBox();
  expect(box?.y).toBe(0);
}

describe('counter page with test IDs', () => {
  for (const lang of ['ja', 'en'] as const) {
    for (const size of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
      it(`${lang} ${size}: TEST banner, and an answer shows TEST, not ✓`, async () => {
        const page = await browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size] });
        await page.goto(`${svc.url}/`);
        await expectBanner(page, lang);
        await shot(page, `test-ids-choose-${lang}-${size}`);
        await page.getByRole('button', { name: lang === 'ja' ? '20歳以上' : '20 or over' }).click();
        await page.getByRole('button', { name: lang === 'ja' ? 'サンドボックスのウォレットで応答' : 'Answer with the sandbox wallet' }).click();
        await page.locator('#result.test').waitFor({ timeout: 10_000 });
        expect(await page.locator('#result-mark').textContent()).toBe(lang === 'ja' ? 'テスト' : 'TEST');
        expect(await page.locator('#result-headline').textContent()).toBe(lang === 'ja' ? '20歳以上です' : '20 or over');
        expect(await page.locator('#result-reason').textContent()).toContain(lang === 'ja' ? '本人確認ではありません' : 'Not an identity');
        // The banner stays above the full-screen result.
        await expectBanner(page, lang);
        const result = await page.locator('#result').boundingBox();
        const banner = await page.locator('.test-banner').boundingBox();
        expect(result!.y).toBeGreaterThanOrEqual(banner!.height - 1);
        await shot(page, `test-ids-result-${lang}-${size}`);
        await page.close();
      });
    }
  }
});

describe('merchant page with test IDs', () => {
  it('Safari path (org-iso-mdoc): banner, nothing sold, the receipt says test', async () => {
    const page = await browser.newPage({ locale: 'en-US', viewport: SIZES.tablet });
    const posted = await withSandboxWallet(page, 'org-iso-mdoc');
    await page.goto(`${svc.url}/merchant.html`);
    await expectBanner(page, 'en');
    await page.getByRole('button', { name: 'Check age and buy' }).click();
    await page.getByRole('button', { name: "Check with the phone's wallet" }).click();
    await page.locator('#receipt-box:not([hidden])').waitFor({ timeout: 10_000 });
    expect(posted).toEqual(['org-iso-mdoc']);
    expect(await page.locator('#outcome').textContent()).toContain('TEST: nothing was sold');
    expect(await page.locator('#outcome').textContent()).not.toContain('Thank you');
    const receipt = await page.locator('#receipt').textContent();
    expect(receipt).toContain('"outcome": "test"');
    expect(receipt).toContain('"test": true');
    await shot(page, 'test-ids-merchant-en-tablet');
    await page.close();
  });
});
