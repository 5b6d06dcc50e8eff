/**
 * What a user of `kakunin/service` starts the service with and gets back. Its own file, holding
 * nothing but these two, because the package's declarations of `kakunin/service` reach only what its
 * entry names: serve.ts's declarations name the service's context, and through it express, the
 * stores and the sandbox, whose types a user does not have.
 */
import type { Server } from 'node:http';
import type { TrustStore } from '../../trust/store.js';

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
