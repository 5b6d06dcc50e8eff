/** Driving the pages in Debian's chromium: where it is, and a Digital Credentials API backed by the demo's sandbox wallet. */
import { execSync } from 'node:child_process';
import type { Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export function chromiumPath(): string {
  const path = execSync('command -v chromium || command -v chromium-browser || true', { shell: '/bin/sh' }).toString().trim();
  if (!path) throw new Error('chromium is not installed: apt-get install -y chromium');
  return path;
}

/**
 * Gives the page a navigator.credentials.get backed by the sandbox wallet (the demo's
 * /v1/sandbox/wallet/dcapi). With `protocol`, the browser hands the wallet only the request in that
 * protocol, as Safari (org-iso-mdoc) or Chrome (openid4vp-v1-*) do; the wallet answers the first it
 * is given. Returns the protocols of the answers the page then posts to the service.
 */
export async function withSandboxWallet(page: Page, protocol?: string): Promise<string[]> {
  const posted: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith('/dcapi-response')) posted.push((req.postDataJSON() as { protocol: string }).protocol);
  });
  await page.addInitScript((only) => {
    // The Digital Credentials API is there when DigitalCredential is (as in Chrome 141+, Safari 26).
    (window as unknown as { DigitalCredential: unknown }).DigitalCredential = class DigitalCredential {
      static userAgentAllowsProtocol(p: string) {
        return only === null || p === only;
      }
    };
    Object.defineProperty(navigator, 'credentials', {
      configurable: true,
      value: {
        get: async (argument: { digital: { requests: { protocol: string }[] }; signal?: AbortSignal }) => {
          const requests = argument.digital.requests.filter((r) => only === null || r.protocol === only);
          const res = await fetch('/v1/sandbox/wallet/dcapi', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ argument: { digital: { requests } }, origin: location.origin }),
          });
          return res.json();
        },
      },
    });
  }, protocol ?? null);
  return posted;
}
