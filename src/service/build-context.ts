/**
 * Start-up: everything is read and checked here, once, before the port opens. A bad setting, purposes
 * file, trust folder or key stops the process with a message that names it.
 */
import { loadPurposes } from '../policy/index.js';
import { loadOrCreateDevelopmentIdentity, loadVerifierIdentity } from '../protocols/keys/verifier-identity.js';
import { loadTrustStore, TrustStore } from '../trust/index.js';
import type { ServiceConfig } from './config.js';
import type { ServiceContext } from './context.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { createProtocolAdapter } from './protocol-adapter.js';
import { ReceiptSigner } from './receipts.js';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from './store/index.js';
import { guardedFetch } from './ssrf.js';
import { storeUnavailableAs503 } from './store-unavailable.js';
import { deliverWebhook, DEFAULT_WEBHOOK_OPTIONS } from './webhook.js';

export interface BuildOptions {
  logger?: Logger;
  now?: () => Date;
  /** Extra anchors (the demo wallet's sandbox IACA). */
  extraTrust?: TrustStore;
  store?: SessionStore;
}

export async function buildContext(config: ServiceConfig, options: BuildOptions = {}): Promise<ServiceContext> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const purposes = loadPurposes(config.purposesFile, { ...(config.municipalities ? { municipalities: config.municipalities } : {}) });

  let trust = loadTrustStore([config.trustDir], config.trustSets.length ? { sets: config.trustSets } : {});
  if (options.extraTrust) trust = TrustStore.merge(trust, options.extraTrust);
  if (trust.anchors.length === 0) throw new Error(`no trust anchors found in ${config.trustDir}`);

  const issuer = config.publicUrl;
  let receipts: ReceiptSigner;
  if (config.receiptKeyFile) {
    receipts = ReceiptSigner.fromPemFile(config.receiptKeyFile, issuer);
  } else {
    receipts = ReceiptSigner.ephemeral(issuer);
    if (!config.sandbox) logger.warn('KAKUNIN_RECEIPT_KEY_FILE is not set: receipts are signed with a key made for this process only');
  }

  const host = new URL(config.publicUrl).hostname;
  const identity = config.verifierCertFile
    ? loadVerifierIdentity(config.verifierCertFile, config.verifierKeyFile!)
    : await loadOrCreateDevelopmentIdentity(host, now());
  if (!config.verifierCertFile && !config.sandbox) {
    logger.warn('no verifier certificate configured (KAKUNIN_VERIFIER_CERT_FILE): using a development certificate that no real wallet trusts');
  }

  const store = storeUnavailableAs503(options.store ?? (config.redisUrl ? RedisSessionStore.connect(config.redisUrl) : new MemorySessionStore()));
  const webhookFetch = guardedFetch({ allowPrivate: config.webhookAllowPrivate, allowLoopback: config.webhookAllowPrivate });
  logger.info(
    { store: store.kind, purposes: [...purposes.keys()], trustSets: trust.sets, anchors: trust.anchors.length, sandbox: config.sandbox, publicUrl: config.publicUrl },
    'configuration loaded',
  );
  return {
    config,
    store,
    purposes,
    trust,
    receipts,
    metrics: new Metrics(),
    logger,
    protocols: createProtocolAdapter({ identity, now }),
    now,
    deliverWebhook: (d) => deliverWebhook(d, { ...DEFAULT_WEBHOOK_OPTIONS, fetch: webhookFetch }),
  };
}
