/**
 * The service process of bench/scale-pending.ts: `kakunin serve` with the flags given (from the
 * TypeScript sources, so bench:scale needs no build), which on request also reports its CPU time,
 * heap and longest event-loop delay, and fills its store with pending verifications.
 *
 * Filling: one verification is made as POST /v1/verifications makes it (createVerification), and
 * every other record is that one written again, each with its own id, QR handle, nonce and URLs. In
 * memory through the store's own API (SessionStore.create, RequestStateStore.put), 256 at a time.
 * In Redis, the same keys and values RedisSessionStore.create and RedisRequestStateStore.put write
 * (names by StoreCipher.name and recordKey, values sealed by StoreCipher.seal under the service's
 * store key, the same TTLs), sent in pipelines of 1,000 records: through the store's API ioredis
 * sends each command on its own, ~200 µs of CPU a record on this loaded machine (a million: over 6
 * minutes); pipelined, the sealing is most of the cost. A sample of the records written is read back
 * through the service's own store (op `check`), so the fill cannot silently write something else.
 * The one thing all records share is the response-encryption key (a key pair per record would make
 * a million take minutes, and its size is the same). createVerification itself made ~1,300 a second
 * here: a million would take 13 minutes per store.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { newNonce, newRequestId, type PresentationState } from '../src/protocols/state/presentation-state.js';
import { Redis } from 'ioredis';
import { startServe } from '../src/service/startup/serve.js';
import { DEFAULT_TIMINGS } from '../src/service/store/session-store.js';
import { recordKey } from '../src/service/store/redis-store.js';
import { StoreCipher } from '../src/service/store/store-cipher.js';
import { createLogger } from '../src/service/observability/logger.js';
import { createVerification } from '../src/service/verifications/lifecycle.js';
import type { VerificationSession } from '../src/service/verifications/session.js';

const svc = await startServe(process.argv.slice(2), { signals: true, logger: createLogger('warn') });
process.stdout.write(`ready ${svc.url}\n`);

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

/** Ids of some of the records written, to read back (op `check`). */
const sample: string[] = [];

/** Reads the sampled records back through the service's store: each a pending verification whose
 * QR handle resolves to it and whose request state is there. */
async function check(): Promise<number> {
  const { ctx } = svc;
  for (const id of sample) {
    const found = await ctx.store.get(id);
    if (found.status !== 'found' || found.session.state !== 'pending') throw new Error(`filled record ${id} does not read back: ${found.status}`);
    const h = String(found.session.secrets.oid4vp);
    if ((await ctx.store.resolve(h)) !== id || !(await ctx.responseCodes.get(h))) throw new Error(`filled record ${id}: its handle or request state does not read back`);
  }
  return sample.length;
}

async function fill(count: number): Promise<void> {
  const { ctx } = svc;
  const made = await createVerification(ctx, { purpose: 'age_over' });
  const found = await ctx.store.get(made.id);
  if (found.status !== 'found') throw new Error('the verification just made is not in the store');
  const template: VerificationSession = found.session;
  const handle = String(template.secrets.oid4vp);
  const stateJson = await ctx.responseCodes.get(handle);
  if (!stateJson) throw new Error('the request state of the verification just made is not in the store');
  const state = JSON.parse(stateJson) as PresentationState;
  const sessionTtl = ctx.config.pendingTtlSeconds + ctx.config.resultTtlSeconds;
  const stateTtl = Math.max(1, Math.ceil((state.expiresAt - state.createdAt) / 1000));
  const record = () => {
    const id = randomBytes(16).toString('base64url');
    const h = newRequestId();
    const session: VerificationSession = { ...template, id, ...(template.qrUri ? { qrUri: template.qrUri.replace(handle, h) } : {}), secrets: { ...template.secrets, oid4vp: h } };
    const oid4vp = { ...state.oid4vp!, nonce: newNonce(), responseUri: state.oid4vp!.responseUri!.replace(handle, h) };
    return { id, h, session, stateJson: JSON.stringify({ ...state, oid4vp }) };
  };
  if (ctx.store.kind === 'redis') {
    const cipher = StoreCipher.fromKey(ctx.config.storeKey!);
    const prefix = ctx.config.redisPrefix;
    const tombstoneTtl = sessionTtl + DEFAULT_TIMINGS.tombstoneSeconds;
    const redis = new Redis(ctx.config.redisUrl!);
    try {
      let inFlight: Promise<unknown> = Promise.resolve();
      for (let done = 1; done < count;) {
        const batch = redis.pipeline();
        for (const end = Math.min(count, done + 1000); done < end; done++) {
          const { id, h, session, stateJson } = record();
          if (done % 10_000 === 0) sample.push(id);
          const name = cipher.name(id);
          const [s, t, a, rs] = [recordKey(prefix, name, 's'), recordKey(prefix, name, 't'), recordKey(prefix, cipher.name(h), 'a'), `${prefix}rs:{${cipher.name(h)}}`];
          batch
            .set(s, cipher.seal(s, JSON.stringify(session)), 'EX', sessionTtl)
            .set(t, '1', 'EX', tombstoneTtl)
            .set(a, cipher.seal(a, id), 'EX', tombstoneTtl)
            .set(rs, cipher.seal(rs, stateJson), 'EX', stateTtl, 'NX');
        }
        // One pipeline on the wire while the next is sealed.
        await inFlight;
        inFlight = batch.exec().then((replies) => {
          const error = replies?.find(([e]) => e)?.[0];
          if (error) throw error;
        });
      }
      await inFlight;
    } finally {
      redis.disconnect();
    }
    return;
  }
  let next = 1;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next++ < count) {
        const { id, h, session, stateJson } = record();
        if (next % 10_000 === 0) sample.push(id);
        await Promise.all([ctx.store.create(session, sessionTtl, h), ctx.responseCodes.put(h, stateJson, stateTtl)]);
      }
    }),
  );
}

process.on('message', (m: { op: string; count?: number }) => {
  if (m.op === 'cpu') process.send?.(process.cpuUsage());
  if (m.op === 'heap') {
    globalThis.gc?.();
    const u = process.memoryUsage();
    process.send?.({ heap: u.heapUsed + u.external });
  }
  // The longest event-loop delay since the last ask (ms), then starts again.
  if (m.op === 'delay') {
    process.send?.({ delayMs: delay.max / 1e6 });
    delay.reset();
  }
  if (m.op === 'check') {
    check().then(
      (checked) => process.send?.({ checked }),
      (e: Error) => process.send?.({ error: e.message }),
    );
  }
  if (m.op === 'fill') {
    const t = performance.now();
    fill(m.count!).then(
      () => process.send?.({ filled: m.count, ms: performance.now() - t }),
      (e: Error) => process.send?.({ error: e.message }),
    );
  }
});
