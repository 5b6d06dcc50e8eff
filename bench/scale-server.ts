/**
 * The service process of bench/scale-pending.ts: `kakunin serve` with the flags given (from the
 * TypeScript sources, so bench:scale needs no build), which on request also reports its CPU time and
 * heap, and creates pending verifications the way POST /v1/verifications does (createVerification
 * on its own context, without the HTTP round trip: a million over HTTP would take most of an hour).
 */
import { runServe } from '../src/service/startup/serve.js';
import { createLogger } from '../src/service/observability/logger.js';
import { createVerification } from '../src/service/verifications/lifecycle.js';

const svc = await runServe(process.argv.slice(2), { signals: true, logger: createLogger('warn') });
process.stdout.write(`ready ${svc.url}\n`);

async function fill(count: number): Promise<void> {
  let next = 0;
  // Some at a time: with Redis, each creation waits on its round trips.
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < count) await createVerification(svc.ctx, { purpose: 'age_over' });
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
  if (m.op === 'fill') {
    const t = performance.now();
    fill(m.count!).then(
      () => process.send?.({ filled: m.count, ms: performance.now() - t }),
      (e: Error) => process.send?.({ error: e.message }),
    );
  }
});
