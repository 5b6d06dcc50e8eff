/**
 * Outgoing requests to URLs a client chose (webhooks: `options.webhook_url` of a create call comes
 * from the merchant's request, and a stolen or careless key must not turn kakunin into a proxy into
 * its own network). Same rules as trust material fetching (src/runtime/fetch.ts): http(s) only, no
 * credentials in the URL, every resolved address checked against loopback, private, link-local and
 * reserved ranges, and the socket connects to the checked address. Private ranges only when the
 * operator configured them (KAKUNIN_WEBHOOK_ALLOW_PRIVATE).
 */
import http from 'node:http';
import https from 'node:https';
import { blockedLiteral, checkUrl, guardedLookup } from '../../runtime/fetch.js';
import { ServiceError } from '../errors.js';

export interface OutgoingPolicy {
  allowLoopback?: boolean;
  allowPrivate?: boolean;
}

/** At create time: the form, and a literal IP's range. Host names are checked when connecting. */
export function checkWebhookUrl(raw: string, policy: OutgoingPolicy): void {
  let url: URL;
  try {
    url = checkUrl(raw);
  } catch (e) {
    throw new ServiceError('WEBHOOK_URL_BLOCKED', `webhook_url: ${(e as Error).message}`);
  }
  // RFC 6761: localhost and every name under it are the loopback, whatever a resolver says.
  const localhost = /^(?:.+\.)?localhost\.?$/i.test(url.hostname);
  const why = blockedLiteral(url, policy) ?? (localhost && !policy.allowLoopback ? 'loopback address' : undefined);
  if (why) throw new ServiceError('WEBHOOK_URL_BLOCKED', `webhook_url points to a ${why}`);
}

/**
 * A `fetch` for the webhook deliverer that refuses blocked destinations (it rejects, as a network
 * error would) and never follows redirects. Supports what delivery.ts uses: method, headers, a string
 * body, a signal.
 */
export function guardedFetch(policy: OutgoingPolicy): typeof fetch {
  return (input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      let url: URL;
      try {
        url = checkUrl(input instanceof Request ? input.url : input.toString());
      } catch (e) {
        return reject(e);
      }
      const why = blockedLiteral(url, policy);
      if (why) return reject(new ServiceError('FETCH_BLOCKED', `${url.hostname}: ${why}`));
      const mod = url.protocol === 'https:' ? https : http;
      // agent: false: never reuse a pooled socket, whose address was checked under another policy.
      const req = mod.request(
        url,
        { method: init.method ?? 'GET', agent: false, headers: init.headers as Record<string, string>, lookup: guardedLookup(policy), signal: init.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // The body is not used; keep at most 64 KiB of it.
            if ((size += c.length) <= 65536) chunks.push(c);
          });
          res.on('end', () => resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
}
