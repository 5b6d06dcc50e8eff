/**
 * Webhook deliveries through BullMQ on the service's Redis: at least once, across restarts and
 * instances.
 *
 * Why BullMQ rather than our own Redis streams: what a delivery queue needs beyond a list (delayed
 * retries with backoff and jitter, a lock per delivery under way that the worker renews, taking over
 * the deliveries of an instance that died once its lock lapses, a kept record of what failed for good,
 * de-duplication by id) is what BullMQ's Lua scripts already do and are tested for; written by hand
 * on streams it would be a second, younger copy of them.
 *
 * The outbox: the session store writes each delivery (sealed) into its bucket's outbox hash
 * (`{prefix}{b}outbox`, in the slot of the verification's keys) in the same Lua script that writes the result, and `enqueue` moves it into the queue and deletes it. An instance that
 * dies, or a Redis that fails, between the two leaves the entry behind; every instance sweeps the
 * outbox buckets every few seconds and queues what it finds. Queueing is idempotent (the job id is the event
 * id), so a sweep racing the finishing instance sends nothing twice.
 *
 * Redis holds nothing that reads a result or a person: the job id is the event id (a keyed hash of
 * the verification id and state), the job data one value sealed under the store key (it holds the
 * verification id, a bearer value, and the receipt), with the job's name as AAD.
 *
 *   {prefix}:webhooks:*  BullMQ's keys for the queue (jobs by event id, wait/delayed/active/failed sets),
 *                        the prefix in braces (`{kakunin}:webhooks:…`): one Redis Cluster slot, as
 *                        BullMQ's scripts need
 *   {prefix}{b}outbox    deliveries written with their result, not yet queued (redis-store.ts)
 *
 * A delivery is tried `attempts` times, the delay doubling from `baseDelayMs` with 50 % jitter so
 * that deliveries failed together (a merchant's outage) do not come back together. One that fails
 * for good (a 4xx, or the last attempt) stays in the failed set for DEAD_LETTER_SECONDS: the
 * dead-letter record an operator can inspect and retry with BullMQ's tools. Delivered jobs are kept
 * an hour, so the same event enqueued again (a second instance finishing the same verification) is
 * ignored rather than sent twice.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { BUCKETS, outboxKey, outboxKeyFor, type OutboxEntry } from '../store/index.js';
import { closeRedis, connectRedis, type RedisClient, type RedisTarget } from '../store/redis-connection.js';
import type { StoreCipher } from '../store/store-cipher.js';
import { ServiceError } from '../errors.js';
import { postWebhook, type WebhookDelivery } from './delivery.js';
import { withDeadline, type WebhookQueue, type WebhookReport } from './queue.js';

const QUEUE = 'webhooks';
const JOB = 'delivery';
const DEAD_LETTER_SECONDS = 7 * 86_400;
const KEEP_DELIVERED_SECONDS = 3600;
/** How often each instance looks for outbox entries left behind, and how many it takes at a time. */
const SWEEP_MS = 5000;
const SWEEP_COUNT = 200;

export interface RedisWebhookQueueOptions {
  redisUrl: string;
  /** REDIS_URL names a Redis Cluster. */
  cluster?: RedisTarget['cluster'];
  /** The store's key prefix ('kakunin:'); BullMQ's keys go under it. */
  prefix: string;
  cipher: StoreCipher;
  report: WebhookReport;
  /** Told when a delivery could not be read (another store key) or a stalled one was given up. */
  onProblem: (message: string, eventId: string | undefined) => void;
  /** Attempts per delivery (default 10: delays doubling from 1 s, up to 8.5 minutes in all). */
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  /**
   * How long a delivery an instance took stays its own without news from it (BullMQ's lock): after
   * this, an instance that died mid-delivery loses it to another. Default 30 s.
   */
  takeoverMs?: number;
  concurrency?: number;
  /** How often the outbox is swept (default 5 s). */
  sweepMs?: number;
  fetch?: typeof fetch;
}

interface JobData {
  sealed: string;
}

export class RedisWebhookQueue implements WebhookQueue {
  readonly kind = 'redis' as const;
  private readonly queue: Queue<JobData>;
  private readonly worker: Worker<JobData>;
  private readonly connections: RedisClient[];
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly producer: RedisClient;
  private readonly sweeper: NodeJS.Timeout;
  private sweeping: Promise<void> | undefined;
  private active = 0;

  constructor(private readonly options: RedisWebhookQueueOptions) {
    this.attempts = options.attempts ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    const prefix = `{${options.prefix.replace(/:$/, '')}}`;
    // The queue's connection fails fast like the store's (a mute Redis must not hold a finishing
    // verification); the worker's may block (BullMQ waits for jobs with blocking commands).
    const target = { url: options.redisUrl, cluster: options.cluster ?? false };
    const producer = connectRedis(target, { commandTimeoutMs: 2000 });
    const consumer = connectRedis(target, { maxRetriesPerRequest: null });
    this.connections = [producer, consumer];
    this.producer = producer;
    this.queue = new Queue<JobData>(QUEUE, { connection: producer, prefix });
    this.queue.on('error', () => undefined);
    const takeoverMs = options.takeoverMs ?? 30_000;
    this.worker = new Worker<JobData>(QUEUE, (job) => this.attempt(job), {
      connection: consumer,
      prefix,
      concurrency: options.concurrency ?? 16,
      lockDuration: takeoverMs,
      stalledInterval: takeoverMs,
      maxStalledCount: 3,
    });
    this.worker.on('error', () => undefined);
    this.sweeper = setInterval(() => void (this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined))), options.sweepMs ?? SWEEP_MS);
    this.sweeper.unref();
    this.worker.on('failed', (job, err) => {
      // Ours are reported where they happen; this is BullMQ giving up a delivery that kept stalling.
      if (job && !(err instanceof UnrecoverableError) && /stalled/i.test(err.message)) options.onProblem(`webhook delivery given up: ${err.message}`, job.id);
    });
  }

  get underWay(): number {
    return this.active;
  }

  outboxEntry(d: WebhookDelivery): OutboxEntry {
    return { id: d.eventId, value: this.options.cipher.seal(`${QUEUE}:${d.eventId}`, JSON.stringify(d)) };
  }

  async enqueue(d: WebhookDelivery, entry: OutboxEntry = this.outboxEntry(d)): Promise<void> {
    await this.add(entry, outboxKeyFor(this.options.prefix, this.options.cipher.name(d.verificationId)));
  }

  /** Queues a sealed delivery under its event id (a second add of one id is ignored), then clears its outbox entry. */
  private async add(entry: OutboxEntry, outbox: string): Promise<void> {
    await this.queue.add(
      JOB,
      { sealed: entry.value },
      {
        jobId: entry.id,
        attempts: this.attempts,
        backoff: { type: 'exponential', delay: this.baseDelayMs, jitter: 0.5 },
        removeOnComplete: { age: KEEP_DELIVERED_SECONDS },
        removeOnFail: { age: DEAD_LETTER_SECONDS },
      },
    );
    await this.producer.hdel(outbox, entry.id);
  }

  /** Queues the outbox entries an instance or a Redis failure left behind, bucket by bucket. */
  private async sweep(): Promise<void> {
    await Promise.all(
      [...BUCKETS].map(async (bucket) => {
        const outbox = outboxKey(this.options.prefix, bucket);
        try {
          const [, flat] = await this.producer.hscan(outbox, '0', 'COUNT', SWEEP_COUNT);
          for (let i = 0; i + 1 < flat.length; i += 2) await this.add({ id: flat[i], value: flat[i + 1] }, outbox);
        } catch {
          // Redis (or this bucket's master) away: the entries stay; the next sweep tries again.
        }
      }),
    );
  }

  /** One attempt. Throwing asks BullMQ for another later; UnrecoverableError ends the delivery. */
  private async attempt(job: Job<JobData>): Promise<void> {
    let d: WebhookDelivery;
    try {
      d = JSON.parse(this.options.cipher.open(`${QUEUE}:${job.id}`, job.data.sealed)) as WebhookDelivery;
    } catch {
      // Another instance, with the right KAKUNIN_STORE_KEY, may take it on a later attempt.
      this.options.onProblem('webhook delivery does not open under this store key', job.id);
      throw new ServiceError('STORE_VALUE_UNREADABLE', 'sealed under another store key');
    }
    this.active++;
    try {
      const r = await postWebhook(d, { timeoutMs: this.options.timeoutMs ?? 5000, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
      const attempts = job.attemptsMade + 1;
      if (r.ok) return this.options.report(d, { delivered: true, attempts });
      if (!r.retry || attempts >= this.attempts) {
        this.options.report(d, { delivered: false, attempts, reason: r.reason });
        throw new UnrecoverableError(r.reason);
      }
      throw new ServiceError('WEBHOOK_DELIVERY_FAILED', r.reason);
    } finally {
      this.active--;
    }
  }

  async close(ms: number): Promise<'drained' | 'timeout'> {
    clearInterval(this.sweeper);
    // Every step below talks to Redis, so each is bounded: a Redis that is gone never holds a stop.
    await withDeadline(this.sweeping ?? Promise.resolve(), 1000);
    // worker.close() lets the attempts under way finish; past the deadline they are abandoned, and
    // their locks lapse so that another instance takes them over. With nothing under way there is
    // nothing to wait for.
    const outcome = this.active === 0 ? 'drained' : await withDeadline(this.worker.close(), ms);
    if (this.active === 0 || outcome === 'timeout')
      await withDeadline(
        this.worker.close(true).catch(() => undefined),
        1000,
      );
    await withDeadline(
      this.queue.close().catch(() => undefined),
      1000,
    );
    await closeRedis(this.connections);
    return outcome;
  }
}
