/**
 * `kakunin/service`: the HTTP service as a library (what `kakunin serve` and `kakunin demo` run).
 * It is a subpath of its own so that `import 'kakunin'` (the verifier) loads no web server, queue,
 * Redis client, metrics or logger.
 *
 * @example
 * import { runServe } from 'kakunin/service';
 * const svc = await runServe(['--port', '8080'], { env: process.env });
 * // ... later
 * await svc.close();
 */
export { runServe, runDemo, type RunningService, type RunOptions } from './startup/serve.js';
