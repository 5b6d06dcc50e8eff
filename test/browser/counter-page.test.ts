/**
 * The pages in a real browser: Debian's chromium driven by playwright-core. The DC API path gets a
 * navigator.credentials.get backed by the sandbox wallet, answering org-iso-mdoc or openid4vp-v1-signed.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { freePort } from '../service/helpers.js';
import { CHROMIUM_ARGS, chromiumPath, withSandboxWallet } from '../helpers/browser.js';

let svc: StartedService;
let browser: Browser;

beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent') });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
  });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

describe('counter page', () => {
  it('shows a QR code, the sandbox wallet answers it, and the page shows ✓ 20歳以上', async () => {
    const page = await browser.newPage({ locale: 'ja-JP' });
    await page.goto(`${svc.url}/`);
    await page.getByRole('button', { name: '20歳以上' }).click();
    await expect.poll(() => page.locator('#qr svg').count()).toBe(1);
    await page.getByRole('button', { name: 'サンドボックスのウォレットで応答' }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-mark').textContent()).toBe('✓');
    expect(await page.locator('#result-headline').textContent()).toBe('20歳以上です');
    await page.getByRole('button', { name: '次のお客様' }).click();
    await page.getByRole('button', { name: '住民確認' }).waitFor();
    await page.close();
  });

  it('switches to English and uses the browser wallet (DC API openid4vp-v1-signed, as Chrome with Google Wallet)', async () => {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const posted = await withSandboxWallet(page, 'openid4vp-v1-signed');
    await page.goto(`${svc.url}/`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Residency' }).click();
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').textContent()).toBe('Resident of Chiyoda-ku');
    expect(posted).toEqual(['openid4vp-v1-signed']);
    await page.close();
  });

  it('uses the browser wallet answering org-iso-mdoc (ISO 18013-7 Annex C, as Safari with Apple Wallet)', async () => {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const posted = await withSandboxWallet(page, 'org-iso-mdoc');
    await page.goto(`${svc.url}/`);
    await page.getByRole('button', { name: '20歳以上' }).click();
    await page.getByRole('button', { name: '確認を始める' }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-mark').textContent()).toBe('✓');
    expect(await page.locator('#result-headline').textContent()).toBe('20歳以上です');
    expect(posted).toEqual(['org-iso-mdoc']);
    await page.close();
  });
});

describe('Japanese line breaks', () => {
  it('in a browser without word-break: auto-phrase (Safari, Firefox), BudouX marks the phrase boundaries', async () => {
    const page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 390, height: 844 } });
    const scripts: string[] = [];
    page.on('request', (req) => void (req.resourceType() === 'script' && scripts.push(new URL(req.url()).pathname)));
    await page.addInitScript(() => {
      const supports = CSS.supports.bind(CSS);
      CSS.supports = (a: string, b?: string) => (`${a} ${b}`.includes('auto-phrase') ? false : b === undefined ? supports(a) : supports(a, b));
    });
    await page.goto(`${svc.url}/`);
    await page.getByRole('button', { name: '20歳以上' }).click();
    // The waiting screen's sentence, split into phrases with zero-width spaces once BudouX is defined.
    await expect.poll(() => page.locator('#wait-status budoux-ja').textContent(), { timeout: 5000 }).toContain('\u200b');
    expect((await page.locator('#wait-status').textContent())!.replaceAll('\u200b', '')).toBe('お客様のスマートフォンでの操作を待っています');
    expect(scripts).toContain('/vendor/budoux-ja.min.js');
    const shots = process.env.KAKUNIN_SCREENSHOTS;
    if (shots) await page.screenshot({ path: `${shots}/wait-budoux-ja-phone.png`, fullPage: true });
    await page.close();
  });

  it('where auto-phrase is supported (Chromium), no BudouX is loaded and text stays plain', async () => {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const scripts: string[] = [];
    page.on('request', (req) => void (req.resourceType() === 'script' && scripts.push(new URL(req.url()).pathname)));
    await page.goto(`${svc.url}/`);
    await page.getByRole('button', { name: '20歳以上' }).click();
    expect(await page.locator('#wait-status').textContent()).toBe('お客様のスマートフォンでの操作を待っています');
    expect(await page.locator('budoux-ja').count()).toBe(0);
    expect(scripts).not.toContain('/vendor/budoux-ja.min.js');
    await page.close();
  });
});

describe('merchant demo page', () => {
  it('checks out with the browser wallet and shows the signed receipt', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    await withSandboxWallet(page);
    await page.goto(`${svc.url}/merchant.html`);
    await page.getByRole('button', { name: 'Check age and buy' }).click();
    await page.getByRole('button', { name: "Check with the phone's wallet" }).click();
    await page.locator('#receipt-box:not([hidden])').waitFor({ timeout: 10_000 });
    expect(await page.locator('#outcome').textContent()).toContain('Thank you');
    const receipt = await page.locator('#receipt').textContent();
    expect(receipt).toContain('"over": true');
    expect(receipt).not.toContain('1990');
    await page.close();
  });
});

describe('kakunin.js', () => {
  it('a verification the service does not know (404: it restarted, or the id is wrong) is an error to report, not "expired"', async () => {
    const page = await browser.newPage();
    await page.goto(`${svc.url}/`);
    const heard = await page.evaluate(
      () =>
        new Promise<unknown>((resolve) => {
          const verification = { id: 'AAAAAAAAAAAAAAAAAAAAAA', purpose: 'age_over', state: 'pending', qr: { uri: '', svg_url: '' }, links: {} };
          (window as unknown as { Kakunin: { present: (v: unknown, o: unknown) => unknown } }).Kakunin.present(verification, {
            onState: (e: { state: string }) => resolve({ state: e.state }),
            onError: (e: { status?: number; code?: string }) => resolve({ status: e.status, code: e.code }),
          });
        }),
    );
    expect(heard).toEqual({ status: 404, code: 'NOT_FOUND' });
    await page.close();
  });
});
