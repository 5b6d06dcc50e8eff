import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedReason, fetchTrustMaterial } from '../../src/runtime/fetch.js';
import { TrustRefresher } from '../../src/runtime/refresher.js';
import { RevocationLists } from '../../src/trust/revocation-lists.js';
import { TrustStore } from '../../src/trust/store.js';
import { ListServer } from '../trust/helpers/lists.js';
import { waitFor } from '../helpers/wait.js';

const server = new ListServer();
beforeAll(async () => {
  await server.start();
  server.files.set('/ok', new Uint8Array([1, 2, 3]));
  server.files.set('/big', new Uint8Array(4096));
});
afterAll(() => server.stop());

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('SSRF guard', () => {
  it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) expect(blockedReason(a, {})).toBe('loopback address');
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', 'fd00::1', 'fe80::1']) expect(blockedReason(a, {})).toBe('private address range');
    for (const a of ['0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255', '::', 'ff02::1']) expect(blockedReason(a, { allowLoopback: true, allowPrivate: true })).toBe('reserved address range');
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888']) expect(blockedReason(a, {})).toBeUndefined();
    expect(blockedReason('127.0.0.1', { allowLoopback: true })).toBeUndefined();
    expect(blockedReason('10.0.0.1', { allowLoopback: true })).toBe('private address range');
    expect(blockedReason('10.0.0.1', { allowPrivate: true })).toBeUndefined();
  });

  it('refuses loopback, private literals, names resolving to loopback, and other schemes', async () => {
    expect(await codeOf(fetchTrustMaterial(`${server.base}/ok`))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial(server.base.replace('127.0.0.1', 'localhost') + '/ok'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('http://169.254.169.254/latest/meta-data/'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('http://[::1]/'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('http://[::ffff:7f00:1]/'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('file:///etc/passwd'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('ftp://example.com/x.crl'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('http://user:pw@example.com/x.crl'))).toBe('FETCH_BLOCKED');
    expect(await codeOf(fetchTrustMaterial('not a url'))).toBe('FETCH_BLOCKED');
    expect(server.hits.get('/ok')).toBeUndefined();
  });

  it('fetches from loopback when configured, with a size cap, HTTP errors and checked redirects', async () => {
    const r = await fetchTrustMaterial(`${server.base}/ok`, { allowLoopback: true });
    expect([...r.body]).toEqual([1, 2, 3]);
    expect(await codeOf(fetchTrustMaterial(`${server.base}/big`, { allowLoopback: true, maxBytes: 1000 }))).toBe('FETCH_FAILED');
    expect(await codeOf(fetchTrustMaterial(`${server.base}/missing`, { allowLoopback: true }))).toBe('FETCH_FAILED');
    server.files.set('/redirect-ok', new TextEncoder().encode(`${server.base}/ok`));
    expect([...(await fetchTrustMaterial(`${server.base}/redirect-ok`, { allowLoopback: true })).body]).toEqual([1, 2, 3]);
    server.files.set('/redirect-meta', new TextEncoder().encode('http://169.254.169.254/'));
    expect(await codeOf(fetchTrustMaterial(`${server.base}/redirect-meta`, { allowLoopback: true }))).toBe('FETCH_BLOCKED');
    server.files.set('/redirect-file', new TextEncoder().encode('file:///etc/passwd'));
    expect(await codeOf(fetchTrustMaterial(`${server.base}/redirect-file`, { allowLoopback: true }))).toBe('FETCH_BLOCKED');
    server.files.set('/redirect-loop', new TextEncoder().encode(`${server.base}/redirect-loop`));
    expect(await codeOf(fetchTrustMaterial(`${server.base}/redirect-loop`, { allowLoopback: true }))).toBe('FETCH_FAILED');
  });

  it('times out on a server that never answers', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const t0 = performance.now();
    expect(await codeOf(fetchTrustMaterial(`http://127.0.0.1:${port}/`, { allowLoopback: true, timeoutMs: 300 }))).toBe('FETCH_FAILED');
    expect(performance.now() - t0).toBeLessThan(2000);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('the refresher records a blocked URL as an error, never as a list', async () => {
    const lists = new RevocationLists({ trust: new TrustStore([]), unavailablePolicy: 'fail' });
    const refresher = new TrustRefresher({ lists, now: () => new Date('2026-06-01T00:00:00Z'), intervalMs: 1000 });
    lists.checkMsoStatus(
      new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', 0],
            ['uri', `${server.base}/ok`],
          ]),
        ],
      ]),
      new Date('2026-06-01T00:00:00Z'),
      new Uint8Array(0),
    );
    const [r] = await refresher.refreshOnce();
    expect(r).toMatchObject({ ok: false, code: 'FETCH_BLOCKED' });
    expect(lists.metrics(new Date('2026-06-01T00:00:00Z'))[0]).toMatchObject({ usable: false, lastError: { code: 'FETCH_BLOCKED' } });
  });
});

describe('refresher scheduling', () => {
  it('adds jitter within the configured fraction', () => {
    const lists = new RevocationLists({ trust: new TrustStore([]), unavailablePolicy: 'warn' });
    const make = (random: number) => new TrustRefresher({ lists, now: () => new Date(0), intervalMs: 10_000, jitter: 0.2, random: () => random });
    expect(make(0).nextDelay()).toBe(10_000);
    expect(make(0.5).nextDelay()).toBe(11_000);
    expect(make(0.999999).nextDelay()).toBe(12_000);
  });

  it('runs rounds on its own timer until stopped', async () => {
    const lists = new RevocationLists({ trust: new TrustStore([]), unavailablePolicy: 'warn' });
    let fetched = 0;
    lists.want({ url: 'https://crl.example/iaca.crl', kind: 'crl', issuer: new Uint8Array(0) });
    const refresher = new TrustRefresher({ lists, now: () => new Date(0), intervalMs: 20, jitter: 0, fetch: async () => (fetched++, new Uint8Array([0])) });
    refresher.start();
    await waitFor('two rounds', () => refresher.rounds >= 2);
    await refresher.stop();
    const rounds = refresher.rounds;
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(fetched).toBe(rounds);
    await new Promise((r) => setTimeout(r, 60));
    expect(refresher.rounds).toBe(rounds);
  });
});
