/**
 * Past one Redis: the service on a real Redis Cluster (three masters, three replicas), two instances
 * behind one public URL, sessions, request states, rate limits and webhooks all in the cluster. A
 * load run goes through a failover of one master: every verification ends with one result and its
 * webhook delivered, nothing lost, nothing doubled.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoWallet } from '../../src/service/startup/demo-wallet.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { recordKey, RedisSessionStore, StoreCipher } from '../../src/service/store/index.js';
import { connectRedis } from '../../src/service/store/redis-connection.js';
import { TrustStore } from '../../src/trust/index.js';
import { startRedisCluster, type RedisClusterNodes } from '../helpers/redis-cluster.js';
import { freePort } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'cluster-test-key-0123456789-QwErTy';
const publicUrl = 'http://localhost:65001'; // the "load balancer"; never listened on
let cluster: RedisClusterNodes;
let wallet: DemoWallet;
let a: StartedService;
let b: StartedService;
let hook: Server;
const received: { eventId: string; verificationId: string; state: string }[] = [];
const prefix = `kakunin-cluster-${randomUUID().slice(0, 8)}:`;

const local = (svc: StartedService) => `http://localhost:${(svc.server.address() as { port: number }).port}`;

beforeAll(async () => {
  cluster = await startRedisCluster();
  wallet = await DemoWallet.create(new Date());
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const d = JSON.parse(body) as { event_id: string; verification_id: string; state: string };
      received.push({ eventId: d.event_id, verificationId: d.verification_id, state: d.state });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-cluster-svc-'));
  const receiptKey = join(dir, 'receipt.pem');
  writeFileSync(receiptKey, newKeyPair('P-256').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const storeKey = randomBytes(32).toString('base64url');
  const start = async () =>
    startServe(['--port', String(await freePort()), '--public-url', publicUrl, '--receipt-key', receiptKey, '--api-keys', KEY, '--rate-limit-ip', '0', '--webhook-allow-private'], {
      env: {
        REDIS_URL: cluster.url,
        KAKUNIN_REDIS_CLUSTER: 'true',
        KAKUNIN_REDIS_PREFIX: prefix,
        KAKUNIN_STORE_KEY: storeKey,
        KAKUNIN_REVOCATION: 'off',
        KAKUNIN_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
        KAKUNIN_REDIS_COMMAND_TIMEOUT_MS: '3000',
      },
      logger: createLogger('silent'),
      extraTrust: TrustStore.fromCertificates([wallet.iaca.der], { set: 'sandbox' }),
    });
  a = await start();
  b = await start();
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await new Promise((r) => hook?.close(r));
  await cluster?.stop();
});

let retries = 0;
const refusedAfterWrite: { id: string; retried: boolean }[] = [];

/** A client that does what the API asks of it: on 503 (a store that is away), try again shortly. */
async function retrying(input: string | URL | Request, init?: RequestInit, onRetry?: () => void): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(input, init);
    if (res.status !== 503 || attempt === 120) return res;
    retries++;
    onRetry?.();
    if (process.env.DEBUG_CLUSTER || attempt === 8) console.log(`503 (attempt ${attempt})`, String(input).replace(/\/v1\/.*\//, '/v1/…/'), init?.method ?? 'GET', await res.clone().text());
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The webhook queue's slot, unless its master is the one just promoted (its old master may still be
 * catching up as its replica): then the first session bucket held by another master. */
async function secondTarget(justPromoted: number): Promise<string> {
  const queue = `{${prefix.slice(0, -1)}}:webhooks`;
  if ((await cluster.masterPortOf(queue)) !== justPromoted) return queue;
  for (const b of 'BCDEFGHIJKLMNOPQRSTUVWXYZ') if ((await cluster.masterPortOf(`${prefix}{${b}}x`)) !== justPromoted) return `${prefix}{${b}}x`;
  throw new Error('every bucket is on one master');
}

/** One verification: created on A, answered by the wallet through B, read on A. */
async function oneVerification(): Promise<{ id: string; state: string }> {
  const created = await retrying(`${local(a)}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ purpose: 'age_over' }),
  });
  expect(created.status).toBe(201);
  const v = (await created.json()) as { id: string; qr: { uri: string } };
  let retriedAnswer = false;
  const viaB: typeof fetch = async (input, init) => {
    const res = await retrying(String(input).replace(publicUrl, local(b)), init, () => (retriedAnswer ||= init?.method === 'POST' && String(input).endsWith('/response')));
    return res;
  };
  const posted = await wallet.answerQr(v.qr.uri, viaB);
  // An answer whose reply was lost (503 while its result was being written) and that the wallet
  // sent again gets 409 ALREADY_ANSWERED, by contract (flows.test.ts): the result stands. Counted,
  // and the result checked below like every other.
  if (posted.status === 409) refusedAfterWrite.push({ id: v.id, retried: retriedAnswer });
  else expect(posted.status, await posted.clone().text()).toBe(200);
  const read = await retrying(`${local(a)}/v1/verifications/${v.id}`);
  return { id: v.id, state: ((await read.json()) as { state: string }).state };
}

describe('Redis Cluster', () => {
  it("one verification's keys share a slot; verifications spread over the masters", async () => {
    const cipher = StoreCipher.generate();
    const store = RedisSessionStore.connect(cluster.url, cipher, prefix, undefined, { cluster: true });
    const redis = connectRedis({ url: cluster.url, cluster: true });
    try {
      const owners = new Set<string>();
      for (let i = 0; i < 24; i++) {
        const id = randomUUID();
        await store.create({ id, purpose: 'age_over', state: 'pending', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString(), secrets: {} }, 60, `alias-${id}`);
        const name = cipher.name(id);
        const slots = await Promise.all((['s', 't', 'c', 'e'] as const).map((k) => redis.call('CLUSTER', 'KEYSLOT', recordKey(prefix, name, k))));
        expect(new Set(slots).size).toBe(1);
        owners.add(String(slots[0]));
        expect(await store.claim(id, 'digest')).toBe(true);
        expect(await store.complete({ id, purpose: 'age_over', state: 'verified', createdAt: '', expiresAt: new Date(Date.now() + 60_000).toISOString(), secrets: {} }, 60, 'digest')).toBe('written');
        expect(await store.resolve(`alias-${id}`)).toBe(id);
      }
      expect(owners.size).toBeGreaterThan(3);
    } finally {
      redis.disconnect();
      await store.close();
    }
  });

  it('two instances on the cluster: a load run through a master failover loses nothing and doubles nothing', async () => {
    const total = 60;
    const results: { id: string; state: string }[] = [];
    const failovers: { oldMaster: number; newMaster: number }[] = [];
    let first: Promise<{ oldMaster: number; newMaster: number }> | undefined;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        results.push(await oneVerification());
        // A third of the way in, the master of one session bucket hands over to its replica; two
        // thirds in, the master of the webhook queue's slot. The other workers carry on meanwhile.
        if (results.length === total / 3) {
          first = cluster.failoverMasterOf(`${prefix}{A}x`);
          failovers.push(await first);
        }
        if (results.length === (2 * total) / 3) failovers.push(await cluster.failoverMasterOf(await secondTarget((await first!).newMaster)));
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(failovers).toHaveLength(2);
    console.log(
      `redis cluster load run: ${total} verifications, failovers ${JSON.stringify(failovers)}, ${retries} answers of 503 retried, wallet answers refused 409 after their result was written: ${JSON.stringify(refusedAfterWrite)}`,
    );
    expect(results).toHaveLength(total);
    expect(results.filter((r) => r.state !== 'verified')).toEqual([]);
    expect(new Set(results.map((r) => r.id)).size).toBe(total);

    // Every verification's webhook arrives (at least once, always under its one event id).
    await waitFor('every webhook', () => new Set(received.map((r) => r.verificationId)).size >= total, { timeoutMs: 30_000, everyMs: 100 }).catch(() => undefined);
    const byVerification = new Map<string, Set<string>>();
    for (const r of received) byVerification.set(r.verificationId, (byVerification.get(r.verificationId) ?? new Set()).add(`${r.eventId} ${r.state}`));
    expect(byVerification.size).toBe(total);
    for (const [id, events] of byVerification) expect([id, [...events]]).toEqual([id, [expect.stringMatching(/^evt_\S+ verified$/)]]);
  }, 120_000);
});
