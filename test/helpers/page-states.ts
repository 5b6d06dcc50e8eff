/**
 * Bringing a page to a state in one step (the final events: counter-events.ts): a service that accepts
 * Apple test IDs, a Digital Credentials API that waits or is absent, a service that cannot create.
 * Shared by the browser tests that walk every state of the counter and the checkout.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../src/service/observability/logger.js';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { freePort } from '../service/helpers.js';
import { CHROMIUM_ARGS, chromiumPath } from './browser.js';

/** A service that answers Apple test IDs (sandbox only): the pages show the TEST banner. */
export async function testIdsOn(page: Page): Promise<void> {
  await page.route('**/v1/config', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, json: { ...(await res.json()), test_ids: true } });
  });
}

/** A Digital Credentials API whose wallet takes its time: the page waits with its buttons on screen. */
export async function waitingWallet(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class {};
    Object.defineProperty(navigator, 'credentials', { configurable: true, value: { get: () => new Promise(() => undefined) } });
  });
}

export async function withoutDcApi(page: Page): Promise<void> {
  await page.addInitScript(() => {
    delete (window as unknown as { DigitalCredential?: unknown }).DigitalCredential;
  });
}

/** The service refuses to create the verification (503): the page cannot even start. */
export async function createFails(page: Page): Promise<void> {
  await page.route('**/v1/verifications', (route) =>
    route.request().method() === 'POST' ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"STORE_UNAVAILABLE"}' }) : route.continue(),
  );
}

/** The demo service (with `args`) and a Chromium, started before a file's tests and stopped after them. */
export function demoInChromium(args: string[] = []): { readonly svc: StartedService; readonly browser: Browser } {
  const running = {} as { svc: StartedService; browser: Browser };
  beforeAll(async () => {
    running.svc = await startDemo(['--port', String(await freePort()), ...args], { env: {}, quiet: true, logger: createLogger('silent') });
    running.browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await running.browser?.close();
    await running.svc?.close();
  });
  return running;
}
