/**
 * `kakunin/service`: the HTTP service as a library (what `kakunin serve` and `kakunin demo` run).
 * It is a subpath of its own so that `import 'kakunin'` (the verifier) loads no web server, queue,
 * Redis client, metrics or logger. What it gives is deliberately small: start, where it listens,
 * stop. The service's insides (its context, stores, queues) stay internal; the CLI and the tests
 * use startup/serve.ts directly.
 *
 * @example
 * ```ts
 * import { runServe } from 'kakunin/service';
 * const svc = await runServe(['--port', '8080'], { env: process.env });
 * // ... later
 * await svc.close();
 * ```
 */
// Brings in the user's @types/node, which these declarations need (why: src/index.ts).
/// <reference types="node" preserve="true" />
export { runServe, runDemo, type RunningService, type ServiceOptions } from './startup/serve.js';
