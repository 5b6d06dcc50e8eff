/**
 * README "Add kakunin to your checkout" runs as written: its backend, page and script blocks (found by
 * their `<!-- readme-snippet: NAME -->` markers, so they cannot drift) become a shop on another origin
 * than the verifier, served with the README's Content-Security-Policy, and a customer buys with the
 * sandbox wallet in Chromium: at a desk by the QR code, and on a phone without the Digital Credentials
 * API by the wallet link and the wallet's redirect back. And kakunin.d.ts declares what kakunin.js
 * exports, with the same parameters.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoInChromium } from '../helpers/page-states.js';
import { freePort } from '../service/helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const KEY = 'readme-checkout-key-0123456789-QwE';
const shots = process.env.KAKUNIN_SCREENSHOTS;

function snippet(name: string): string {
  const m = new RegExp(`<!-- readme-snippet: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!m) throw new Error(`README has no snippet "${name}"`);
  return m[1];
}

describe('kakunin.d.ts declares kakunin.js', () => {
  const js = readFileSync(join(ROOT, 'public/kakunin.js'), 'utf8');
  const dts = readFileSync(join(ROOT, 'public/kakunin.d.ts'), 'utf8');
  const exported = [.../global\.Kakunin = \{([^}]*)\}/.exec(js)![1].matchAll(/(\w+):\s*(\w+)/g)].map((m) => ({ name: m[1], fn: m[2] }));

  it('every export, with its parameters in order', () => {
    expect(exported.length).toBeGreaterThan(4);
    for (const { name, fn } of exported) {
      const inJs = new RegExp(`function ${fn}\\(([^)]*)\\)`).exec(js);
      const inDts = new RegExp(`function ${name}\\(([^)]*)\\)`).exec(dts);
      expect(inDts, `${name} is declared`).not.toBeNull();
      const params = (list: string) =>
        list
          .split(',')
          .map((p) => p.trim().split(/[?:]/)[0].trim())
          .filter(Boolean);
      expect(params(inDts![1]), name).toEqual(params(inJs![1]));
    }
    const declared = [...dts.matchAll(/^ {2}function (\w+)\(/gm)].map((m) => m[1]);
    expect(declared.sort()).toEqual(exported.map((e) => e.name).sort());
  });

  it('every option present() reads, and every method of what it returns', () => {
    // present()'s code, without its strings (a message says "set options.origin when you create it").
    const present = /\n {2}function present\([\s\S]*?\n {2}\}\n/.exec(js)![0].replace(/'[^'\n]*'/g, "''");
    const options = new Set([...present.matchAll(/options\.(\w+)/g)].map((m) => m[1]));
    expect(options.size).toBeGreaterThan(4);
    const declaredOptions = /interface Options \{([\s\S]*?)\n {2}\}/.exec(dts)![1];
    for (const o of options) expect(declaredOptions, `Options.${o}`).toMatch(new RegExp(`\\b${o}\\?:`));
    const run = /return \{\n\s*\/\*\*[^\n]*\n\s*askWallet[\s\S]*?\n {4}\};/.exec(present)![0];
    const methods = [...run.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]);
    const declaredRun = /interface Run \{([\s\S]*?)\n {2}\}/.exec(dts)![1];
    for (const m of methods) expect(declaredRun, `Run.${m}`).toMatch(new RegExp(`\\b${m}\\(`));
  });
});

describe('the README checkout, copied into a shop on another origin', () => {
  const demo = demoInChromium(['--api-keys', KEY]);
  let shop: Server;
  let shopOrigin: string;

  beforeAll(async () => {
    const verifier = demo.svc.url;
    const port = await freePort();
    // The shop is 127.0.0.1 on its own port: another origin than the verifier's.
    shopOrigin = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-readme-shop-'));
    writeFileSync(join(dir, 'backend.mjs'), snippet('checkout-backend'));
    Object.assign(process.env, { KAKUNIN_URL: verifier, KAKUNIN_API_KEY: KEY, SHOP_ORIGIN: shopOrigin });
    const { createAgeCheck } = (await import(pathToFileURL(join(dir, 'backend.mjs')).href)) as { createAgeCheck: () => Promise<unknown> };
    const csp = /^Content-Security-Policy: (.*)$/m.exec(README)![1].replaceAll('https://verifier.example', verifier);
    const page = snippet('checkout-page').replaceAll('https://verifier.example', verifier);
    const script = snippet('checkout-script').replaceAll('https://verifier.example', verifier);
    shop = createServer((req, res) => {
      void (async () => {
        if (req.method === 'POST' && req.url === '/age-check') {
          const verification = JSON.stringify(await createAgeCheck());
          return res.writeHead(200, { 'content-type': 'application/json' }).end(verification);
        }
        if (req.url === '/favicon.ico') return res.writeHead(204).end();
        if (req.url === '/checkout.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        if (req.url?.startsWith('/checkout')) {
          const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head><body>${page}</body></html>`;
          return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp }).end(html);
        }
        res.writeHead(404).end();
      })().catch((e: Error) => res.writeHead(500).end(e.message));
    });
    await new Promise<void>((resolve) => shop.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    shop?.closeAllConnections();
    await new Promise((resolve) => shop?.close(resolve));
    for (const k of ['KAKUNIN_URL', 'KAKUNIN_API_KEY', 'SHOP_ORIGIN']) delete process.env[k];
  });

  /** A browser context without the Digital Credentials API, whose console errors and CSP violations are kept. */
  async function customer(phone: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await demo.browser.newContext({
      locale: 'en-US',
      viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
      ...(phone ? { hasTouch: true, isMobile: true } : {}),
    });
    await context.addInitScript(() => {
      delete (window as unknown as { DigitalCredential?: unknown }).DigitalCredential;
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const errors: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    return { context, page, errors };
  }

  async function scan(uri: string): Promise<{ wallet_post_status: number; redirect_uri?: string }> {
    const res = await fetch(`${demo.svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri }) });
    return (await res.json()) as { wallet_post_status: number; redirect_uri?: string };
  }

  it('at a desk: the QR code at the size the README gives it, the sandbox wallet answers, the outcome shows and the check is cleared', async () => {
    const { context, page, errors } = await customer(false);
    await page.goto(`${shopOrigin}/checkout`);
    const created = page.waitForResponse((r) => r.url().endsWith('/age-check'));
    await page.getByRole('button', { name: 'Check my age and buy' }).click();
    const verification = (await (await created).json()) as { qr: { uri: string }; origin: string };
    expect(verification.origin).toBe(shopOrigin);
    const qr = page.locator('#kakunin-qr svg');
    await qr.waitFor();
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(240);
    expect(box.width).toBeGreaterThan(150);
    if (shots) await page.screenshot({ path: join(shots, 'readme-checkout-waiting-en-desk.png') });
    expect((await scan(verification.qr.uri)).wallet_post_status).toBe(200);
    await expect.poll(() => page.locator('#kakunin-result').textContent(), { timeout: 10_000 }).toBe('Age confirmed: thank you for your order.');
    expect(await page.locator('#kakunin').isHidden()).toBe(true);
    expect(await page.locator('#kakunin-qr svg').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on a phone without the DC API: the wallet link, then the redirect back with a response code the page redeems', async () => {
    const { context, page, errors } = await customer(true);
    await page.goto(`${shopOrigin}/checkout`);
    await page.getByRole('button', { name: 'Check my age and buy' }).click();
    const link = page.getByRole('link', { name: 'Open my wallet app' });
    await link.waitFor();
    expect(await page.locator('#kakunin-qr svg').count()).toBe(0);
    const answered = await scan((await link.getAttribute('href'))!);
    expect(answered.redirect_uri).toMatch(new RegExp(`^${shopOrigin}/checkout#response_code=`));
    // The wallet opens the page in a new tab of the same browser.
    const back = await context.newPage();
    back.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await back.goto(answered.redirect_uri!);
    await expect.poll(() => back.locator('#kakunin-result').textContent(), { timeout: 10_000 }).toBe('Age confirmed: thank you for your order.');
    expect(new URL(back.url()).hash).toBe('');
    if (shots) await back.screenshot({ path: join(shots, 'readme-checkout-back-en-phone.png') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a verification the service refuses to create (wrong API key) is "try again", not a crash', async () => {
    process.env.KAKUNIN_API_KEY = 'not-the-key-0123456789';
    try {
      const { context, page, errors } = await customer(false);
      await page.goto(`${shopOrigin}/checkout`);
      await page.getByRole('button', { name: 'Check my age and buy' }).click();
      await expect.poll(() => page.locator('#kakunin-result').textContent()).toBe('Something went wrong on our side. Please try again.');
      expect(await page.getByRole('button', { name: 'Check my age and buy' }).isEnabled()).toBe(true);
      // The shop's backend answered 500 (its own console error in the browser's log is the 500 itself).
      expect(errors.filter((e) => !/status of 500/.test(e))).toEqual([]);
      await context.close();
    } finally {
      process.env.KAKUNIN_API_KEY = KEY;
    }
  });
});
