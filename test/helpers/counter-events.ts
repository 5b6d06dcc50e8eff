/** A verification's final events as the service sends them, fed to a page without a wallet: each final look in one step. */
import type { Page } from 'playwright-core';
import { reasonFor, type ReasonCode } from '../../src/service/verifications/reasons.js';

/** A final event as the service sends it, for a verification of age_over. */
export function finalEvent(state: 'verified' | 'failed' | 'declined' | 'expired' | 'test', over = true, code?: ReasonCode) {
  const decision = (outcome: string) => ({ purpose: 'age_over', outcome, value: { kind: 'age_over', threshold: 20, over }, failureCodes: [] });
  const reason = code ?? (state === 'declined' ? 'DECLINED' : state === 'expired' ? 'REQUEST_EXPIRED' : state === 'failed' ? 'ISSUER_CERT_UNTRUSTED' : undefined);
  // A receipt's shape (the pages display its payload; they never verify it).
  const receipt = ['{"alg":"ES256"}', JSON.stringify({ sub: 'x', outcome: state }), 'sig'].map((p) => Buffer.from(p).toString('base64url')).join('.');
  return {
    id: 'x',
    state,
    purpose: 'age_over',
    expires_at: new Date(Date.now() + 60_000).toISOString(),
    ...(state === 'verified' || state === 'test' ? { decision: decision(state), receipt } : {}),
    ...(state === 'failed' ? { decision: { ...decision('failed'), value: undefined, failureCodes: [code ?? 'ISSUER_CERT_UNTRUSTED'] }, receipt } : {}),
    ...(reason ? { reason: reasonFor(reason) } : {}),
  };
}

/** The verification's event stream answers `event` at once (a final state: the page is done with it). */
export async function streamAnswers(page: Page, event: ReturnType<typeof finalEvent>): Promise<void> {
  const of = (url: string) => ({ ...event, id: /\/v1\/verifications\/([^/]+)/.exec(url)![1] });
  await page.route('**/v1/verifications/*/events', (route) =>
    route.fulfill({ status: 200, contentType: 'text/event-stream', body: `event: ${event.state}\ndata: ${JSON.stringify(of(route.request().url()))}\n\n` }),
  );
  await page.route(/\/v1\/verifications\/[^/]+$/, (route) => (route.request().method() === 'GET' ? route.fulfill({ json: of(route.request().url()) }) : route.continue()));
}
