/**
 * The counter page as a clerk at a tablet meets it (Debian chromium, playwright-core): what the
 * screen says and shows in each state, in both languages, at 1024x768 (the tablet), 1280x800 and
 * 390x844. Each check reads what a person sees: the words on screen, the painted colours, where
 * things sit in the viewport. Screenshots go to KAKUNIN_SCREENSHOTS when it is set.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { runDemo, type RunningService } from '../../src/service/startup/serve.js';
import { TrustStore } from '../../src/trust/index.js';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/browser.js';
import { finalEvent, streamAnswers } from '../helpers/counter-events.js';
import { freePort } from '../service/helpers.js';

const SIZES = { tablet: { width: 1024, height: 768 }, wide: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
type Size = keyof typeof SIZES;
type Lang = 'ja' | 'en';
const shots = process.env.KAKUNIN_SCREENSHOTS;

let svc: RunningService;
let browser: Browser;
/** A holder of 港区 (131130), under an issuer the service trusts; and a holder whose issuer it does not trust. */
let elsewhere: DemoWallet;
let untrusted: DemoWallet;

beforeAll(async () => {
  elsewhere = await DemoWallet.create(new Date(), { localGovCode: '131130' });
  untrusted = await DemoWallet.create(new Date());
  const extraTrust = TrustStore.fromCertificates([elsewhere.iaca.der], { set: 'sandbox', name: 'another sandbox IACA', test: true });
  svc = await runDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent'), extraTrust });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function open(lang: Lang, size: Size = 'tablet', init?: (page: Page) => Promise<unknown>): Promise<Page> {
  const page = await browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size] });
  await page.addInitScript((l) => localStorage.setItem('kakunin.lang', l), lang);
  if (init) await init(page);
  await page.goto(`${svc.url}/`);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `clerk-${name}.png`) });
}

/** A DC API answered by `wallet`, a holder wallet of the test's own. */
async function walletOf(page: Page, wallet: DemoWallet): Promise<void> {
  await page.exposeFunction('testWallet', (argument: unknown, origin: string) => wallet.answerDcApi(argument, origin));
  await page.addInitScript(() => {
    (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class {};
    const answer = (window as unknown as { testWallet: (a: unknown, o: string) => Promise<unknown> }).testWallet;
    Object.defineProperty(navigator, 'credentials', { configurable: true, value: { get: (argument: { digital: unknown }) => answer({ digital: argument.digital }, location.origin) } });
  });
}

const PURPOSE = { age: { ja: '20歳以上', en: '20 or over' }, residency: { ja: '住民確認', en: 'Residency' } };

async function choose(page: Page, lang: Lang, purpose: keyof typeof PURPOSE = 'age'): Promise<void> {
  await page.getByRole('button', { name: PURPOSE[purpose][lang], exact: true }).click();
  await page.locator('#wait').waitFor();
}

/** The words of the result screen as shown, and those outside the small error-code line. */
async function resultWords(page: Page): Promise<{ all: string; outsideCode: string; code: string }> {
  return page.evaluate(() => {
    const result = document.getElementById('result')!;
    const code = document.getElementById('result-code')!;
    const all = result.innerText;
    return { all, code: code.innerText.trim(), outsideCode: all.replace(code.innerText, '') };
  });
}

describe('"could not verify" is not "no"', () => {
  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: a document that does not verify has its own look (not the red cross), a next step, and its code small and labelled`, async () => {
      const refused = await open(lang, 'tablet', (p) => streamAnswers(p, finalEvent('verified', false)));
      await choose(refused, lang);
      await refused.locator('#result:not([hidden])').waitFor();
      const no = await refused.evaluate(() => ({ bg: getComputedStyle(document.getElementById('result')!).backgroundColor, mark: document.getElementById('result-mark')!.innerText }));
      await refused.close();

      const page = await open(lang, 'tablet', (p) => walletOf(p, untrusted));
      await choose(page, lang);
      await page.locator('#phone-wallet').click();
      await page.locator('#result:not([hidden])').waitFor({ timeout: 10_000 });
      const seen = await page.evaluate(() => {
        const css = (id: string) => getComputedStyle(document.getElementById(id)!);
        return {
          bg: css('result').backgroundColor,
          mark: document.getElementById('result-mark')!.innerText,
          codeSize: parseFloat(css('result-code').fontSize),
          reasonSize: parseFloat(css('result-reason').fontSize),
        };
      });
      expect(seen.bg).not.toBe(no.bg);
      expect(seen.mark).not.toBe(no.mark);
      expect(seen.mark).not.toBe('✗');
      expect(await page.locator('#result-headline').innerText()).toBe(lang === 'ja' ? '確認できませんでした' : 'Could not verify');
      expect(await page.locator('#result-next').innerText()).toBe(lang === 'ja' ? '別の本人確認書類をご提示ください。' : 'Please ask for another identity document.');
      const words = await resultWords(page);
      expect(words.code).toBe(`${lang === 'ja' ? 'エラーコード' : 'Error code'}: ISSUER_CERT_UNTRUSTED`);
      expect(words.outsideCode).not.toMatch(/[A-Z]{2,}_[A-Z_]+/);
      expect(seen.codeSize).toBeLessThan(seen.reasonSize);
      expect(seen.codeSize).toBeLessThanOrEqual(16);
      // The next step is offered: check another document for the same purpose, or move on.
      expect(await page.locator('#again').innerText()).toBe(lang === 'ja' ? '別の書類で確認' : 'Check another document');
      await shot(page, `unverified-${lang}-tablet`);
      await page.close();
    });
  }

  it('declined and expired on the Japanese screen: the state in words, no raw English code', async () => {
    for (const state of ['declined', 'expired'] as const) {
      const page = await open('ja', 'tablet', (p) => streamAnswers(p, finalEvent(state)));
      await choose(page, 'ja');
      await page.locator('#result:not([hidden])').waitFor();
      const words = await resultWords(page);
      expect(words.all, state).not.toMatch(/DECLINED|REQUEST_EXPIRED|[A-Z]{4,}/);
      expect(await page.locator('#result-headline').innerText()).toBe(state === 'declined' ? '提示が中止されました' : '時間切れです');
      await shot(page, `${state}-ja-tablet`);
      await page.close();
    }
  });

  it('a 401 says the page\'s key is wrong and asks for it again; a 503 says busy; neither shows "HTTP"', async () => {
    for (const [status, reason, again] of [
      [401, 'この画面に設定されたAPIキーが正しくありません。管理者に正しいキーを確認してください。', 'APIキーを入力し直す'],
      [503, '混み合っています。少し待ってからもう一度お試しください。', 'もう一度'],
    ] as const) {
      const page = await open('ja', 'tablet', (p) =>
        p.route('**/v1/verifications', (route) => (route.request().method() === 'POST' ? route.fulfill({ status, contentType: 'application/json', body: '{"error":"X"}' }) : route.continue())),
      );
      await page.getByRole('button', { name: '20歳以上' }).click();
      await page.locator('#result:not([hidden])').waitFor();
      expect(await page.locator('#result-reason').innerText()).toBe(reason);
      expect(await page.locator('#again').innerText()).toBe(again);
      const words = await resultWords(page);
      expect(words.code).toBe(`エラーコード: ${status}`);
      expect(words.all).not.toMatch(/HTTP|[A-Z]{4,}/);
      await shot(page, `start-${status}-ja-tablet`);
      await page.close();
    }
  });
});

describe('residency, in words that name the place', () => {
  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: the waiting screen names the municipality; a holder of 港区 is "not a resident of 千代田区", not an address`, async () => {
      const page = await open(lang, 'tablet', (p) => walletOf(p, elsewhere));
      await choose(page, lang, 'residency');
      expect(await page.locator('#wait-purpose').innerText()).toBe(lang === 'ja' ? '住民確認（千代田区）' : 'Residency (Chiyoda-ku)');
      await page.locator('#phone-wallet').click();
      await page.locator('#result.ng').waitFor({ timeout: 10_000 });
      expect(await page.locator('#result-headline').innerText()).toBe(lang === 'ja' ? '千代田区の住民ではありません' : 'Not a resident of Chiyoda-ku');
      const words = await resultWords(page);
      expect(words.all).not.toContain('131016');
      expect(words.all).not.toContain(lang === 'ja' ? '東京都' : 'Tokyo');
      await shot(page, `not-resident-${lang}-tablet`);
      await page.close();
    });
  }

  it('a resident of 千代田区 reads "千代田区の住民です"', async () => {
    const page = await open('ja', 'tablet');
    await choose(page, 'ja', 'residency');
    await page.getByRole('button', { name: 'サンドボックスのウォレットで応答' }).click();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').innerText()).toBe('千代田区の住民です');
    expect((await resultWords(page)).all).not.toContain('131016');
    await page.close();
  });
});
