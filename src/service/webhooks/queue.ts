/**
 * Where webhook deliveries wait between attempts.
 *
 * - Without Redis (MemoryWebhookQueue): in this process, retried with doubling delays; shutdown
 *   waits a bounded time for the deliveries under way. A crash loses what is pending: a single
 *   instance without Redis has nowhere durable to keep it.
 * - With Redis (RedisWebhookQueue, redis-queue.ts): a BullMQ queue on the same Redis, so a
 *   delivery outlives the instance that enqueued it; any instance delivers it.
 *
 * Both report every final outcome (delivered, or given up) through `report`, once per delivery.
 */
import type { OutboxEntry } from '../store/index.js';
import { deliverWebhook, type WebhookDelivery, type WebhookOptions, type WebhookOutcome } from './delivery.js';

export interface WebhookQueue {
  readonly kind: 'memory' | 'redis';
  /**
   * The outbox entry the session store writes with the result, in the same atomic step (Redis), so
   * that a crash or a Redis failure between the result and `enqueue` loses no delivery: the queue
   * finds the entry and delivers it. Undefined where there is no durable outbox (memory).
   */
  outboxEntry(d: WebhookDelivery): OutboxEntry | undefined;
  /**
   * Takes a delivery; resolves once it is held (with Redis: queued, and its outbox entry removed).
   * `entry` is the outbox entry already made for it, when there is one (sealed once, not twice).
   */
  enqueue(d: WebhookDelivery, entry?: OutboxEntry): Promise<void>;
  /** Deliveries this process is attempting now. */
  readonly underWay: number;
  /**
   * Stops taking work and waits up to `ms` for the attempts under way. With Redis, what is left
   * stays in Redis for another instance; without, it is lost (and logged by the caller).
   */
  close(ms: number): Promise<'drained' | 'timeout'>;
}

export type WebhookReport = (d: WebhookDelivery, outcome: WebhookOutcome) => void;

export class MemoryWebhookQueue implements WebhookQueue {
  readonly kind = 'memory' as const;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly options: WebhookOptions,
    private readonly report: WebhookReport,
  ) {}

  get underWay(): number {
    return this.pending.size;
  }

  outboxEntry(): undefined {
    return undefined;
  }

  async enqueue(d: WebhookDelivery): Promise<void> {
    const p: Promise<void> = deliverWebhook(d, this.options)
      .then((outcome) => this.report(d, outcome))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async close(ms: number): Promise<'drained' | 'timeout'> {
    if (this.pending.size === 0) return 'drained';
    return withDeadline(Promise.allSettled([...this.pending]), ms);
  }
}

/** 'drained' when `work` settles within `ms`, else 'timeout' (the work goes on unawaited). */
export async function withDeadline(work: Promise<unknown>, ms: number): Promise<'drained' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([work.then(() => 'drained' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
