/**
 * Fetching trust material (CRLs, status lists, VICALs) from URLs that come from certificates and
 * MSOs, i.e. from whoever made the credential. That makes every URL attacker-chosen, so:
 * - only http: and https:, no credentials in the URL;
 * - the host is resolved once, every address is checked against private, loopback, link-local,
 *   CGNAT, multicast and reserved ranges, and the socket connects to that checked address (no
 *   second lookup an attacker could rebind);
 * - redirects are followed at most 3 times, each hop checked the same way;
 * - a size cap; an idle timeout (connecting, the response head, and every gap between two pieces of
 *   the body) and a ceiling on the whole exchange, redirects included. The idle timeout is what
 *   catches a dead or stalled server; the ceiling only stops a trickle, so it is long enough for the
 *   largest list over a slow link (a 42 MB CRL at 5 Mbit/s takes 67 s).
 * Loopback/private ranges are allowed only when configured (tests, a sandbox on 127.0.0.1).
 */
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { KakuninError } from '../codes/error.js';

export interface FetchPolicy {
  /** Allow 127.0.0.0/8 and ::1 (tests, a local sandbox). Default false. */
  allowLoopback?: boolean;
  /** Allow RFC 1918 / ULA / link-local ranges (an intranet mirror). Default false. */
  allowPrivate?: boolean;
  maxBytes?: number;
  /** The whole exchange, redirects included. Default DEFAULT_FETCH_TIMEOUT_MS (120 s). */
  timeoutMs?: number;
  /** Longest wait for the connection, the response head or the next piece of the body. Default 10 s. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

/** The ceiling on one fetch: a 64 MB list (the largest accepted) at 4.5 Mbit/s. */
export const DEFAULT_FETCH_TIMEOUT_MS = 120_000;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;

export interface FetchResult {
  url: string;
  status: number;
  contentType?: string;
  body: Uint8Array;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');
// Site-local (deprecated, still routed inside some networks).
PRIVATE.addSubnet('fec0::', 10, 'ipv6');

/** Never reachable on purpose, whatever the configuration. */
const RESERVED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['100.64.0.0', 10],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  RESERVED.addSubnet(net, bits, 'ipv4');
RESERVED.addSubnet('192.88.99.0', 24, 'ipv4');
RESERVED.addAddress('::', 'ipv6');
RESERVED.addSubnet('ff00::', 8, 'ipv6');
RESERVED.addSubnet('2001:db8::', 32, 'ipv6');
// NAT64 (well-known and local-use prefixes) and Teredo reach an IPv4 host chosen by the address.
RESERVED.addSubnet('64:ff9b::', 96, 'ipv6');
RESERVED.addSubnet('64:ff9b:1::', 48, 'ipv6');
RESERVED.addSubnet('2001::', 32, 'ipv6');
RESERVED.addSubnet('100::', 64, 'ipv6');

/** The eight 16-bit groups of an IPv6 address in any spelling (URL parsing makes it canonical first). */
function ipv6Groups(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  return tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The IPv4 address an IPv6 one stands for, in the forms that carry one: IPv4-mapped (::ffff:0:0/96),
 * IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96, deprecated) and 6to4 (2002::/16). Each
 * is judged as that IPv4 address, so `[::127.0.0.1]` is loopback however it is spelt.
 */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (g.length !== 8 || g.some((x) => !Number.isInteger(x))) throw new KakuninError('FETCH_BLOCKED', `cannot read ${address}`);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6], g[7]);
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6], g[7]);
  // :: and ::1 are themselves (unspecified, loopback), not IPv4-compatible addresses.
  if (zeros(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4(g[6], g[7]);
  if (g[0] === 0x2002) return v4(g[1], g[2]);
  return undefined;
}

/** Why `address` may not be contacted under `policy`, or undefined when it may. */
export function blockedReason(address: string, policy: FetchPolicy): string | undefined {
  let a = address;
  if (isIP(a) === 6) {
    try {
      a = embeddedIpv4(a) ?? a;
    } catch {
      // A zone id (fe80::1%eth0) or anything URL parsing does not take: nothing to connect to.
      return 'not an IP address';
    }
  }
  const family = isIP(a);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (RESERVED.check(a, type)) return 'reserved address range';
  if (LOOPBACK.check(a, type)) return policy.allowLoopback ? undefined : 'loopback address';
  if (PRIVATE.check(a, type)) return policy.allowPrivate ? undefined : 'private address range';
  return undefined;
}

function blocked(message: string): never {
  throw new KakuninError('FETCH_BLOCKED', message);
}

/** Why a URL whose host is a literal IP address (no lookup happens for those) is blocked, if it is. */
export function blockedLiteral(url: URL, policy: FetchPolicy): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? blockedReason(host, policy) : undefined;
}

/** Checks the URL's form; the addresses are checked at connect time by `guardedLookup`. */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    blocked('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') blocked(`scheme ${url.protocol} not allowed`);
  if (url.username || url.password) blocked('credentials in URL not allowed');
  return url;
}

/** A `lookup` for http(s).request that refuses a host when any of its addresses is blocked, so the
 * socket connects only to an address that was checked. */
export function guardedLookup(policy: FetchPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: 0 }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as { address: string; family: number }[];
      for (const a of list) {
        const why = blockedReason(a.address, policy);
        if (why) return callback(new KakuninError('FETCH_BLOCKED', `${hostname} resolves to a ${why}`), '', 0);
      }
      const first = list[0];
      if (!first) return callback(new KakuninError('FETCH_FAILED', `${hostname} has no address`), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      callback(null, first.address, first.family);
    });
  };
}

const overall = (policy: Required<FetchPolicy>) => new KakuninError('FETCH_FAILED', `timed out: the whole fetch took over ${policy.timeoutMs / 1000} s`);

function once(url: URL, policy: Required<FetchPolicy>, deadline: number): Promise<{ status: number; location?: string; contentType?: string; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const why = blockedLiteral(url, policy);
    if (why) return reject(new KakuninError('FETCH_BLOCKED', `${url.hostname} is a ${why}`));
    const mod = url.protocol === 'https:' ? https : http;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(overall(policy));
    // agent: false: a pooled keep-alive socket to the same host:port (opened under another policy)
    // would skip guardedLookup altogether.
    // `timeout` is the socket's idle timer: it runs while connecting and restarts with every chunk.
    const req = mod.request(url, { method: 'GET', agent: false, lookup: guardedLookup(policy), timeout: policy.idleTimeoutMs, headers: { accept: '*/*', 'user-agent': 'kakunin' } }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      const contentType = res.headers['content-type'];
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > policy.maxBytes) {
        res.destroy();
        return reject(new KakuninError('FETCH_FAILED', `response larger than ${policy.maxBytes} bytes`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > policy.maxBytes) {
          res.destroy();
          reject(new KakuninError('FETCH_FAILED', `response larger than ${policy.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        // A view of the one buffer, not a second copy: a CRL can be tens of megabytes.
        const body = Buffer.concat(chunks);
        resolve({ status, location, contentType, body: new Uint8Array(body.buffer, body.byteOffset, body.length) });
      });
      res.on('error', (e) => reject(new KakuninError('FETCH_FAILED', e.message)));
    });
    const timer = setTimeout(() => req.destroy(overall(policy)), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new KakuninError('FETCH_FAILED', `timed out: nothing received for ${policy.idleTimeoutMs / 1000} s`)));
    req.on('error', (e) => reject(e instanceof KakuninError ? e : new KakuninError('FETCH_FAILED', e.message)));
    req.end();
  });
}

/** GET `raw` under `policy`. Non-2xx answers are FETCH_FAILED; refused destinations FETCH_BLOCKED. */
export async function fetchTrustMaterial(raw: string, policy: FetchPolicy = {}): Promise<FetchResult> {
  const p: Required<FetchPolicy> = {
    allowLoopback: policy.allowLoopback ?? false,
    allowPrivate: policy.allowPrivate ?? false,
    maxBytes: policy.maxBytes ?? 10 * 1024 * 1024,
    timeoutMs: policy.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    idleTimeoutMs: policy.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxRedirects: policy.maxRedirects ?? 3,
  };
  // Date.now here bounds network waiting only; it is never a verification time.
  const deadline = Date.now() + p.timeoutMs;
  let url = checkUrl(raw);
  for (let hop = 0; ; hop++) {
    const res = await once(url, p, deadline);
    if (res.status >= 300 && res.status < 400 && res.location) {
      if (hop >= p.maxRedirects) throw new KakuninError('FETCH_FAILED', 'too many redirects');
      url = checkUrl(new URL(res.location, url).toString());
      continue;
    }
    if (res.status < 200 || res.status > 299) throw new KakuninError('FETCH_FAILED', `HTTP ${res.status} from ${url.host}`);
    return { url: url.toString(), status: res.status, contentType: res.contentType, body: res.body };
  }
}
