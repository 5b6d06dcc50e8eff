/**
 * The pages in a real browser: Debian's chromium driven by playwright-core. The DC API path gets a
 * navigator.credentials.get backed by the sandbox wallet (the demo's /v1/sandbox/wallet/dcapi).
 */
import { execSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type RunningService } from '../../src/service/serve.js';
import { createLogger } from '../../src/service/logger.js';
import { freePort } from '../service/helpers.js';

function chromiumPath(): string {
  const path = execSync('command -v chromium || command -v chromium-browser || true', { shell: '/bin/sh' }).toString().trim();
  if (!path) throw new Error('chromium is not installed: apt-get install -y chromium');
  return path;
}

let svc: RunningService;
let browser: Browser;

beforeAll(async () => {
  svc = await runDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent') });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
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

  it('switches to English and uses the browser wallet (DC API) backed by the sandbox wallet', async () => {
    const page = await browser.newPage({ locale: 'ja-JP' });
    await page.addInitScript(() => {
      Object.defineProperty(navigator, 'credentials', {
        configurable: true,
        value: {
          get: async (argument: unknown) => {
            const res = await fetch('/v1/sandbox/wallet/dcapi', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ argument, origin: location.origin }),
            });
            return res.json();
          },
        },
      });
    });
    await page.goto(`${svc.url}/`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Residency' }).click();
    await page.getByRole('button', { name: "Use this browser's wallet" }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').textContent()).toBe('Resident');
    await page.close();
  });
});

describe('merchant demo page', () => {
  it('checks out with the browser wallet and shows the signed receipt', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    await page.addInitScript(() => {
      Object.defineProperty(navigator, 'credentials', {
        configurable: true,
        value: {
          get: async (argument: unknown) =>
            (await fetch('/v1/sandbox/wallet/dcapi', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ argument, origin: location.origin }) })).json(),
        },
      });
    });
    await page.goto(`${svc.url}/merchant.html`);
    await page.getByRole('button', { name: 'Check age and buy' }).click();
    await page.getByRole('button', { name: "Use this browser's wallet" }).click();
    await page.locator('#receipt-box:not([hidden])').waitFor({ timeout: 10_000 });
    expect(await page.locator('#outcome').textContent()).toContain('Thank you');
    const receipt = await page.locator('#receipt').textContent();
    expect(receipt).toContain('"over": true');
    expect(receipt).not.toContain('1990');
    await page.close();
  });
});
