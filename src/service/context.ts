/**
 * Everything a request handler needs, built once at start (startup/build-context.ts) and passed down:
 * no module-level state, so tests build as many services as they like in one process.
 */
import type { Purpose } from '../policy/index.js';
import type { TrustStore } from '../trust/index.js';
import type { RequestStateStore } from '../protocols/state/request-state-store.js';
import type { ServiceConfig } from './startup/load-config.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { RateLimits } from './http/rate-limits.js';
import type { ReceiptSigner } from './verifications/receipts.js';
import type { StreamCounter } from './http/stream-counter.js';
import type { ServiceRevocation } from './startup/revocation.js';
import type { SessionStore } from './store/index.js';
import type { WalletProtocols } from './verifications/wallet-protocols.js';
import type { CredentialBinding } from './verifications/credential-binding.js';
import type { ReceiptAudience } from './http/api-key.js';
import type { WebhookQueue } from './webhooks/queue.js';
import type { DeclineWatch } from './verifications/decline-watch.js';

export interface ServiceContext {
  config: ServiceConfig;
  store: SessionStore;
  purposes: Map<string, Purpose>;
  trust: TrustStore;
  /** The trust store each purpose verifies against (only the sets it accepts). */
  purposeTrust: Map<string, TrustStore>;
  /** CRLs and status lists; absent when KAKUNIN_REVOCATION=off. */
  revocation?: ServiceRevocation;
  receipts: ReceiptSigner;
  /** The `aud` of the receipts of each API client: a keyed hash of its key (http/api-key.ts). */
  audience: ReceiptAudience;
  metrics: Metrics;
  logger: Logger;
  protocols: WalletProtocols;
  /** The same-device flow's response codes, single-use (verifications/response-code.ts); kept where the request states are. */
  responseCodes: RequestStateStore;
  /** The clock, injected so tests can move time. */
  now: () => Date;
  /**
   * What logs say instead of a bearer value (a verification id, a handle): a short keyed hash, the
   * same on every instance that shares KAKUNIN_STORE_KEY, useless for reading a result.
   */
  logRef: (bearer: string) => string;
  /** Request rate limits, counted in this process or, with Redis, across instances. */
  rateLimits: RateLimits;
  /** Open event streams, counted against their limits (http/sse.ts). */
  streams: StreamCounter;
  /** The same on every instance for one verification's final state: what receivers de-duplicate on. */
  webhookEventId: (verificationId: string, state: string) => string;
  /**
   * account_match credential bindings per merchant (KAKUNIN_BINDING_KEY); absent when serve runs
   * without the key, and then a verification that asks for a binding is refused.
   */
  credentialBinding?: CredentialBinding;
  /** Declines per API client, for the burst warning (verifications/decline-watch.ts). */
  declineWatch: DeclineWatch;
  /** Where deliveries wait: this process, or Redis (survives a restart, any instance delivers). */
  webhooks: WebhookQueue;
}
