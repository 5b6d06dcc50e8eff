/**
 * The fetch's limits at the limit and one past it: the size cap (a body of exactly maxBytes is
 * fetched, one byte more is refused with FETCH_FAILED and the rest of the body is never read; a
 * Content-Length past the cap is refused before any of the body), the redirect count, and the size
 * each list kind is fetched up to by the refresher (a CRL MAX_CRL_BYTES, a status list
 * MAX_LIST_BYTES), end to end with lists of exactly those sizes.
 */
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTrustMaterial } from '../../src/runtime/fetch.js';
import { TrustRefresher } from '../../src/runtime/refresher.js';
import { createDocumentSigner, createIaca, type SandboxCa } from '../../src/sandbox/index.js';
import { MAX_CRL_BYTES } from '../../src/trust/crl.js';
import { RevocationLists, type RevocationListTarget } from '../../src/trust/revocation-lists.js';
import { MAX_LIST_BYTES } from '../../src/trust/status-list.js';
import { TrustStore } from '../../src/trust/store.js';
import { coseOfSize, crlOfSize, makeStatusList } from '../trust/helpers/lists.js';

const CAP = 256 * 1024;
const CHUNK = 64 * 1024;

/** How much of each body the server got written before the client went away, by path. */
const written = new Map<string, { bytes: number; finished: boolean }>();
/** Bodies served whole, by path (the refresher's lists). */
const files = new Map<string, Uint8Array>();
let server: Server;
let base = '';

/**
 * GET /stream/<n>[?length]: n zero bytes in 64 KiB pieces, each written only once the socket took
 * the last (so `written` is what the client let through, not what a buffer held), with a
 * Content-Length when asked. /head/<n>: the head declaring n bytes, then nothing. /hop/<k>: k
 * redirects before /stream/1. Anything else: `files`.
 */
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, kind, arg] = url.pathname.split('/');
    const n = Number(arg);
    if (kind === 'stream') {
      res.writeHead(200, url.searchParams.has('length') ? { 'content-length': String(n) } : {});
      const state = { bytes: 0, finished: false };
      written.set(req.url!, state);
      const next = () => {
        while (state.bytes < n) {
          const piece = Math.min(CHUNK, n - state.bytes);
          state.bytes += piece;
          if (!res.write(Buffer.alloc(piece))) return void res.once('drain', next);
        }
        state.finished = true;
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      return next();
    }
    if (kind === 'head') {
      written.set(req.url!, { bytes: 0, finished: false });
      res.writeHead(200, { 'content-length': String(n) });
      return res.flushHeaders();
    }
    if (kind === 'hop') return res.writeHead(302, { location: n > 0 ? `/hop/${n - 1}` : '/stream/1' }).end();
    const body = files.get(url.pathname);
    if (!body) return res.writeHead(404).end();
    res.writeHead(200).end(Buffer.from(body.buffer, body.byteOffset, body.length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );
const fetchCapped = (path: string, maxBytes = CAP) => fetchTrustMaterial(`${base}${path}`, { allowLoopback: true, maxBytes, idleTimeoutMs: 5_000 });
const tooLarge = (max: number) => ({ code: 'FETCH_FAILED', message: `response larger than ${max} bytes` });

describe('the size cap', () => {
  it('a body of exactly maxBytes is fetched whole, with or without a Content-Length', async () => {
    expect((await fetchCapped(`/stream/${CAP}`)).body.length).toBe(CAP);
    expect((await fetchCapped(`/stream/${CAP}?length`)).body.length).toBe(CAP);
  });

  it('one byte more without a Content-Length: refused as it arrives', async () => {
    expect(await failure(fetchCapped(`/stream/${CAP + 1}`))).toEqual(tooLarge(CAP));
  });

  it('a body that goes on and on: the fetch stops reading past the cap, it does not take the rest', async () => {
    const offered = 256 * 1024 * 1024;
    expect(await failure(fetchCapped(`/stream/${offered}`))).toEqual(tooLarge(CAP));
    // The server writes a piece only once the socket took the last: what it got through is the cap
    // and what the sockets' buffers held when the client let go, not the 256 MiB offered.
    const state = written.get(`/stream/${offered}`)!;
    await new Promise((r) => setTimeout(r, 50));
    expect(state.finished).toBe(false);
    expect(state.bytes).toBeLessThan(CAP + 16 * 1024 * 1024);
  });

  it('a Content-Length of one byte more: refused from the head, without waiting for the body', async () => {
    expect(await failure(fetchCapped(`/head/${CAP + 1}`))).toEqual(tooLarge(CAP));
    // At the cap the head is accepted and the fetch waits for the body (which never comes: the idle timeout).
    expect(await failure(fetchTrustMaterial(`${base}/head/${CAP}`, { allowLoopback: true, maxBytes: CAP, idleTimeoutMs: 300 }))).toMatchObject({
      code: 'FETCH_FAILED',
      message: 'timed out: nothing received for 0.3 s',
    });
  });
});

describe('redirects: 3 by default', () => {
  it('3 are followed, the 4th is refused with FETCH_FAILED', async () => {
    expect((await fetchTrustMaterial(`${base}/hop/2`, { allowLoopback: true })).body.length).toBe(1);
    expect(await failure(fetchTrustMaterial(`${base}/hop/3`, { allowLoopback: true }))).toEqual({ code: 'FETCH_FAILED', message: 'too many redirects' });
  });
});

describe('the refresher fetches each kind up to the size its reader accepts', () => {
  const AT = new Date('2026-06-01T00:00:00Z');
  let iaca: SandboxCa;
  let lists: RevocationLists;
  let refresher: TrustRefresher;
  beforeAll(async () => {
    iaca = await createIaca({ notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z'), commonName: 'kakunin fetch-limits IACA' });
    const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    const crl = await crlOfSize(iaca, MAX_CRL_BYTES, new Date('2026-05-31T00:00:00Z'), new Date('2026-06-07T00:00:00Z'));
    files.set('/at.crl', crl);
    files.set('/past.crl', new Uint8Array(MAX_CRL_BYTES + 1));
    const token = (path: string, size: number) => coseOfSize(makeStatusList(`${base}${path}`, [0, 1], { key: ds.keys.privateKey, chain: [ds.der] }, new Date('2026-05-31T00:00:00Z')), size);
    files.set('/at.status', token('/at.status', MAX_LIST_BYTES));
    files.set('/past.status', token('/past.status', MAX_LIST_BYTES + 1));
    lists = new RevocationLists({ trust: TrustStore.fromCertificates([iaca.der], { set: 'sandbox' }), unavailablePolicy: 'fail' });
    refresher = new TrustRefresher({ lists, now: () => AT, intervalMs: 60_000, fetchPolicy: { allowLoopback: true } });
  });

  it(`a CRL of exactly ${MAX_CRL_BYTES} bytes and a status list token of exactly ${MAX_LIST_BYTES} are fetched and verified; one byte more of either is refused by the fetch`, async () => {
    const crl = (path: string): RevocationListTarget => ({ url: `${base}${path}`, kind: 'crl', issuer: iaca.der });
    const status = (path: string): RevocationListTarget => ({ url: `${base}${path}`, kind: 'status_list', anchor: iaca.der });
    for (const t of [crl('/at.crl'), crl('/past.crl'), status('/at.status'), status('/past.status')]) lists.want(t);
    const results = await refresher.refreshOnce();
    const by = new Map(results.map((r) => [new URL(r.url).pathname, r]));
    expect(by.get('/at.crl')).toMatchObject({ ok: true });
    expect(by.get('/at.status')).toMatchObject({ ok: true });
    expect(by.get('/past.crl')).toMatchObject({ ok: false, ...tooLarge(MAX_CRL_BYTES) });
    expect(by.get('/past.status')).toMatchObject({ ok: false, ...tooLarge(MAX_LIST_BYTES) });
    expect(
      lists
        .metrics(AT)
        .filter((m) => m.usable)
        .map((m) => new URL(m.url).pathname),
    ).toEqual(['/at.crl', '/at.status']);
  });
});
