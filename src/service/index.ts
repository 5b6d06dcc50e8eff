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
import { startDemo, startServe, type StartedService } from './startup/serve.js';
import type { RunningService, ServiceOptions } from './startup/running-service.js';

export type { RunningService, ServiceOptions };

// The public functions hand out only what RunningService names: the context stays internal at run time too.
const publicView = (started: StartedService): RunningService => ({ url: started.url, server: started.server, close: () => started.close() });

/**
 * Starts the verifier service (HTTP API, pages, wallet endpoints) with the flags and environment `kakunin serve` takes; resolves once it listens.
 *
 * @example
 * ```ts
 * import { runServe } from 'kakunin/service';
 * const svc = await runServe(['--port', '8080'], { env: process.env });
 * console.log(svc.url);
 * await svc.close();
 * ```
 */
export async function runServe(args: string[], options: ServiceOptions = {}): Promise<RunningService> {
  return publicView(await startServe(args, options));
}

/**
 * Starts the service in sandbox mode with the demo's sandbox wallet, as `kakunin demo` does.
 *
 * @example
 * ```ts
 * import { runDemo } from 'kakunin/service';
 * const demo = await runDemo(['--port', '0'], { env: {}, quiet: true });
 * console.log(demo.url); // the counter and checkout pages, answered by the sandbox wallet
 * await demo.close();
 * ```
 */
export async function runDemo(args: string[], options: ServiceOptions = {}): Promise<RunningService> {
  return publicView(await startDemo(args, options));
}
