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
import type { Server } from 'node:http';
import type { TrustStore } from '../trust/store.js';
import * as serve from './startup/serve.js';

/**
 * How a service is started from code: the environment its settings are read from, the clock, extra trust anchors, and whether it handles SIGTERM/SIGINT itself.
 */
export interface ServiceOptions {
  /** Where the KAKUNIN_* settings are read; default process.env. Flags in `args` win over it. */
  env?: Record<string, string | undefined>;
  /** Install SIGTERM/SIGINT handlers that stop the service gracefully (the CLI does). Default false. */
  signals?: boolean;
  /** runDemo: do not print the walkthrough. */
  quiet?: boolean;
  /** The service's clock; default the system's. */
  now?: () => Date;
  /** Anchors trusted besides the configured trust folder. */
  extraTrust?: TrustStore;
}

/**
 * A started service: the URL it listens on, its HTTP server, and close() for a graceful stop.
 */
export interface RunningService {
  url: string;
  server: Server;
  /** Stops accepting, finishes what is in flight, closes the store; resolves within the grace period. */
  close(): Promise<void>;
}

const publicView = (running: serve.RunningService): RunningService => ({ url: running.url, server: running.server, close: () => running.close() });

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
  return publicView(await serve.runServe(args, options));
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
  return publicView(await serve.runDemo(args, options));
}
