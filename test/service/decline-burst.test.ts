/**
 * Anyone who sees a counter's QR code can decline its verifications (docs/security.md, "Declines"):
 * a burst of declines on one client's verifications is counted in /metrics and logged once, with no
 * personal data and no bearer value; the clerk's own cancels do not count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type StartedService } from '../../src/service/startup/serve.js';
import { DECLINE_BURST, DeclineWatch } from '../../src/service/verifications/decline-watch.js';
import { capturingLogger, freePort } from './helpers.js';

let svc: StartedService;
const log = capturingLogger('info');
beforeAll(async () => {
  svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: log.logger });
});
afterAll(async () => svc?.close());

async function create(): Promise<{ id: string; qr: { uri: string } }> {
  const res = await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; qr: { uri: string } };
}
const requestUriOf = (qr: string) => new URL(qr).searchParams.get('request_uri')!;
/** What someone who photographed the QR code can do: fetch the request object, post access_denied with its state. */
async function declineFromQr(qr: string): Promise<void> {
  const requestUri = requestUriOf(qr);
  expect((await fetch(requestUri)).status).toBe(200);
  const state = new URL(requestUri).pathname.split('/')[3];
  const res = await fetch(requestUri.replace(/request$/, 'response'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `error=access_denied&state=${state}` });
  expect(res.status).toBe(200);
}
const bursts = () => log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40 && String(l.msg).includes('declined in a burst'));
const metric = async (name: string) =>
  (await (await fetch(`${svc.url}/metrics`)).text())
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');

describe('a burst of declines', () => {
  it('is counted and logged once when one client reaches 20 within a minute; the clerk cancelling does not count', async () => {
    // The clerk's 中止 five times: no burst, however many.
    for (let i = 0; i < 5; i++) {
      const v = await create();
      const res = await fetch(`${svc.url}/v1/verifications/${v.id}/decline`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'verifier_cancelled' }),
      });
      expect(res.status).toBe(200);
    }
    const made = await Promise.all(Array.from({ length: DECLINE_BURST.threshold + 2 }, () => create()));
    for (const v of made.slice(0, DECLINE_BURST.threshold - 1)) await declineFromQr(v.qr.uri);
    expect(bursts()).toHaveLength(0);
    await declineFromQr(made[DECLINE_BURST.threshold - 1].qr.uri);
    expect(bursts()).toHaveLength(1);
    expect(bursts()[0]).toMatchObject({ client: 'kakunin-client:sandbox', declines: DECLINE_BURST.threshold, windowSeconds: 60, purpose: 'age_over', via: 'wallet' });
    // Once per window, not once per decline.
    for (const v of made.slice(DECLINE_BURST.threshold)) await declineFromQr(v.qr.uri);
    expect(bursts()).toHaveLength(1);
    expect(await metric('kakunin_decline_bursts_total{')).toBe('kakunin_decline_bursts_total{client="kakunin-client:sandbox"} 1');
    expect(await metric('kakunin_declines_total{')).toContain(`kakunin_declines_total{purpose="age_over",via="wallet",reason="DECLINED"} ${DECLINE_BURST.threshold + 2}`);
    expect(await metric('kakunin_declines_total{')).toContain('kakunin_declines_total{purpose="age_over",via="page",reason="CANCELLED_BY_VERIFIER"} 5');
    // Neither the verification ids nor the QR handles are in the warning.
    const text = JSON.stringify(bursts());
    for (const v of made) {
      expect(text).not.toContain(v.id);
      expect(text).not.toContain(new URL(requestUriOf(v.qr.uri)).pathname.split('/')[3]);
    }
  }, 120_000);

  it('counts within the window only, per client, and reports again in the next window', () => {
    const watch = new DeclineWatch({ threshold: 3, windowMs: 1000 });
    expect([watch.record('a', 0), watch.record('a', 100), watch.record('b', 150)]).toEqual([undefined, undefined, undefined]);
    // By 1,100 ms a's two declines have left the window (100, 1100]: a starts again at one.
    expect(watch.record('a', 1100)).toBeUndefined();
    expect(watch.record('a', 1200)).toBeUndefined();
    expect(watch.record('a', 1300)).toBe(3);
    expect(watch.record('a', 1400)).toBeUndefined();
    expect(watch.record('b', 1400)).toBeUndefined();
    // The next window: reported again.
    expect([watch.record('a', 2350), watch.record('a', 2400)]).toEqual([undefined, undefined]);
    expect(watch.record('a', 2450)).toBe(3);
  });
});
