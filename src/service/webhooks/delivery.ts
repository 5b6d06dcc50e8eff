/**
 * Delivers a final state to the merchant's backend: one POST per attempt, with the verification id,
 * the state, the receipt JWS (checked against our JWKS) or the reason, and an event id. Retries on
 * network errors, 429 and 5xx; any other 4xx is final (retrying will not fix it).
 *
 * Delivery is at least once, so the same event may arrive more than once (a retry after a lost reply,
 * an instance that died mid-delivery): it always carries the same event id, in the body (`event_id`)
 * and in the `webhook-id` header (the Standard Webhooks header name), and a receiver de-duplicates on it.
 * Which queue holds deliveries between attempts is queue.ts's business.
 */

export interface WebhookDelivery {
  url: string;
  /** The same for every attempt and every instance: a keyed hash of the verification id and its state. */
  eventId: string;
  verificationId: string;
  /** The final state: verified and failed carry a receipt, declined a reason. */
  state: 'verified' | 'failed' | 'declined' | 'test';
  receipt?: string;
  reason?: { code: string; ja: string; en: string };
}

export interface WebhookOptions {
  attempts: number;
  /** First delay; doubles each time. */
  baseDelayMs: number;
  timeoutMs: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = { attempts: 5, baseDelayMs: 1000, timeoutMs: 5000 };

export type WebhookOutcome = { delivered: true; attempts: number } | { delivered: false; attempts: number; reason: string };

/** One attempt: delivered, or why not and whether another attempt may succeed. */
export type WebhookAttempt = { ok: true } | { ok: false; retry: boolean; reason: string };

export async function postWebhook(d: WebhookDelivery, options: Pick<WebhookOptions, 'timeoutMs' | 'fetch'>): Promise<WebhookAttempt> {
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(d.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'kakunin-webhook', 'webhook-id': d.eventId },
      body: JSON.stringify({
        event_id: d.eventId,
        verification_id: d.verificationId,
        state: d.state,
        ...(d.receipt ? { receipt: d.receipt } : {}),
        ...(d.reason ? { reason: d.reason } : {}),
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return { ok: true };
    return { ok: false, retry: res.status === 429 || res.status >= 500, reason: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, retry: true, reason: (e as Error).name === 'TimeoutError' ? 'timeout' : 'network error' };
  }
}

/** Attempts in this process, with doubling delays: the queue without Redis. */
export async function deliverWebhook(d: WebhookDelivery, options: WebhookOptions = DEFAULT_WEBHOOK_OPTIONS): Promise<WebhookOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let reason = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const r = await postWebhook(d, options);
    if (r.ok) return { delivered: true, attempts: attempt };
    reason = r.reason;
    if (!r.retry) return { delivered: false, attempts: attempt, reason };
    if (attempt < options.attempts) await sleep(options.baseDelayMs * 2 ** (attempt - 1));
  }
  return { delivered: false, attempts: options.attempts, reason };
}
