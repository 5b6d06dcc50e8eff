/**
 * Issue 12 item 1: the right to read a result is never stored or logged in the clear. After a full
 * flow on Redis (create, wallet fetches the request by its handle, answers, the result is read and
 * streamed), no Redis key, channel or command argument, and no log line, contains the verification
 * id or the QR handle. MONITOR sees every command any client sends, so it is what someone who can
 * only watch Redis would see.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../src/service/startup/serve.js';
import { RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { capturingLogger, freePort } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const admin = new Redis(REDIS_URL);
afterAll(async () => void (await admin.quit()));

describe('bearer values in Redis and logs', () => {
  it('no key, channel, command or log line holds the verification id or the handle', async () => {
    const prefix = `kakunin-bearer-${randomUUID().slice(0, 8)}:`;
    const cipher = StoreCipher.fromKey(randomBytes(32));
    const log = capturingLogger();
    const monitor = await admin.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
    const svc = await startDemo(['--port', String(await freePort())], { env: {}, quiet: true, logger: log.logger, store: RedisSessionStore.connect(REDIS_URL, cipher, prefix) });
    try {
      const created = (await (
        await fetch(`${svc.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: 'age_over' }) })
      ).json()) as { id: string; qr: { uri: string } };
      const handle = /\/v1\/wallet\/([A-Za-z0-9_-]+)\/request/.exec(decodeURIComponent(created.qr.uri))![1];
      // Someone follows the stream while the wallet answers.
      const stream = await fetch(`${svc.url}/v1/verifications/${created.id}/events`);
      const scan = await fetch(`${svc.url}/v1/sandbox/wallet/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: created.qr.uri }) });
      expect(scan.status).toBe(200);
      const result = (await (await fetch(`${svc.url}/v1/verifications/${created.id}`)).json()) as { state: string };
      expect(result.state).toBe('verified');
      await stream.body?.cancel();

      const keys = await admin.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(seen.some((c) => c.includes(prefix))).toBe(true);
      for (const bearer of [created.id, handle]) {
        expect(keys.filter((k) => k.includes(bearer))).toEqual([]);
        expect(seen.filter((c) => c.includes(bearer))).toEqual([]);
        expect(log.lines.filter((l) => l.includes(bearer))).toEqual([]);
      }
      // The logs still tell one verification's lines apart: by a reference, the same in each.
      const refs = log.lines.filter((l) => l.includes('verification created') || l.includes('verification finished')).map((l) => JSON.parse(l).ref);
      expect(refs).toHaveLength(2);
      expect(refs[0]).toBe(refs[1]);
    } finally {
      monitor.disconnect();
      await svc.close();
    }
  }, 30_000);
});
