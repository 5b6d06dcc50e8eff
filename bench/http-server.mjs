/**
 * The service process of `npm run bench:http`: `kakunin serve` with the flags given, from the compiled
 * JavaScript in dist/ (what `npm start` and the image run; `bench:http` builds it first), so the
 * figures carry no TypeScript loader.
 */
import { runServe } from '../dist/service/startup/serve.js';
import { createLogger } from '../dist/service/observability/logger.js';

const svc = await runServe(process.argv.slice(2), { signals: true, logger: createLogger('warn') });
process.stdout.write(`ready ${svc.url}\n`);
// The bench asks for this process's own CPU time (user + system) before and after its timed flows.
// And for the heap after a full collection (the bench starts this process with --expose-gc).
process.on('message', (m) => {
  if (m === 'cpu') process.send?.(process.cpuUsage());
  if (m === 'heap') {
    globalThis.gc?.();
    process.send?.({ heap: process.memoryUsage().heapUsed });
  }
});
