/**
 * The counter page's outcomes in a real browser (Debian chromium, playwright-core): the DC API
 * present and absent, a decline, an expiry with its countdown, a reload mid-flow, our own error
 * (503) and a failed /v1/config; each with a way forward. Screenshots of each state at counter,
 * tablet and phone sizes in both languages go to KAKUNIN_SCREENSHOTS (or a temporary folder).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { TrustStore } from '../../src/trust/index.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from '../service/helpers.js';

const SHOTS = process.env.KAKUNIN_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'kakunin-shots-'));
const SIZES = { counter: { width: 1280, height: 800 }, tablet: { width: 1024, height: 768 }, phone: { width: 390, height: 844 } };

let svc: StartedService;
let browser: Browser;
/** A holder born 2010 (under 20), whose issuer the service trusts; and one whose issuer it does not. */
let young: DemoWallet;
let untrusted: DemoWallet;
/** The service's clock runs this far ahead: a test moves it to make a verification expire. */
let ahead = 0;

beforeAll(async () => {
  young = await DemoWallet.create(new Date(), { birthDate: '2010-04-01' });
  untrusted = await DemoWallet.create(new Date());
  const extraTrust = TrustStore.fromCertificates([young.iaca.der], { set: 'sandbox', name: 'young holder IACA', test: true });
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent'), now: () => new Date(Date.now() + ahead), extraTrust });
  const path = execSync('command -v chromium || command -v chromium-browser || true', { shell: '/bin/sh' }).toString().trim();
  browser = await chromium.launch({ executablePath: path, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function open(lang: 'ja' | 'en', size: keyof typeof SIZES = 'counter', init?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size] });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  (page as unknown as { consoleErrors: string[] }).consoleErrors = errors;
  if (init) await init(page);
  await page.goto(`${svc.url}/`);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** A DC API whose call the person cancels (the browser rejects with NotAllowedError). */
async function cancellingWallet(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class {};
    Object.defineProperty(navigator, 'credentials', {
      configurable: true,
      value: { get: async () => Promise.reject(new DOMException('The user cancelled', 'NotAllowedError')) },
    });
  });
}

/** A DC API answered by `wallet`, a holder wallet of the test's own (not the demo's). */
async function walletOf(page: Page, wallet: DemoWallet): Promise<void> {
  await page.exposeFunction('testWallet', (argument: unknown, origin: string) => wallet.answerDcApi(argument, origin));
  await page.addInitScript(() => {
    (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class {};
    const answer = (window as unknown as { testWallet: (a: unknown, o: string) => Promise<unknown> }).testWallet;
    Object.defineProperty(navigator, 'credentials', {
      configurable: true,
      value: { get: (argument: { digital: unknown; signal?: unknown }) => answer({ digital: argument.digital }, location.origin) },
    });
  });
}

/** A browser without the Digital Credentials API (Debian's Chromium has it: it is taken away here). */
async function withoutDcApi(page: Page): Promise<void> {
  await page.addInitScript(() => {
    delete (window as unknown as { DigitalCredential?: unknown }).DigitalCredential;
  });
}

describe('the channel', () => {
  it('without the DC API: no phone-wallet button, the QR code for other apps, a countdown; no console errors', async () => {
    const page = await open('ja', 'counter', withoutDcApi);
    await page.getByRole('button', { name: '20歳以上' }).click();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    expect(await page.locator('#phone-wallet').isHidden()).toBe(true);
    expect(await page.locator('#qr svg').isVisible()).toBe(true);
    expect(await page.locator('#qr-hint').textContent()).toBe('確認アプリをお使いのお客様は、アプリでこのQRコードを読み取ってください');
    expect(await page.locator('#qr svg').getAttribute('aria-label')).toBe('確認アプリ用のQRコード');
    expect(await page.locator('#countdown').textContent()).toMatch(/^残り [45]分\d\d秒$/);
    expect(await page.locator('#wait-purpose').textContent()).toBe('20歳以上');
    expect(await page.locator('#lang-ja').getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'wait-no-dcapi-ja-counter');
    expect((page as unknown as { consoleErrors: string[] }).consoleErrors).toEqual([]);
    // 中止 is the counter's doing, and the service (its webhook, the result) records it so.
    const declined = page.waitForResponse((r) => r.url().endsWith('/decline'));
    await page.getByRole('button', { name: '中止' }).click();
    const id = new URL((await declined).url()).pathname.split('/')[3];
    await page.getByRole('button', { name: '20歳以上' }).waitFor();
    const result = (await (await fetch(`${svc.url}/v1/verifications/${id}`)).json()) as { state: string; reason: { code: string } };
    expect(result).toMatchObject({ state: 'declined', reason: { code: 'CANCELLED_BY_VERIFIER' } });
    await page.close();
  });

  it('with the DC API the phone-wallet button leads and the QR for other apps is behind its control', async () => {
    const page = await open('en', 'tablet', cancellingWallet);
    await page.getByRole('button', { name: '20 or over' }).click();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    expect(await page.locator('#phone-wallet').isVisible()).toBe(true);
    expect(await page.locator('#qr svg').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Other apps' }).click();
    expect(await page.locator('#qr svg').isVisible()).toBe(true);
    expect(await page.locator('#qr-hint').textContent()).toBe('Customers with another ID app: scan this QR code in the app');
    await shot(page, 'wait-dcapi-en-tablet');
    await page.close();
  });
});

describe('outcomes', () => {
  it('declined: the cancelled DC API call ends the verification at once; "try again" for the same customer', async () => {
    const page = await open('ja', 'counter', cancellingWallet);
    await page.getByRole('button', { name: '20歳以上' }).click();
    await page.getByRole('button', { name: '確認を始める' }).click();
    await page.locator('#result.retry').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').textContent()).toBe('提示が中止されました');
    expect(await page.locator('#result-reason').textContent()).toBe('スマートフォンで提示が中止されました。');
    // The state is said in words: no English code on the Japanese screen.
    expect(await page.locator('#result-code').textContent()).toBe('');
    // Focus is on the way forward.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('again');
    await shot(page, 'declined-ja-counter');
    await page.getByRole('button', { name: 'もう一度' }).click();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    await page.close();
  });

  it('a real refusal, "over 20: no": ✗ 20歳未満, and only 次のお客様 (no retry for the same customer)', async () => {
    const page = await open('ja', 'counter', (p) => walletOf(p, young));
    await page.getByRole('button', { name: '20歳以上' }).click();
    await page.getByRole('button', { name: '確認を始める' }).click();
    await page.locator('#result.ng').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-mark').textContent()).toBe('✗');
    expect(await page.locator('#result-headline').textContent()).toBe('20歳未満です');
    expect(await page.locator('#again').isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('next');
    await shot(page, 'refused-ja-counter');
    await page.close();
  });

  it('failed: an answer that does not verify (an issuer the service does not trust) shows the reason, the next step and its code, small', async () => {
    const page = await open('en', 'tablet', (p) => walletOf(p, untrusted));
    await page.getByRole('button', { name: '20 or over' }).click();
    await page.locator('#phone-wallet').click();
    await page.locator('#result.unverified').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').textContent()).toBe('Could not verify');
    expect(await page.locator('#result-reason').textContent()).toMatch(/^[A-Z][a-z].*\.$/); // a sentence
    expect(await page.locator('#result-code').textContent()).toMatch(/^Error code: [A-Z_]+$/);
    expect(await page.locator('#again').textContent()).toBe('Check another document');
    await shot(page, 'failed-en-tablet');
    await page.close();
  });

  it('expired: nobody answered in time, a clear "timed out", not a refusal', async () => {
    const page = await open('en', 'phone');
    await page.getByRole('button', { name: '20 or over' }).click();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    ahead = 299_000; // the service's clock: one second before the 300 s pending TTL ends
    try {
      // The stream was opened with the old clock; a fresh read shows it (the page re-reads on reload).
      await page.reload();
      await page.locator('#result.retry').waitFor({ timeout: 15_000 });
      expect(await page.locator('#result-headline').textContent()).toBe('Timed out');
      expect(await page.locator('#result-reason').textContent()).toBe('No answer came in time. Please try again.');
      await shot(page, 'expired-en-phone');
    } finally {
      ahead = 0;
    }
    await page.close();
  });

  it('a reload mid-flow resumes the verification, and the answer that arrives is shown', async () => {
    const page = await open('ja');
    await page.getByRole('button', { name: '住民確認' }).click();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    const before = await page.locator('#qr svg').innerHTML();
    await page.reload();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    expect(await page.locator('#qr svg').innerHTML()).toBe(before);
    await page.getByRole('button', { name: 'サンドボックスのウォレットで応答' }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').textContent()).toBe('千代田区の住民です');
    await shot(page, 'resident-ja-counter');
    await page.close();
  });

  it('an identity check at a counter: labelled fields, the birth date as people write it, then nothing left on screen', async () => {
    const page = await open('ja', 'counter');
    await page.getByRole('button', { name: '本人確認' }).click();
    await page.locator('#qr svg').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'サンドボックスのウォレットで応答' }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').textContent()).toBe('本人確認ができました');
    expect(await page.locator('#result-identity dt').allTextContents()).toEqual(['氏名', '住所', '生年月日']);
    expect(await page.locator('#result-identity dd').allTextContents()).toEqual(['確認 花子', '東京都千代田区千代田1-1', '1990年4月1日']);
    await shot(page, 'kyc-ja-counter');
    await page.getByRole('button', { name: '次のお客様' }).click();
    expect(await page.locator('#result-identity').innerHTML()).toBe('');
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain('花子');
    await page.close();
  });

  it('our error (503) is "try again", not a refusal', async () => {
    const page = await open('ja', 'phone', async (p) => {
      await p.route('**/v1/verifications', (route) => (route.request().method() === 'POST' ? route.fulfill({ status: 503, body: '{"error":"STORE_UNAVAILABLE"}' }) : route.continue()));
    });
    await page.getByRole('button', { name: '20歳以上' }).click();
    await page.locator('#result.retry').waitFor();
    expect(await page.locator('#result-headline').textContent()).toBe('確認を始められませんでした');
    expect(await page.locator('#again').isVisible()).toBe(true);
    await shot(page, 'error-ja-phone');
    await page.close();
  });

  it('a failed /v1/config says so and offers a reload', async () => {
    const page = await open('en', 'counter', async (p) => {
      await p.route('**/v1/config', (route) => route.fulfill({ status: 503, body: '{}' }));
    });
    await page.getByRole('button', { name: 'Reload' }).waitFor();
    expect(await page.locator('#choose-status').textContent()).toContain('could not be loaded');
    await page.close();
  });
});

describe('screenshots', () => {
  it('every size and language of the choose, wait and result screens (written to KAKUNIN_SCREENSHOTS, or a temporary folder)', async () => {
    for (const lang of ['ja', 'en'] as const) {
      for (const size of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
        const page = await open(lang, size);
        await page.locator('#purposes button').first().waitFor();
        await shot(page, `choose-${lang}-${size}`);
        await page.locator('#purposes button').first().click();
        await page.locator('#qr svg').waitFor({ state: 'attached' });
        await shot(page, `wait-${lang}-${size}`);
        await page.locator('#sandbox-wallet').click();
        await page.locator('#result.ok').waitFor({ timeout: 10_000 });
        await shot(page, `verified-${lang}-${size}`);
        // Nothing touches the screen edge on a phone: the result fits the viewport's width.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${lang} ${size}`).toBe(0);
        await page.close();
        expect(statSync(join(SHOTS, `verified-${lang}-${size}.png`)).size).toBeGreaterThan(5000);
      }
    }
  }, 120_000);
});

describe('the merchant checkout demo', () => {
  const merchant = async (lang: 'ja' | 'en', size: keyof typeof SIZES, init?: (page: Page) => Promise<void>, base = svc.url) => {
    const page = await browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size], ...(size === 'phone' ? { hasTouch: true, isMobile: true } : {}) });
    if (init) await init(page);
    await page.goto(`${base}/merchant.html`);
    if (lang === 'en') await page.getByRole('button', { name: 'English' }).click();
    return page;
  };

  it('declined: the cancelled wallet says so, not "under 20", and the customer may pay again', async () => {
    const page = await merchant('ja', 'counter', cancellingWallet);
    await page.getByRole('button', { name: '年齢を確認して購入' }).click();
    await page.getByRole('button', { name: 'スマートフォンのウォレットで確認' }).click();
    await expect.poll(() => page.locator('#outcome-headline').textContent(), { timeout: 10_000 }).toBe('提示が中止されました');
    expect(await page.locator('#outcome-next').textContent()).toBe('購入するには「年齢を確認して購入」をもう一度押してください。');
    expect(await page.locator('#outcome').getAttribute('class')).toBe('outcome retry');
    expect(await page.locator('#pay').isEnabled()).toBe(true);
    expect(await page.locator('#receipt-box').isHidden()).toBe(true);
    await shot(page, 'merchant-declined-ja-counter');
    await page.close();
  });

  it('expired: "timed out", not "under 20", and the customer may pay again', async () => {
    // A service whose requests live 10 s (the shortest allowed): its stream ends the wait by itself.
    const short = await startDemo(['--port', String(await freePort()), '--pending-ttl', '10'], { env: {}, quiet: true, logger: createLogger('silent') });
    try {
      const page = await merchant('en', 'phone', withoutDcApi, short.url);
      await page.getByRole('button', { name: 'Check age and buy' }).click();
      await expect.poll(() => page.locator('#outcome-headline').textContent(), { timeout: 20_000 }).toBe('Timed out');
      expect(await page.locator('#outcome-next').textContent()).toBe('To buy, press "Check age and buy" again.');
      expect(await page.locator('#outcome').getAttribute('class')).toBe('outcome retry');
      expect(await page.locator('#pay').isEnabled()).toBe(true);
      await shot(page, 'merchant-expired-en-phone');
      await page.close();
    } finally {
      await short.close();
    }
  }, 30_000);

  it('our error (503 at create): "could not start, try again", the pay button back', async () => {
    const page = await merchant('ja', 'tablet', async (p) => {
      await p.route('**/v1/verifications', (route) =>
        route.request().method() === 'POST' ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"STORE_UNAVAILABLE"}' }) : route.continue(),
      );
    });
    await page.getByRole('button', { name: '年齢を確認して購入' }).click();
    await expect.poll(() => page.locator('#outcome-headline').textContent()).toBe('確認を始められませんでした');
    expect(await page.locator('#outcome-reason').textContent()).toBe('混み合っています。少し待ってからもう一度お試しください。');
    expect(await page.locator('#outcome-code').textContent()).toBe('エラーコード: STORE_UNAVAILABLE');
    expect(await page.locator('#pay').isEnabled()).toBe(true);
    await page.close();
  });

  it('on a phone without the DC API: a link that opens the wallet app, never a QR the phone cannot scan', async () => {
    const page = await merchant('ja', 'phone', withoutDcApi);
    await page.getByRole('button', { name: '年齢を確認して購入' }).click();
    await page.locator('#wallet-link').waitFor();
    expect(await page.locator('#wallet-link').getAttribute('href')).toMatch(/^openid4vp:\/\/\?/);
    expect(await page.locator('#qr-box').isHidden()).toBe(true);
    expect(await page.locator('#browser-wallet').isHidden()).toBe(true);
    expect(await page.locator('#lang-ja').getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'merchant-link-ja-phone');
    await page.close();
  });
});
