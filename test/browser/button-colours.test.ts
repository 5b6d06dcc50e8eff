/**
 * Every button a person can see, on every page, in every state, in both languages and at the three
 * sizes (counter 1024x768, tablet 1280x800, phone 390x844), as painted: its words are there, its text
 * is not the colour of its background, and the contrast is at least 4.5:1 (WCAG 2 AA for text). A
 * rule that beats another in the cascade (white text on a white button) fails here, not in a review.
 *
 * Every page in public/ is checked as it opens; the states after it are reached through the page's
 * own controls, with the final states fed to the page's event stream (the service's own reason texts),
 * so each look is reached in one step. Screenshots of each go to KAKUNIN_SCREENSHOTS when it is set.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { buttonLooks, CHROMIUM_ARGS, chromiumPath } from '../helpers/browser.js';
import { finalEvent, streamAnswers } from '../helpers/counter-events.js';
import { createFails, testIdsOn, waitingWallet, withoutDcApi } from '../helpers/page-states.js';
import { freePort } from '../service/helpers.js';

const SIZES = { counter: { width: 1024, height: 768 }, tablet: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const LANGS = ['ja', 'en'] as const;
type Lang = (typeof LANGS)[number];
const shots = process.env.KAKUNIN_SCREENSHOTS;

let svc: StartedService;
let browser: Browser;

beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent') });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

/** The final states, each with the event that brings the page to it (or the failure to start at all). */
const FINALS: [string, (page: Page) => Promise<void>][] = [
  ['verified', (p) => streamAnswers(p, finalEvent('verified'))],
  ['refused', (p) => streamAnswers(p, finalEvent('verified', false))],
  ['failed', (p) => streamAnswers(p, finalEvent('failed'))],
  ['declined', (p) => streamAnswers(p, finalEvent('declined'))],
  ['expired', (p) => streamAnswers(p, finalEvent('expired'))],
  ['error', createFails],
  ['test', async (p) => (await testIdsOn(p), await streamAnswers(p, finalEvent('test')))],
];

interface Scenario {
  path: string;
  state: string;
  /** Before the page loads (routes, a DC API). */
  init?: (page: Page) => Promise<unknown>;
  /** From the loaded page to the state (nothing: the page as it opens). */
  reach?: (page: Page, lang: Lang) => Promise<unknown>;
  /** A phone: touch, a coarse pointer. */
  mobile?: boolean;
}

const counterStart = async (page: Page) => {
  await page.locator('#purposes button').first().click();
};
const counterResult = async (page: Page) => {
  await counterStart(page);
  await page.locator('#result').waitFor();
};
const pay = async (page: Page) => {
  await page.locator('#pay').click();
};
const checkoutOutcome = async (page: Page) => {
  await pay(page);
  await page.locator('#outcome').waitFor({ state: 'visible', timeout: 10_000 });
};

const pages = readdirSync(join(import.meta.dirname, '../../public')).filter((f) => f.endsWith('.html'));

const SCENARIOS: Scenario[] = [
  // Every page as it opens, whatever pages there are.
  ...pages.map((f) => ({ path: `/${f}`, state: 'opened' })),
  ...pages.map((f) => ({ path: `/${f}`, state: 'test-ids', init: testIdsOn, reach: (p: Page) => p.locator('.test-banner').waitFor() })),
  // The counter.
  { path: '/', state: 'waiting', init: waitingWallet, reach: async (p) => (await counterStart(p), await p.locator('#wait').waitFor()) },
  { path: '/', state: 'waiting-no-dcapi', init: withoutDcApi, reach: async (p) => (await counterStart(p), await p.locator('#wait').waitFor()) },
  ...FINALS.map(([state, init]) => ({ path: '/', state, init, reach: counterResult })),
  // The checkout.
  { path: '/merchant.html', state: 'waiting', init: waitingWallet, reach: async (p) => (await pay(p), await p.locator('#browser-wallet').waitFor()) },
  {
    path: '/merchant.html',
    state: 'wallet-asked',
    init: waitingWallet,
    reach: async (p) => {
      await pay(p);
      await p.locator('#browser-wallet').click();
    },
  },
  { path: '/merchant.html', state: 'waiting-phone-no-dcapi', mobile: true, init: withoutDcApi, reach: async (p) => (await pay(p), await p.locator('#wallet-link').waitFor()) },
  {
    // Our failure after the wallet answered: the customer is told to press the wallet button again.
    path: '/merchant.html',
    state: 'answer-not-taken',
    init: async (p) => {
      await waitingWallet(p);
      await p.addInitScript(() => {
        (navigator.credentials as unknown as { get: () => Promise<unknown> }).get = async () => ({ protocol: 'org-iso-mdoc', data: { response: 'x' } });
      });
      await p.route('**/dcapi-response', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"STORE_UNAVAILABLE"}' }));
    },
    reach: async (p) => {
      await pay(p);
      await p.locator('#browser-wallet').click();
      await expect.poll(() => p.locator('#browser-wallet').isEnabled()).toBe(true);
    },
  },
  ...FINALS.map(([state, init]) => ({ path: '/merchant.html', state, init, reach: checkoutOutcome })),
];

async function open(scenario: Scenario, lang: Lang): Promise<Page> {
  const page = await browser.newPage({
    locale: lang === 'ja' ? 'ja-JP' : 'en-US',
    viewport: scenario.mobile ? SIZES.phone : SIZES.counter,
    ...(scenario.mobile ? { hasTouch: true, isMobile: true } : {}),
  });
  // The language the person chose before is the page's (I18n keeps it in localStorage).
  await page.addInitScript((l) => localStorage.setItem('kakunin.lang', l), lang);
  if (scenario.init) await scenario.init(page);
  await page.goto(svc.url + scenario.path);
  await page.waitForLoadState('load');
  if (scenario.reach) await scenario.reach(page, lang);
  return page;
}

describe('every button, every page, every state: readable', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.path} ${scenario.state}`, async () => {
      const problems: string[] = [];
      let seen = 0;
      for (const lang of LANGS) {
        const page = await open(scenario, lang);
        const sizes = scenario.mobile ? (['phone'] as const) : (Object.keys(SIZES) as (keyof typeof SIZES)[]);
        for (const size of sizes) {
          await page.setViewportSize(SIZES[size]);
          const looks = await buttonLooks(page);
          seen += looks.length;
          for (const b of looks) {
            const where = `${scenario.path} ${scenario.state} ${lang} ${size} #${b.name}`;
            if (!b.text) problems.push(`${where}: no words`);
            if (b.text_colour === b.background) problems.push(`${where}: text ${b.text_colour} on the same colour`);
            else if (b.contrast < 4.5) problems.push(`${where}: "${b.text}" ${b.text_colour} on ${b.background}, ${b.contrast}:1`);
          }
          if (shots) {
            mkdirSync(shots, { recursive: true });
            await page.screenshot({ path: join(shots, `buttons-${scenario.path === '/' ? 'index' : scenario.path.slice(1).replace('.html', '')}-${scenario.state}-${lang}-${size}.png`) });
          }
        }
        await page.close();
      }
      expect(problems).toEqual([]);
      expect(seen, 'buttons were found').toBeGreaterThan(0);
    }, 60_000);
  }
});
