/**
 * The counter page as a clerk at a tablet meets it (Debian chromium, playwright-core): what the
 * screen says and shows in each state, in both languages, at 1024x768 (the tablet), 1280x800 and
 * 390x844. Each check reads what a person sees: the words on screen, the painted colours, where
 * things sit in the viewport. Screenshots go to KAKUNIN_SCREENSHOTS when it is set.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { TrustStore } from '../../src/trust/index.js';
import { CHROMIUM_ARGS, chromiumPath, textLooks } from '../helpers/browser.js';
import { testIdsOn, waitingWallet, withoutDcApi } from '../helpers/page-states.js';
import { finalEvent, streamAnswers } from '../helpers/counter-events.js';
import { freePort } from '../service/helpers.js';

const SIZES = { tablet: { width: 1024, height: 768 }, wide: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
type Size = keyof typeof SIZES;
type Lang = 'ja' | 'en';
const shots = process.env.KAKUNIN_SCREENSHOTS;

let svc: StartedService;
let browser: Browser;
/** A holder of 港区 (131130), under an issuer the service trusts; and a holder whose issuer it does not trust. */
let elsewhere: DemoWallet;
let untrusted: DemoWallet;

beforeAll(async () => {
  elsewhere = await DemoWallet.create(new Date(), { localGovCode: '131130' });
  untrusted = await DemoWallet.create(new Date());
  const extraTrust = TrustStore.fromCertificates([elsewhere.iaca.der], { set: 'sandbox', name: 'another sandbox IACA', test: true });
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent'), extraTrust });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function open(lang: Lang, size: Size = 'tablet', init?: (page: Page) => Promise<unknown>): Promise<Page> {
  // bypassCSP: axe-core is injected into the page by the accessibility checks.
  const page = await browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size], bypassCSP: true });
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
  // An answer fed to the page's stream may end the wait before anyone sees it.
  await page.locator('#wait:not([hidden]), #result:not([hidden])').first().waitFor();
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

  const DECLINE_HEADLINES = {
    DECLINED: ['提示が中止されました', 'Cancelled on the phone'],
    WALLET_ERROR: ['ウォレットが応答できませんでした', 'The wallet could not answer'],
    CANCELLED_BY_VERIFIER: ['確認を中止しました', 'Check cancelled'],
  } as const;
  for (const [code, [ja, en]] of Object.entries(DECLINE_HEADLINES)) {
    it(`a decline says who ended it: ${code} is "${en}"`, async () => {
      for (const lang of ['ja', 'en'] as const) {
        const page = await open(lang, 'tablet', (p) => streamAnswers(p, finalEvent('declined', true, code as keyof typeof DECLINE_HEADLINES)));
        await choose(page, lang);
        await page.locator('#result:not([hidden])').waitFor();
        expect(await page.locator('#result-headline').innerText(), `${code} ${lang}`).toBe(lang === 'ja' ? ja : en);
        await page.close();
      }
    });
  }

  it('the language switch says the waiting screen again: what is checked and where it stands', async () => {
    const waiting = await open('ja', 'tablet', waitingWallet);
    await choose(waiting, 'ja');
    await waiting.click('#lang-en');
    expect(await waiting.locator('#wait-purpose').innerText()).toContain('20 or over');
    expect(await waiting.locator('#wait-status').innerText()).toBe("Waiting for the customer's phone");
    await waiting.close();
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

/** Protocol and API names a clerk or a customer has no use for. */
const PROTOCOL_NAMES = /OpenID4VP|openid4vp|OID4VP|DC API|Digital Credentials|ISO ?18013|mdoc/;

/** The visible words of the page, and the QR's accessible name. */
async function screenWords(page: Page): Promise<string> {
  return page.evaluate(() => `${document.body.innerText}\n${document.querySelector('#qr svg')?.getAttribute('aria-label') ?? ''}`);
}

describe('the path Apple and Google Wallet answer comes first', () => {
  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: with the DC API, step one is the clerk's button, the biggest control; the QR waits behind "other apps"; no protocol names`, async () => {
      const page = await open(lang, 'tablet', waitingWallet);
      await choose(page, lang);
      await page.locator('#qr svg').waitFor({ state: 'attached' });
      const start = page.getByRole('button', { name: lang === 'ja' ? '確認を始める' : 'Start the check' });
      expect(await start.isVisible()).toBe(true);
      expect(await page.locator('#steps').innerText()).toMatch(
        lang === 'ja'
          ? /1\s*確認を始める\s*係員がこのボタンを押します\s*2\s*ブラウザが表示するQRコード/
          : /1\s*Start the check\s*The clerk presses this button\s*2\s*The browser then shows its own code/,
      );
      expect(await page.locator('#qr svg').isVisible()).toBe(false);
      // The biggest thing on screen a person can act on is step one.
      const areas = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#wait button, #wait svg'))
          .filter((el) => el.checkVisibility())
          .map((el) => {
            const r = el.getBoundingClientRect();
            return { id: el.id || el.tagName, area: r.width * r.height };
          })
          .sort((a, b) => b.area - a.area),
      );
      expect(areas[0].id).toBe('phone-wallet');
      expect(await screenWords(page)).not.toMatch(PROTOCOL_NAMES);
      await shot(page, `wait-dcapi-${lang}-tablet`);
      // The other apps' QR, on request.
      const other = page.getByRole('button', { name: lang === 'ja' ? 'その他のアプリで確認' : 'Other apps' });
      expect(await other.getAttribute('aria-expanded')).toBe('false');
      await other.click();
      expect(await other.getAttribute('aria-expanded')).toBe('true');
      expect(await page.locator('#qr svg').isVisible()).toBe(true);
      expect(await page.locator('#qr-hint').innerText()).toBe(
        lang === 'ja' ? 'その他の確認アプリをお使いのお客様は、アプリでこのQRコードを読み取ってください' : 'Customers with another ID app: scan this QR code in the app',
      );
      expect(await screenWords(page)).not.toMatch(PROTOCOL_NAMES);
      await shot(page, `wait-dcapi-qr-${lang}-tablet`);
      await page.close();
    });

    it(`${lang}: without the DC API, the page says Apple and Google Wallet cannot be used from this browser and which can, then offers the QR`, async () => {
      const page = await open(lang, 'tablet', withoutDcApi);
      await choose(page, lang);
      await page.locator('#qr svg').waitFor();
      const notice = await page.locator('#no-dcapi').innerText();
      expect(notice).toMatch(lang === 'ja' ? /このブラウザからは Apple\sウォレットと Google\sウォレットを使えません/ : /Apple\sWallet and Google\sWallet cannot be used from this browser/);
      expect(notice).toMatch(/Chrome/);
      expect(notice).toMatch(/Safari/);
      expect(await page.locator('#phone-wallet').isVisible()).toBe(false);
      expect(await page.locator('#other-apps').isVisible()).toBe(false);
      // The notice comes before the QR.
      const [n, q] = [await page.locator('#no-dcapi').boundingBox(), await page.locator('#qr svg').boundingBox()];
      expect(n!.y < q!.y || n!.x < q!.x).toBe(true);
      expect(await screenWords(page)).not.toMatch(PROTOCOL_NAMES);
      await shot(page, `wait-no-dcapi-${lang}-tablet`);
      await page.close();
    });
  }
});

/** Every visible element of the page that lies (partly) outside the viewport. */
async function outsideViewport(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      if (!el.checkVisibility() || el.closest('#result[hidden], [hidden]')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.left < -0.5)
        out.push(`${el.tagName}#${el.id}.${el.className} [${Math.round(r.left)},${Math.round(r.top)} → ${Math.round(r.right)},${Math.round(r.bottom)}]`);
    }
    return out;
  });
}

describe("a wallet's name is never split over two lines", () => {
  /** The lines each "Apple ウォレット" / "Google Wallet" on screen is painted on. */
  const linesOfNames = (page: Page) =>
    page.evaluate(() => {
      const found: { name: string; lines: number }[] = [];
      const walker = document.createTreeWalker(document.getElementById('wait')!, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.parentElement?.checkVisibility()) continue;
        for (const m of node.textContent!.matchAll(/(Apple|Google)\s(ウォレット|Wallet)/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
          found.push({ name: m[0], lines: tops.size });
        }
      }
      return found;
    });
  for (const lang of ['ja', 'en'] as const) {
    for (const size of Object.keys(SIZES) as Size[]) {
      it(`${lang}, ${size}: with and without the DC API`, async () => {
        for (const init of [waitingWallet, withoutDcApi]) {
          const page = await open(lang, size, init);
          await choose(page, lang);
          const names = await linesOfNames(page);
          expect(names.length).toBeGreaterThanOrEqual(2);
          expect(names.filter((n) => n.lines !== 1)).toEqual([]);
          await page.close();
        }
      });
    }
  }
});

describe('nothing below the fold on a tablet', () => {
  for (const size of ['tablet', 'wide'] as const) {
    for (const banner of [false, true]) {
      it(`${size}${banner ? ', with the test banner' : ''}: the waiting screen with the QR shown fits the viewport, with and without the DC API, in both languages`, async () => {
        const problems: string[] = [];
        for (const lang of ['ja', 'en'] as const) {
          for (const dc of [true, false]) {
            const page = await open(lang, size, async (p) => {
              await (dc ? waitingWallet(p) : withoutDcApi(p));
              if (banner) await testIdsOn(p);
            });
            if (banner) await page.locator('.test-banner').waitFor();
            await choose(page, lang);
            await page.locator('#qr svg').waitFor({ state: 'attached' });
            if (dc) await page.locator('#other-apps').click();
            await page.locator('#qr svg').waitFor();
            for (const o of await outsideViewport(page)) problems.push(`${lang} ${dc ? 'dc' : 'no-dc'}: ${o}`);
            const qr = (await page.locator('#qr svg').boundingBox())!;
            // Still a QR a phone reads across a counter.
            expect(qr.width).toBeGreaterThanOrEqual(160);
            await shot(page, `fold-${size}-${banner ? 'banner-' : ''}${dc ? 'dc-qr' : 'no-dc'}-${lang}`);
            await page.close();
          }
        }
        expect(problems).toEqual([]);
      });
    }
  }
});

/** Each state of the counter, reached from a freshly opened page. */
const STATES: [string, (page: Page) => Promise<unknown>, (page: Page, lang: Lang) => Promise<unknown>][] = [
  ['choose', async () => undefined, (p) => p.locator('#purposes button').first().waitFor()],
  ['wait-dcapi', waitingWallet, (p, l) => choose(p, l)],
  ['wait-dcapi-qr', waitingWallet, async (p, l) => (await choose(p, l), await p.locator('#other-apps').click(), await p.locator('#qr svg').waitFor())],
  ['wait-no-dcapi', withoutDcApi, async (p, l) => (await choose(p, l), await p.locator('#qr svg').waitFor())],
  ['wait-residency', waitingWallet, (p, l) => choose(p, l, 'residency')],
  ...(
    [
      ['verified', finalEvent('verified')],
      ['refused', finalEvent('verified', false)],
      ['unverified', finalEvent('failed')],
      ['failed-retry', finalEvent('failed', true, 'ELEMENT_MISSING')],
      ['declined', finalEvent('declined')],
      ['expired', finalEvent('expired')],
      ['test', finalEvent('test')],
    ] as const
  ).map(([name, event]): (typeof STATES)[number] => [name, (p) => streamAnswers(p, event), async (p, l) => (await choose(p, l), await p.locator('#result:not([hidden])').waitFor())]),
  [
    'start-401',
    (p) => p.route('**/v1/verifications', (route) => (route.request().method() === 'POST' ? route.fulfill({ status: 401, contentType: 'application/json', body: '{}' }) : route.continue())),
    async (p) => (await p.locator('#purposes button').first().click(), await p.locator('#result:not([hidden])').waitFor()),
  ],
];

describe('every state, both languages, three sizes', () => {
  for (const [state, init, reach] of STATES) {
    it(`${state}: on screen in each language, nothing wider than the screen${shots ? ' (screenshots)' : ''}`, async () => {
      for (const lang of ['ja', 'en'] as const) {
        const page = await open(lang, 'tablet', init);
        await reach(page, lang);
        for (const size of Object.keys(SIZES) as Size[]) {
          await page.setViewportSize(SIZES[size]);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow, `${state} ${lang} ${size}`).toBe(0);
          await shot(page, `state-${state}-${lang}-${size}`);
        }
        await page.close();
      }
    }, 90_000);
  }
});

describe('a reload never loses a result', () => {
  it('a reload just as the answer lands shows the answer; after 次のお客様 a reload shows the start', async () => {
    const page = await open('ja', 'tablet');
    await choose(page, 'ja');
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/sandbox/wallet/scan'));
    await page.getByRole('button', { name: 'サンドボックスのウォレットで応答' }).click();
    await answered;
    await page.reload();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').innerText()).toBe('20歳以上です');
    // And again, on the result screen itself.
    await page.reload();
    await page.locator('#result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#result-headline').innerText()).toBe('20歳以上です');
    expect(await page.locator('#wait').isVisible()).toBe(false);
    await page.getByRole('button', { name: '次のお客様' }).click();
    await page.reload();
    await page.locator('#purposes button').first().waitFor();
    expect(await page.locator('#result').isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem('kakunin.current'))).toBeNull();
    await page.close();
  });
});

describe('the service down, then back', () => {
  /**
   * The verification's stream and reads as the service gives them: 'up' (the stream says pending and
   * ends, the browser reconnects), 'down' (connection refused), 'forgot' (a restarted service: 404).
   */
  async function switchable(page: Page): Promise<{ set(mode: 'up' | 'down' | 'forgot'): void }> {
    let mode: 'up' | 'down' | 'forgot' = 'up';
    const id = (url: string) => /\/v1\/verifications\/([^/?]+)/.exec(url)![1];
    const answer = async (route: import('playwright-core').Route, up: () => Promise<void>) => {
      if (mode === 'down') return route.abort('connectionrefused');
      if (mode === 'forgot') return route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"NOT_FOUND"}' });
      return up();
    };
    await page.route('**/v1/verifications/*/events', (route) =>
      answer(route, () =>
        route.fulfill({
          status: 200,
          contentType: 'text/event-stream',
          body: `retry: 300\nevent: pending\ndata: ${JSON.stringify({ id: id(route.request().url()), state: 'pending', purpose: 'age_over' })}\n\n`,
        }),
      ),
    );
    await page.route(/\/v1\/verifications\/[^/]+$/, (route) => (route.request().method() === 'GET' ? answer(route, () => route.continue()) : route.continue()));
    return { set: (m) => void (mode = m) };
  }

  /** What the clerk sees of the waiting screen: the status, and whether the QR and step one can be used. */
  const looks = (page: Page) =>
    page.evaluate(() => {
      const svg = document.querySelector('#qr svg')!;
      const style = getComputedStyle(svg);
      return {
        status: document.getElementById('wait-status')!.innerText,
        qrOpacity: Number(style.opacity),
        qrBlurred: style.filter.includes('blur'),
        qrNote: document.getElementById('qr-offline')!.checkVisibility() ? document.getElementById('qr-offline')!.innerText : '',
        start: !(document.getElementById('phone-wallet') as HTMLButtonElement).disabled,
      };
    });

  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: "reconnecting" with the QR disabled while it is down; the wait goes on when it is back; a verification it forgot is "no longer valid", never "timed out"`, async () => {
      let net: { set(mode: 'up' | 'down' | 'forgot'): void } = { set: () => undefined };
      const page = await open(lang, 'tablet', async (p) => {
        await waitingWallet(p);
        net = await switchable(p);
      });
      const headlines: string[] = [];
      await page.exposeFunction('sawHeadline', (h: string) => void headlines.push(h));
      await choose(page, lang);
      await page.locator('#other-apps').click();
      await page.locator('#qr svg').waitFor();
      const waiting = lang === 'ja' ? 'お客様のスマートフォンでの操作を待っています' : "Waiting for the customer's phone";
      expect(await looks(page)).toEqual({ status: waiting, qrOpacity: 1, qrBlurred: false, qrNote: '', start: true });

      net.set('down');
      const reconnecting = lang === 'ja' ? 'サービスに接続し直しています…' : 'Reconnecting to the service…';
      await expect.poll(() => looks(page).then((l) => l.status), { timeout: 15_000 }).toBe(reconnecting);
      const down = await looks(page);
      expect(down.qrOpacity).toBeLessThan(0.2);
      expect(down.qrBlurred).toBe(true);
      expect(down.qrNote).toBe(lang === 'ja' ? '接続が戻るまで、このQRコードは使えません' : 'This QR code cannot be used until the connection is back');
      expect(down.start).toBe(false);
      await shot(page, `reconnecting-${lang}-tablet`);

      net.set('up');
      await expect.poll(() => looks(page), { timeout: 15_000 }).toEqual({ status: waiting, qrOpacity: 1, qrBlurred: false, qrNote: '', start: true });

      // Down again, and back as a service that lost what it held.
      await page.evaluate(() => {
        const headline = document.getElementById('result-headline')!;
        new MutationObserver(() => (window as unknown as { sawHeadline: (h: string) => void }).sawHeadline(headline.innerText)).observe(headline, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      net.set('down');
      await expect.poll(() => looks(page).then((l) => l.status), { timeout: 15_000 }).toBe(reconnecting);
      net.set('forgot');
      await page.locator('#result:not([hidden])').waitFor({ timeout: 15_000 });
      expect(await page.locator('#result-headline').innerText()).toBe(lang === 'ja' ? 'この確認は無効になりました' : 'This check is no longer valid');
      expect(await page.locator('#result-reason').innerText()).toBe(
        lang === 'ja' ? 'サービスがこの確認を見つけられません。新しい確認を始めてください。' : 'The service no longer knows this check. Please start a new one.',
      );
      expect(headlines.join('|')).not.toMatch(/時間切れ|Timed out/);
      await shot(page, `lost-${lang}-tablet`);
      // A new check, at once.
      net.set('up');
      await page.getByRole('button', { name: lang === 'ja' ? '新しい確認を始める' : 'Start a new check' }).click();
      await page.locator('#wait').waitFor();
      expect(await page.locator('#wait-status').innerText()).toBe(waiting);
      await page.close();
    });
  }
});

describe('the sandbox person has a portrait', () => {
  it('a purpose asking for the portrait shows the clerk a decoded image, on screen, next to the fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-purposes-'));
    const file = join(dir, 'purposes.json');
    writeFileSync(file, JSON.stringify({ purposes: [{ name: 'kyc_portrait', kind: 'kyc', portrait: true, label: { ja: '本人確認（顔写真）', en: 'Identity (portrait)' } }] }));
    const withPortrait = await startDemo(['--port', String(await freePort()), '--purposes', file], { env: {}, quiet: true, logger: createLogger('silent') });
    try {
      for (const size of ['tablet', 'phone'] as const) {
        const page = await browser.newPage({ locale: 'ja-JP', viewport: SIZES[size] });
        await page.goto(`${withPortrait.url}/`);
        await page.getByRole('button', { name: '本人確認（顔写真）' }).click();
        await page.getByRole('button', { name: 'サンドボックスのウォレットで応答' }).click();
        await page.locator('#result.ok').waitFor({ timeout: 10_000 });
        const img = page.locator('#result-identity img');
        await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
        const seen = await img.evaluate((el: HTMLImageElement) => {
          // The picture as decoded: a face lighter than the hair above it, on a light backdrop.
          const canvas = document.createElement('canvas');
          [canvas.width, canvas.height] = [el.naturalWidth, el.naturalHeight];
          const ctx = canvas.getContext('2d')!;
          ctx.drawImage(el, 0, 0);
          const grey = (x: number, y: number) => ctx.getImageData(x, y, 1, 1).data[0];
          const r = el.getBoundingClientRect();
          return {
            width: el.naturalWidth,
            height: el.naturalHeight,
            face: grey(60, 84),
            hair: grey(60, 30),
            backdrop: grey(4, 4),
            box: { top: r.top, bottom: r.bottom, left: r.left, right: r.right },
            alt: el.alt,
          };
        });
        expect({ width: seen.width, height: seen.height }).toEqual({ width: 120, height: 160 });
        expect(seen.face - seen.hair).toBeGreaterThan(100);
        expect(seen.backdrop).toBeGreaterThan(180);
        expect(seen.alt).toBe('顔写真（照合用・保存しません）');
        const view = SIZES[size];
        expect(seen.box.top).toBeGreaterThanOrEqual(0);
        expect(seen.box.bottom).toBeLessThanOrEqual(view.height);
        expect(seen.box.right).toBeLessThanOrEqual(view.width);
        expect(await page.locator('#result-identity dd').allInnerTexts()).toEqual(['確認 花子', '東京都千代田区千代田1-1', '1990年4月1日']);
        await shot(page, `portrait-ja-${size}`);
        await page.close();
      }
    } finally {
      await withPortrait.close();
    }
  });
});

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's findings on the page as it is (WCAG 2.2 A/AA and best practice), one line each. */
async function axeFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    type Result = { violations: { id: string; nodes: { target: string[]; failureSummary?: string }[] }[] };
    const axe = (window as unknown as { axe: { run: (c: Document, o: unknown) => Promise<Result> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} ${n.target.join(' ')}: ${(n.failureSummary ?? '').split('\n').slice(1).join(' ').trim()}`));
  });
}

describe('for every eye and hand (axe-core, sizes, keys)', () => {
  for (const [state, init, reach] of STATES) {
    it(`axe finds nothing: ${state}, in either language, with the test banner`, async () => {
      const problems: string[] = [];
      for (const lang of ['ja', 'en'] as const) {
        const page = await open(lang, 'tablet', async (p) => (await testIdsOn(p), await init(p)));
        await page.locator('.test-banner').waitFor();
        await reach(page, lang);
        for (const f of await axeFindings(page)) problems.push(`${state} ${lang}: ${f}`);
        await page.close();
      }
      expect(problems).toEqual([]);
    }, 60_000);
  }

  it('every line of every result reads at 4.5:1 or more on its background, the error code included', async () => {
    const problems: string[] = [];
    for (const [state, init, reach] of STATES.filter(([name]) => !name.startsWith('wait') && name !== 'choose')) {
      const page = await open('ja', 'tablet', init);
      await reach(page, 'ja');
      const looks = await textLooks(page, '#result-headline, #result-reason, #result-next, #result-code');
      expect(looks.length, state).toBeGreaterThan(0);
      for (const l of looks) if (l.contrast < 4.5) problems.push(`${state} #${l.name} "${l.text}": ${l.text_colour} on ${l.background}, ${l.contrast}:1`);
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('the language switch: targets at least 44 px tall, words at least 16 px; the QR hint at least 22 px', async () => {
    for (const size of Object.keys(SIZES) as Size[]) {
      for (const lang of ['ja', 'en'] as const) {
        const page = await open(lang, size, withoutDcApi);
        await choose(page, lang);
        await page.locator('#qr svg').waitFor();
        for (const id of ['lang-ja', 'lang-en']) {
          const box = (await page.locator(`#${id}`).boundingBox())!;
          expect(box.height, `${id} ${size} ${lang}`).toBeGreaterThanOrEqual(44);
          expect(box.width, `${id} ${size} ${lang}`).toBeGreaterThanOrEqual(44);
          expect(parseFloat(await page.locator(`#${id}`).evaluate((el) => getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(16);
        }
        expect(parseFloat(await page.locator('#qr-hint').evaluate((el) => getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(22);
        await page.close();
      }
    }
  }, 120_000);

  it("Escape cancels a waiting check, recorded as the counter's cancel", async () => {
    const page = await open('ja', 'tablet', waitingWallet);
    await choose(page, 'ja');
    const declined = page.waitForRequest((r) => r.url().endsWith('/decline'));
    await page.keyboard.press('Escape');
    expect((await declined).postDataJSON()).toEqual({ error: 'verifier_cancelled' });
    await page.locator('#choose').waitFor();
    expect(await page.locator('#wait').isVisible()).toBe(false);
    await page.close();
  });

  it('a keyboard user sees where the focus is: a ring of 3:1 or more against what surrounds it, on the page, the header and a result', async () => {
    const page = await open('en', 'tablet', (p) => streamAnswers(p, finalEvent('verified', false)));
    await page.locator('#purposes button').first().waitFor();
    /** The focused element's ring, and its contrast with the backdrop it is drawn on. */
    const ring = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const s = getComputedStyle(el);
        const rgb = (c: string) => (/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)/.exec(c) ?? []).slice(1, 4).map(Number);
        let bg = 'rgba(0, 0, 0, 0)';
        for (let n: HTMLElement | null = el.parentElement; n && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); n = n.parentElement) bg = getComputedStyle(n).backgroundColor;
        if (/rgba\(0, 0, 0, 0\)/.test(bg)) bg = getComputedStyle(document.documentElement).backgroundColor;
        const lum = (c: number[]) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
        const lin = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
        const [a, b] = [lum(rgb(s.outlineColor)), lum(rgb(bg))].sort((x, y) => y - x);
        return { id: el.id || el.textContent, style: s.outlineStyle, width: parseFloat(s.outlineWidth), contrast: (a + 0.05) / (b + 0.05) };
      });
    const expectRing = async (where: string) => {
      const r = await ring();
      expect(r.style, where).toBe('solid');
      expect(r.width, where).toBeGreaterThanOrEqual(3);
      expect(r.contrast, `${where} ${r.id}`).toBeGreaterThanOrEqual(3);
    };
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expectRing('a purpose on the page');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('lang-en');
    await expectRing('the language switch in the header');
    await page.locator('#purposes button').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('#result.ng').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    await expectRing('the result screen');
    await shot(page, 'focus-result-en-tablet');
    await page.close();
  });
});
