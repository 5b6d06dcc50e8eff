/**
 * Start-up tells the truth: `kakunin demo` and `kakunin serve` on a port that is taken exit non-zero
 * with a message naming the port (Express 5's listen callback also fires on errors, which made a
 * taken port look like a successful start).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/service/startup/load-config.js';
import { startServe } from '../../src/service/startup/serve.js';
import { capturingLogger, freePort } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../src/service/startup/main.ts', import.meta.url));
let blocker: Server;
let port: number;

beforeAll(async () => {
  port = await freePort();
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
});
afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

describe('a port already in use', () => {
  for (const mode of ['demo', 'serve']) {
    it(`kakunin ${mode}: exits 1 naming the port, never "running"`, () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, mode, '--port', String(port), '--host', '127.0.0.1', '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA'], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`kakunin: cannot start: port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
      expect(r.stdout).not.toContain('is running');
    }, 60_000);
  }

  it('startServe rejects with a ConfigError and leaves nothing running', async () => {
    await expect(startServe(['--port', String(port), '--host', '127.0.0.1', '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA'], { env: {} })).rejects.toThrow(/already in use \(EADDRINUSE\)/);
  });
});

describe('slow clients', () => {
  it("a body that trickles is cut off after KAKUNIN_REQUEST_TIMEOUT (408), not held for Node's 300 s", async () => {
    const { connect } = await import('node:net');
    const svc = await startServe(['--port', String(await freePort()), '--host', '127.0.0.1', '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA', '--request-timeout', '2'], {
      env: { LOG_LEVEL: 'silent' },
    });
    try {
      const { port } = new URL(svc.url);
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d.toString()));
      const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
      const started = Date.now();
      socket.write('POST /v1/wallet/abcdefghijklmnopqrstuv/response HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n');
      // One byte a second: a legitimate answer never arrives like this.
      const drip = setInterval(() => socket.writable && socket.write('a'), 1000);
      const at = await closed;
      clearInterval(drip);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(at - started).toBeGreaterThanOrEqual(1900);
      expect(at - started).toBeLessThan(6000);
    } finally {
      await svc.close();
    }
  }, 30_000);
});

describe('the configuration, as an operator sees it', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
  /** As run, without holding the event loop: several can run at once. */
  const runAsync = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('--print-config shows the effective settings with every secret masked, and exits 0', () => {
    const apiKey = 'operator-api-key-0123456789-QwErTy';
    const storeKey = Buffer.alloc(32, 7).toString('base64url');
    const r = run(['serve', '--print-config', '--port', '9123', '--webhook-allow-private'], { KAKUNIN_API_KEYS: apiKey, REDIS_URL: 'redis://:hunter2@127.0.0.1:6379', KAKUNIN_STORE_KEY: storeKey });
    expect(r.status).toBe(0);
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ port: 9123, sandbox: false, apiKeys: '(1 set)', storeKey: '(set)', redisUrl: 'redis://****@127.0.0.1:6379', webhookAllowPrivate: true, revocation: 'fail' });
    for (const secret of [apiKey, storeKey, 'hunter2']) expect(r.stdout).not.toContain(secret);
    // The trust sets in effect, not [] for "all": the production sets of the shipped folder.
    expect(shown.trustSets).toEqual(expect.arrayContaining(['apple', 'google-wallet', 'jp-jlis', 'us-aamva']));
    expect(shown.trustSets).not.toContain('test');
    // Switches: bare, with a word, or inline.
    for (const form of [['--sandbox'], ['--sandbox', 'true'], ['--sandbox=yes']]) expect(loadConfig(form, {}, { sandbox: false }).sandbox).toBe(true);
    expect(loadConfig(['--sandbox', 'false', '--api-keys', apiKey], {}, { sandbox: true }).sandbox).toBe(false);
  }, 60_000);

  it('a missing receipt key file names KAKUNIN_RECEIPT_KEY_FILE; an unknown trust set lists the sets that exist', async () => {
    const base = ['--port', '0', '--host', '127.0.0.1', '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA'];
    await expect(startServe([...base, '--receipt-key', '/nonexistent/receipt.pem'], { env: {}, logger: capturingLogger().logger })).rejects.toThrow(
      'KAKUNIN_RECEIPT_KEY_FILE (--receipt-key) /nonexistent/receipt.pem: no such file',
    );
    await expect(startServe([...base, '--trust-sets', 'jp-jlis,nope'], { env: {}, logger: capturingLogger().logger })).rejects.toThrow(
      /KAKUNIN_TRUST_SETS \(--trust-sets\): no trust set "nope" in .*; the sets there are: apple, google-wallet, jp-jlis/,
    );
  });

  it('--help lists every flag with its environment variable; an unknown flag or a missing value is named', async () => {
    // Three processes at once: each spends its seconds loading the service through tsx, one core each.
    const [help, unknown, missing] = await Promise.all([runAsync(['serve', '--help']), runAsync(['serve', '--bogus', '1']), runAsync(['serve', '--port'])]);
    expect(help.status).toBe(0);
    for (const v of ['PUBLIC_URL', 'KAKUNIN_API_KEYS', 'KAKUNIN_STORE_KEY', 'KAKUNIN_REDIS_PREFIX', 'KAKUNIN_TRUST_PROXY', 'KAKUNIN_WEBHOOK_TAKEOVER_SECONDS']) expect(help.stdout).toContain(v);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'.*known flags: --host/);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--port/);
  }, 60_000);
});
