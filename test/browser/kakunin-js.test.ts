/**
 * kakunin.js in a real browser (Debian chromium, playwright-core), on a bare page of the verifier's
 * origin: how a Digital Credentials API call that ends without a presentation reaches the page.
 * A wallet's error (OpenID4VP 1.0 Appendix A.4: a fulfilled call whose data is {error}) and a call
 * the browser rejects (NotAllowedError: the person closed the sheet) are declines, heard by onState
 * with the state `declined` and its reason; onError stays for our own failures.
 */
import { execSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from '../service/helpers.js';

let svc: StartedService;
let browser: Browser;

beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: createLogger('silent') });
  const path = execSync('command -v chromium || command -v chromium-browser || true', { shell: '/bin/sh' }).toString().trim();
  browser = await chromium.launch({ executablePath: path, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

type Outcome = 'wallet-error' | 'rejected';

/** A page on the verifier's origin that loads kakunin.js, with a DC API that ends as `outcome` says. */
async function pageWith(outcome: Outcome, walletError = 'access_denied'): Promise<Page> {
  const page = await browser.newPage();
  await page.route(`${svc.url}/kakunin-test.html`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>t</title><script src="/kakunin.js"></script></html>' }),
  );
  await page.addInitScript(
    ([kind, error]) => {
      (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class {};
      const get = async (argument: { digital: { requests: { protocol: string }[] } }) => {
        if (kind === 'rejected') throw new DOMException('The user cancelled', 'NotAllowedError');
        // The wallet answers in the OpenID4VP protocol it was offered, with its error instead of a presentation.
        const protocol = argument.digital.requests.map((r) => r.protocol).find((p) => p.startsWith('openid4vp-v1-'));
        return { protocol, data: { error } };
      };
      Object.defineProperty(navigator, 'credentials', { configurable: true, value: { get } });
    },
    [outcome, walletError] as const,
  );
  await page.goto(`${svc.url}/kakunin-test.html`);
  return page;
}

interface Heard {
  states: { state: string; reason?: { code: string; detail?: string; en: string } }[];
  errors: { message: string; code?: string }[];
}

/** Creates a verification as a backend would, hands it to Kakunin.present, asks the wallet, and reports what the callbacks heard once a final state came. */
function askWallet(page: Page): Promise<Heard> {
  return page.evaluate(async () => {
    const res = await fetch('/v1/verifications', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
    const verification = await res.json();
    const heard: Heard = { states: [], errors: [] };
    const K = (window as unknown as { Kakunin: any }).Kakunin;
    await new Promise<void>((resolve) => {
      const run = K.present(verification, {
        onState: (event: Heard['states'][number]) => {
          heard.states.push({ state: event.state, ...(event.reason ? { reason: event.reason } : {}) });
          if (event.state === 'declined' || event.state === 'failed' || event.state === 'verified' || event.state === 'expired') resolve();
        },
        onError: (e: { message: string; code?: string }) => {
          heard.errors.push({ message: e.message, ...(e.code ? { code: e.code } : {}) });
          resolve();
        },
      });
      run.askWallet().catch(() => undefined);
    });
    return heard;
  });
}

describe('kakunin.js: a DC API call that ends without a presentation', () => {
  it.each([
    ["a wallet's access_denied is the person's decline", 'wallet-error', 'access_denied', { code: 'DECLINED', detail: 'access_denied' }],
    [
      'another wallet error is a decline by a wallet that could not answer',
      'wallet-error',
      'invalid_request',
      { code: 'WALLET_ERROR', detail: 'invalid_request', en: 'The wallet could not answer this check. Please try again, or use another way to verify.' },
    ],
    ['a call the browser rejects with NotAllowedError (the sheet closed) is the decline it was', 'rejected', undefined, { code: 'DECLINED', detail: 'user_cancelled' }],
  ] as const)('%s: onState hears declined with its reason, onError nothing', async (_name, outcome, walletError, reason) => {
    const page = await pageWith(outcome, walletError);
    const heard = await askWallet(page);
    expect(heard.errors).toEqual([]);
    expect(heard.states.at(-1)).toMatchObject({ state: 'declined', reason });
    await page.close();
  });
});
