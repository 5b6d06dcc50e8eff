/**
 * The step-up demo page (public/step-up.html) in Debian's chromium against `kakunin demo`'s sandbox
 * wallet (its card: 確認 花子, 1990-04-01, 東京都千代田区千代田1-1): both screens (change of withdrawal
 * account, recovery after a lost phone) with a matching, a variant and a mismatching account, through
 * the Digital Credentials API and, where the browser has none, the sandbox wallet's stand-in button.
 * It checks what a person sees: the verdict's words and painted colours, one row per compared field,
 * nothing wider than the screen, and no value of the card in the receipt. Screenshots at 390x844 and
 * 1280x800 in Japanese and English go to KAKUNIN_SCREENSHOTS (or a temporary folder).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from '../service/helpers.js';
import { CHROMIUM_ARGS, chromiumPath, withSandboxWallet } from '../helpers/browser.js';

const SHOTS = process.env.KAKUNIN_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'kakunin-step-up-'));
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

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

async function open(lang: 'ja' | 'en', size: keyof typeof SIZES, dcApi = true): Promise<Page> {
  const page = await browser.newPage({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', viewport: SIZES[size], ...(size === 'phone' ? { isMobile: true, hasTouch: true } : {}) });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  (page as unknown as { errors: string[] }).errors = errors;
  if (dcApi) await withSandboxWallet(page);
  else {
    // Debian's chromium may have the API itself, with no wallet behind it: take it away.
    await page.addInitScript(() => {
      delete (window as unknown as { DigitalCredential?: unknown }).DigitalCredential;
    });
  }
  await page.goto(`${svc.url}/step-up.html`);
  return page;
}

/** What the person reads once the check ended: the verdict, its colours, and each field's row. */
async function outcome(page: Page) {
  await page.locator('#result').waitFor({ state: 'visible' });
  return page.evaluate(() => {
    const verdict = document.getElementById('verdict')!;
    const style = getComputedStyle(verdict);
    const rows = Array.from(document.querySelectorAll('#field-rows tr')).map((tr) => {
      const cell = tr.children[1] as HTMLElement;
      return { field: tr.children[0].textContent, result: cell.className, words: cell.textContent, colour: getComputedStyle(cell).color };
    });
    return {
      verdict: verdict.textContent ?? '',
      kind: verdict.className,
      background: style.backgroundColor,
      colour: style.color,
      rows,
      receipt: document.getElementById('receipt')!.textContent ?? '',
      overflow: document.documentElement.scrollWidth > window.innerWidth,
      // Whole, on the screen as it is (no scrolling by the test): on a phone the form above is taller than the screen.
      verdictInView: ((r) => r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight)(verdict.getBoundingClientRect()),
    };
  });
}

async function check(page: Page, scenario: 'withdrawal' | 'recovery', account: number) {
  await page.click(`#tab-${scenario}`);
  await page.locator('input[name="account"]').nth(account).check();
  await page.click('#confirm');
  return outcome(page);
}

const ACCOUNTS = ['match', 'variant', 'mismatch'] as const;

describe('step-up demo page', () => {
  for (const lang of ['ja', 'en'] as const) {
    for (const size of ['phone', 'desktop'] as const) {
      it(`${lang}, ${size}: both screens, each account, as a person sees them`, async () => {
        const page = await open(lang, size);
        for (const scenario of ['withdrawal', 'recovery'] as const) {
          for (const [i, kind] of ACCOUNTS.entries()) {
            const seen = await check(page, scenario, i);
            const fields = scenario === 'recovery' ? 3 : 2;
            expect(seen.rows.length, `${scenario} ${kind}`).toBe(fields);
            if (kind === 'match') expect(seen.rows.map((r) => r.result)).toEqual(Array(fields).fill('match'));
            if (kind === 'variant') expect(seen.rows[0].result).toBe('variant');
            if (kind === 'mismatch') expect(seen.rows.map((r) => r.result).slice(0, 2)).toEqual(['mismatch', 'mismatch']);
            const ok = kind !== 'mismatch';
            expect(seen.kind).toBe(`verdict ${ok ? 'ok' : 'ng'}`);
            expect(seen.verdict.startsWith(ok ? '✓' : '✗')).toBe(true);
            expect(seen.verdict).toMatch(lang === 'ja' ? /ご本人|一致しません/ : /account holder|does not match/);
            // Painted: green for yes, red for no, dark text on a light box.
            expect(seen.background).toBe(ok ? 'rgb(227, 244, 232)' : 'rgb(253, 236, 235)');
            expect(seen.colour).toBe(ok ? 'rgb(11, 79, 29)' : 'rgb(127, 29, 23)');
            for (const r of seen.rows) expect(r.colour).toBe({ match: 'rgb(11, 107, 38)', variant: 'rgb(122, 77, 0)', mismatch: 'rgb(179, 38, 30)' }[r.result]);
            expect(seen.overflow, `${scenario} ${kind}: wider than the screen`).toBe(false);
            expect(seen.verdictInView).toBe(true);
            // The receipt: the comparison and the channel, never the card's values.
            expect(seen.receipt).toContain('"channel": "dc_api:');
            expect(seen.receipt).not.toMatch(/花子|春子|千代田|1990/);
            if (scenario === 'recovery') expect(seen.receipt).toMatch(/"binding": "cb1\./);
            mkdirSync(SHOTS, { recursive: true });
            await page.screenshot({ path: join(SHOTS, `step-up-${scenario}-${kind}-${lang}-${size}.png`), fullPage: true });
          }
        }
        expect((page as unknown as { errors: string[] }).errors).toEqual([]);
        await page.close();
      }, 120_000);
    }
  }

  it('without the Digital Credentials API: says so, and the sandbox wallet answers in its place', async () => {
    const page = await open('en', 'desktop', false);
    await page.click('#confirm');
    await page.locator('#sandbox-answer').waitFor({ state: 'visible' });
    expect(await page.locator('#no-dcapi').isVisible()).toBe(true);
    await page.click('#sandbox-answer');
    const seen = await outcome(page);
    expect(seen.kind).toBe('verdict ok');
    expect(await page.locator('#sandbox-answer').isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'step-up-no-dcapi-en-desktop.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
