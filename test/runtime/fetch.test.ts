import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedReason, DEFAULT_FETCH_TIMEOUT_MS, fetchTrustMaterial } from '../../src/runtime/fetch.js';
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

  describe('the idle timeout and the ceiling', () => {
    /** A server that sends the response head, then `chunks` pieces of 100 bytes `everyMs` apart,
     * then ends (chunks finite) or stops sending without ending (`stallAfter`). */
    async function slowServer(options: { everyMs: number; chunks: number; stallAfter?: number }) {
      const { createServer } = await import('node:http');
      const timers = new Set<NodeJS.Timeout>();
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let sent = 0;
        const tick = () => {
          if (options.stallAfter !== undefined && sent >= options.stallAfter) return;
          if (sent >= options.chunks) return void res.end();
          res.write(Buffer.alloc(100, sent++));
          const t = setTimeout(tick, options.everyMs);
          timers.add(t);
        };
        tick();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      const close = async () => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      };
      return { url, close };
    }
    const failure = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
      );

    it('a body that keeps coming is fetched however long it takes beyond the idle timeout, within the ceiling', async () => {
      const slow = await slowServer({ everyMs: 100, chunks: 12 });
      try {
        const r = await fetchTrustMaterial(slow.url, { allowLoopback: true, idleTimeoutMs: 600, timeoutMs: 20_000 });
        expect(r.body.length).toBe(1200);
      } finally {
        await slow.close();
      }
    });

    it('a body that stops coming fails after the idle timeout, long before the ceiling', async () => {
      const stalled = await slowServer({ everyMs: 10, chunks: 10, stallAfter: 3 });
      try {
        const t0 = performance.now();
        expect(await failure(fetchTrustMaterial(stalled.url, { allowLoopback: true, idleTimeoutMs: 300, timeoutMs: 20_000 }))).toEqual({
          code: 'FETCH_FAILED',
          message: 'timed out: nothing received for 0.3 s',
        });
        expect(performance.now() - t0).toBeLessThan(10_000);
      } finally {
        await stalled.close();
      }
    });

    it('a trickle that never stalls is stopped by the ceiling', async () => {
      const trickle = await slowServer({ everyMs: 50, chunks: 1_000_000 });
      try {
        expect(await failure(fetchTrustMaterial(trickle.url, { allowLoopback: true, idleTimeoutMs: 5_000, timeoutMs: 1_000 }))).toEqual({
          code: 'FETCH_FAILED',
          message: 'timed out: the whole fetch took over 1 s',
        });
      } finally {
        await trickle.close();
      }
    });

    it('by default a fetch may take 120 s in all', () => {
      expect(DEFAULT_FETCH_TIMEOUT_MS).toBe(120_000);
    });
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

  it('a slow list holds one of the four fetch slots, not the round: the others go on to the next lists', async () => {
    const lists = new RevocationLists({ trust: new TrustStore([]), unavailablePolicy: 'warn' });
    for (let i = 0; i < 6; i++) lists.want({ url: `https://crl.example/${i}.crl`, kind: 'crl', issuer: new Uint8Array(0) });
    const started: string[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));
    const refresher = new TrustRefresher({
      lists,
      now: () => new Date(0),
      intervalMs: 60_000,
      fetch: async (url) => {
        started.push(url);
        if (url.endsWith('/0.crl')) await slow;
        return new Uint8Array([0]);
      },
    });
    const round = refresher.refreshOnce();
    // Every other list is fetched while the first is still under way.
    await waitFor('every list started', () => started.length === 6);
    releaseSlow();
    const results = await round;
    expect(results.map((r) => r.url)).toEqual(Array.from({ length: 6 }, (_, i) => `https://crl.example/${i}.crl`));
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
