/**
 * Delivers a receipt to the merchant's backend. At-least-once: retries with exponential backoff on
 * network errors, 429 and 5xx; any other 4xx is final (retrying will not fix it). The body holds the
 * verification id and the receipt JWS only, which the backend checks against our JWKS.
 */

export interface WebhookDelivery {
  url: string;
  verificationId: string;
  /** The final state: verified and failed carry a receipt, declined a reason. */
  state: 'verified' | 'failed' | 'declined';
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

export async function deliverWebhook(d: WebhookDelivery, options: WebhookOptions = DEFAULT_WEBHOOK_OPTIONS): Promise<WebhookOutcome> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let reason = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      const res = await doFetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'kakunin-webhook' },
        body: JSON.stringify({ verification_id: d.verificationId, state: d.state, ...(d.receipt ? { receipt: d.receipt } : {}), ...(d.reason ? { reason: d.reason } : {}) }),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts: attempt };
      reason = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) return { delivered: false, attempts: attempt, reason };
    } catch (e) {
      reason = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network error';
    }
    if (attempt < options.attempts) await sleep(options.baseDelayMs * 2 ** (attempt - 1));
  }
  return { delivered: false, attempts: options.attempts, reason };
}
