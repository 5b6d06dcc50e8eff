/**
 * Outgoing requests to URLs a client chose (webhooks: `options.webhook_url` of a create call comes
 * from the merchant's request, and a stolen or careless key must not turn kakunin into a proxy into
 * its own network). Same rules as trust material fetching (src/trust/fetch.ts): http(s) only, no
 * credentials in the URL, every resolved address checked against loopback, private, link-local and
 * reserved ranges, and the socket connects to the checked address. Private ranges only when the
 * operator configured them (KAKUNIN_WEBHOOK_ALLOW_PRIVATE).
 */
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { blockedReason, checkUrl, type FetchPolicy } from '../trust/fetch.js';
import { ServiceError } from './errors.js';

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
    throw new ServiceError(400, 'WEBHOOK_URL_BLOCKED', `webhook_url: ${(e as Error).message}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const why = isIP(host) ? blockedReason(host, policy) : host === 'localhost' && !policy.allowLoopback ? 'loopback address' : undefined;
  if (why) throw new ServiceError(400, 'WEBHOOK_URL_BLOCKED', `webhook_url points to a ${why}`);
}

function guardedLookup(policy: FetchPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: 0 }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as { address: string; family: number }[];
      const bad = list.map((a) => blockedReason(a.address, policy)).find(Boolean);
      if (bad || list.length === 0) return callback(Object.assign(new Error(`${hostname}: ${bad ?? 'no address'}`), { code: 'FETCH_BLOCKED' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * A `fetch` for the webhook deliverer that refuses blocked destinations (it rejects, as a network
 * error would) and never follows redirects. Supports what webhook.ts uses: method, headers, a string
 * body, a signal.
 */
export function guardedFetch(policy: OutgoingPolicy): typeof fetch {
  return ((input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      let url: URL;
      try {
        url = checkUrl(String(input));
      } catch (e) {
        return reject(e);
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) {
        const why = blockedReason(host, policy);
        if (why) return reject(Object.assign(new Error(`${host}: ${why}`), { code: 'FETCH_BLOCKED' }));
      }
      const mod = url.protocol === 'https:' ? https : http;
      // agent: false: never reuse a pooled socket, whose address was checked under another policy.
      const req = mod.request(url, { method: init.method ?? 'GET', agent: false, headers: init.headers as Record<string, string>, lookup: guardedLookup(policy), signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // The body is not used; keep at most 64 KiB of it.
          if ((size += c.length) <= 65536) chunks.push(c);
        });
        res.on('end', () => resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    })) as typeof fetch;
}
