/**
 * One kakunin service instance for scripts/load-faults.ts, as its own process (so the driver can
 * kill it with SIGKILL). Configuration from the environment: PORT, PUBLIC_URL, REDIS_URL,
 * KAKUNIN_API_KEYS, KAKUNIN_STORE_KEY (shared by the instances), KAKUNIN_RECEIPT_KEY_FILE, and LOAD_IACA_FILE (the sandbox IACA, DER) to trust.
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '../src/service/observability/logger.js';
import { startServe } from '../src/service/startup/serve.js';
import { TrustStore } from '../src/trust/store.js';

const iaca = new Uint8Array(readFileSync(process.env.LOAD_IACA_FILE!));
const running = await startServe(['--port', process.env.PORT!, '--host', '127.0.0.1', '--rate-limit-ip', '0', '--rate-limit-key', '0'], {
  env: process.env,
  logger: createLogger(process.env.LOG_LEVEL ?? 'warn'),
  extraTrust: TrustStore.fromCertificates([iaca], { set: 'sandbox', name: 'load sandbox IACA', test: true }),
  signals: true,
});
process.send?.({ ready: running.url });
