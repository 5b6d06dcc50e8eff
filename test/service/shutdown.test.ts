/**
 * A stop that does not depend on Redis: `kakunin serve` with a Redis that refuses connections starts
 * with one log line naming the Redis host and port (not a line per rate limit), and on SIGTERM exits
 * within the shutdown grace period, though every Redis close it makes would otherwise wait for ever.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../src/service/startup/serve.js';
import { freePort } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../src/service/startup/main.ts', import.meta.url));

describe('an unreachable Redis', () => {
  it('is one start-up line naming host and port, and SIGTERM still exits within the grace period', async () => {
    const redisPort = await freePort(); // nothing listens there: connections are refused
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--api-keys', 'k-0123456789abcdef0123-QwErTyUiOpA'], {
      env: { ...process.env, LOG_LEVEL: 'debug', REDIS_URL: `redis://127.0.0.1:${redisPort}`, KAKUNIN_STORE_KEY: randomBytes(32).toString('base64url'), KAKUNIN_REVOCATION: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const waiters: { test: (l: string) => boolean; resolve: () => void }[] = [];
    const take = (chunk: Buffer) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        lines.push(line);
        for (const w of waiters.filter((x) => x.test(line))) w.resolve();
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lineMatching = (re: RegExp) => new Promise<void>((resolve) => (lines.some((l) => re.test(l)) ? resolve() : waiters.push({ test: (l) => re.test(l), resolve })));
    try {
      await Promise.race([lineMatching(/"msg":"listening"/), exited.then((c) => Promise.reject(new Error(`exited ${c} before listening:\n${lines.join('\n')}`)))]);
      // The rate limiters try Redis as soon as they are built: let them fail (said at debug level) before the stop.
      await lineMatching(/rate limiter: store not ready/);

      const started = Date.now();
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), SHUTDOWN_GRACE_MS + 5000))]);
      const took = Date.now() - started;
      expect(code, lines.join('\n')).not.toBe('alive');
      expect(took).toBeLessThan(SHUTDOWN_GRACE_MS + 2000);

      console.log(`SIGTERM to exit: ${took} ms`);
      const said = lines.filter((l) => !/"level":(10|20),/.test(l)); // info and above: what an operator reads
      expect(said.filter((l) => l.includes(`127.0.0.1:${redisPort}`) && /unreachable/.test(l))).toHaveLength(1);
      expect(said.filter((l) => /max retries per request|rate limiter/.test(l))).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
