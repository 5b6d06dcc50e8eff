/**
 * The demo wallet's requests to its own service, each over a connection of its own (a fetch for the
 * calls it makes: a URL, a method, headers and a string body; redirects are never followed).
 *
 * Why not the global fetch: it keeps idle connections in a pool and sends the next request over one
 * of them. The service closes a connection idle for KAKUNIN_KEEP_ALIVE_TIMEOUT (5 s), and at its
 * connection limit closes idle ones at once; a request written onto a pooled connection in the
 * moment the service closes it is reset ("fetch failed", ECONNRESET). The client's shorter idle
 * time (undici keeps a connection 2 s less than the server's `Keep-Alive: timeout=`) narrows that
 * window but cannot close it: the demo wallet runs in the service's own process, and a busy or
 * starved process sends its request in the same turn it wakes in, before the server's overdue timer
 * has closed the connection under it. Neither request may simply be sent again: the POST to
 * request_uri makes a new signed request with a fresh wallet_nonce, and the POST of the answer
 * uses up the request's state. A new connection has no idle timer to meet, and on loopback it costs
 * a fraction of a millisecond.
 */
import http from 'node:http';
import https from 'node:https';
import { ServiceError } from '../errors.js';

/** How long the connection of one request may stay silent. */
const TIMEOUT_MS = 30_000;

/** HTTP statuses whose Response has no body (Fetch standard, "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export async function ownConnectionFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (input instanceof Request) throw new ServiceError('WALLET_CANNOT_ANSWER', 'the demo wallet fetches a URL, not a Request');
  const url = new URL(input);
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') throw new ServiceError('WALLET_CANNOT_ANSWER', 'the demo wallet sends string bodies only');
  const body = init.body ?? undefined;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) throw new ServiceError('WALLET_CANNOT_ANSWER', `the demo wallet fetches http: and https: URLs, not ${url.protocol}`);
  return new Promise<Response>((resolve, reject) => {
    // agent: false is a new connection, closed after this answer (Connection: close).
    const req = client.request(url, { method: init.method ?? 'GET', headers, agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const answerHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answerHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: answerHeaders }));
      });
    });
    req.on('timeout', () => req.destroy(new ServiceError('WALLET_CANNOT_ANSWER', `${url.origin} was silent for ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    init.signal?.addEventListener('abort', () => req.destroy(new ServiceError('WALLET_CANNOT_ANSWER', 'the request was aborted')), { once: true });
    req.end(body);
  });
}
