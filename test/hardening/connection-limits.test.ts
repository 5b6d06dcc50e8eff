/**
 * One client must not hold every file descriptor. A real process with a small open-file limit (ulimit
 * -n 256, as a container might have 1,024): idle keep-alive connections from one address (and then
 * from three) must not lock another client out, a connection over the per-address limit is answered
 * 429 and closed, and a 429 from a rate limit closes its socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionKey } from '../../src/service/http/connection-limits.js';
import { freePort } from '../service/helpers.js';

const MAIN = fileURLToPath(new URL('../../src/service/startup/main.ts', import.meta.url));
const KEY = 'connection-limits-key-0123456789abcdef';
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function start(files: number, args: string[] = []): Promise<number> {
  const port = await freePort();
  const cmd = `ulimit -n ${files} && exec "${process.execPath}" --import tsx "${MAIN}" serve --port ${port} --host 127.0.0.1 --api-keys ${KEY} ${args.join(' ')}`;
  const child = spawn('bash', ['-c', cmd], { env: { ...process.env, LOG_LEVEL: 'info', KAKUNIN_REVOCATION: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not start')), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      if (String(d).includes('"msg":"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the service exited ${code}`)));
  });
  return port;
}

/** A keep-alive connection from `from` that sent one request, read its answer, and now sits idle. Resolves with what it was answered. */
function idleConnection(port: number, from: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    sockets.push(socket);
    let answer = '';
    socket.on('error', () => resolve(answer || 'error'));
    socket.on('close', () => resolve(answer || 'closed'));
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    socket.on('data', (d) => {
      answer += String(d);
      if (answer.includes('\r\n\r\n')) resolve(answer.split('\r\n')[0]);
    });
  });
}

/** Another client's GET /healthz from `from`, within `ms`. */
function otherClient(port: number, from: string, ms = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', localAddress: from, path: '/healthz', agent: false, timeout: ms }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms} ms: locked out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('connection limits', () => {
  it('300 idle connections from one address leave room for another client; those over the per-address limit get 429 and are closed', async () => {
    const port = await start(256);
    const answers = await Promise.all(Array.from({ length: 300 }, () => idleConnection(port, '127.0.0.1')));
    const ok = answers.filter((a) => a === 'HTTP/1.1 200 OK').length;
    const refused = answers.filter((a) => a === 'HTTP/1.1 429 Too Many Requests').length;
    // A refused socket is answered 429 and closed; the server lets go of it a second later whether
    // or not its peer has read. On a loaded machine this client may only write its request after
    // that, and then meets a reset instead of the 429: still refused, never served. The 429 itself
    // is checked once more below, on one connection.
    const cutOff = answers.filter((a) => a === 'error' || a === 'closed').length;
    expect(ok).toBe(128);
    expect(refused + cutOff).toBe(300 - 128);
    expect(refused).toBeGreaterThan(0);
    expect(await otherClient(port, '127.0.0.2')).toBe(200);
    // The refused ones were closed by the server; the 128 stay open (idle), and the address gets no more.
    expect(sockets.filter((s) => !s.destroyed && s.readyState === 'open').length).toBe(128);
    expect(await idleConnection(port, '127.0.0.1')).toBe('HTTP/1.1 429 Too Many Requests');
  }, 120_000);

  it('idle connections from several addresses filling the total are closed to make room: another client gets in', async () => {
    const port = await start(256); // total: 3/4 of 256 = 192
    const from = ['127.0.0.3', '127.0.0.4', '127.0.0.5'];
    await Promise.all(from.flatMap((a) => Array.from({ length: 100 }, () => idleConnection(port, a))));
    // The first attempt may be refused (503) while the idle ones are closed; the next gets in.
    const first = await otherClient(port, '127.0.0.9').catch(() => 0);
    expect([200, 503]).toContain(first);
    expect(await otherClient(port, '127.0.0.9')).toBe(200);
  }, 120_000);

  it('a 429 from a rate limit closes its connection', async () => {
    const port = await start(1024, ['--rate-limit-ip', '1']);
    const post = () =>
      new Promise<{ status: number; connection?: string }>((resolve, reject) => {
        const req = request(
          { port, host: '127.0.0.1', method: 'POST', path: '/v1/verifications', headers: { 'content-type': 'application/json', 'x-api-key': KEY, connection: 'keep-alive' }, agent: false },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ purpose: 'age_over' }));
      });
    expect((await post()).status).toBe(201);
    expect(await post()).toEqual({ status: 429, connection: 'close' });
  }, 120_000);

  it('counts IPv6 clients by /64 and IPv4 clients seen through a dual-stack socket by their address', () => {
    expect(connectionKey('2001:db8:1:2:aaaa::1')).toBe(connectionKey('2001:db8:1:2:bbbb::2'));
    expect(connectionKey('2001:db8:1:3::1')).not.toBe(connectionKey('2001:db8:1:2::1'));
    expect(connectionKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(connectionKey('::ffff:192.0.2.1')).not.toBe(connectionKey('::ffff:192.0.2.2'));
  });
});
