/**
 * Start-up: everything is read and checked here, once, before the port opens. A bad setting, purposes
 * file, trust folder or key stops the process with a message that names it.
 */
import { asksForMyNumber, loadPurposes, type Purpose } from '../policy/index.js';
import { loadOrCreateDevelopmentIdentity, loadVerifierIdentity } from '../protocols/keys/verifier-identity.js';
import { TrustStore } from '../trust/index.js';
import { loadTrustStore } from '../runtime/trust-folder.js';
import { checkVerifierIdentity } from '../protocols/keys/verifier-identity-check.js';
import { ConfigError, type ServiceConfig } from './config.js';
import type { ServiceContext } from './context.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { createProtocolAdapter } from './protocol-adapter.js';
import { RateLimits } from './rate-limits.js';
import { ReceiptSigner } from './receipts.js';
import { StreamCounter } from './stream-counter.js';
import { ServiceRevocation } from './revocation.js';
import { MemorySessionStore, RedisSessionStore, requestStateStoreFor, StoreCipher, type SessionStore } from './store/index.js';
import { guardedFetch } from './ssrf.js';
import { storeUnavailableAs503 } from './store-unavailable.js';
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookDelivery, type WebhookOutcome } from './webhook.js';
import { MemoryWebhookQueue, type WebhookQueue } from './webhook-queue.js';
import { RedisWebhookQueue } from './webhook-redis-queue.js';

export interface BuildOptions {
  logger?: Logger;
  now?: () => Date;
  /** Extra anchors (the demo wallet's sandbox IACA). */
  extraTrust?: TrustStore;
  store?: SessionStore;
  /** Replaces the queue webhook deliveries go through (tests capture them). */
  webhooks?: WebhookQueue;
  /** Replaces the SSRF-guarded fetch of revocation lists (tests). */
  revocationFetch?: (url: string) => Promise<Uint8Array>;
}

/**
 * Each purpose verifies against a store holding only the trust sets it accepts, so an anchor it does
 * not accept never even builds a chain (reduce.ts checks the set again on the decision). In sandbox
 * mode a purpose that names its sets also accepts the sandbox set: the demo's documents are issued
 * under it, for every purpose alike.
 */
export function trustPerPurpose(
  purposes: Map<string, Purpose>,
  trust: TrustStore,
  sandbox: boolean,
): { purposes: Map<string, Purpose>; trust: Map<string, TrustStore>; unmatched: { purpose: string; sets: string[] }[] } {
  const out = new Map<string, Purpose>();
  const stores = new Map<string, TrustStore>();
  const unmatched: { purpose: string; sets: string[] }[] = [];
  for (const [name, p] of purposes) {
    const purpose = sandbox && p.trustSets.length > 0 && !p.trustSets.includes('sandbox') ? { ...p, trustSets: [...p.trustSets, 'sandbox'] } : p;
    out.set(name, purpose);
    if (purpose.trustSets.length === 0) {
      stores.set(name, trust);
      continue;
    }
    const restricted = trust.restrict(purpose.trustSets);
    if (restricted.anchors.length === 0) unmatched.push({ purpose: name, sets: purpose.trustSets });
    stores.set(name, restricted);
  }
  return { purposes: out, trust: stores, unmatched };
}

export async function buildContext(config: ServiceConfig, options: BuildOptions = {}): Promise<ServiceContext> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const loaded = loadPurposes(config.purposesFile, { ...(config.municipalities ? { municipalities: config.municipalities } : {}) });

  let trust = loadTrustStore([config.trustDir], config.trustSets.length ? { sets: config.trustSets } : {});
  for (const warning of trust.warnings) logger.warn({ warning }, 'trust store: a file was skipped');
  if (options.extraTrust) trust = TrustStore.merge(trust, options.extraTrust);
  if (trust.anchors.length === 0) throw new Error(`no trust anchors found in ${config.trustDir}`);
  const testSets = [...new Set(trust.anchors.filter((a) => a.test).map((a) => a.set))];
  if (testSets.length > 0) {
    logger.warn(
      { testTrustSets: testSets, anchors: trust.anchors.filter((a) => a.test).length, sandbox: config.sandbox },
      'TEST TRUST ANCHORS ARE TRUSTED: credentials from test and sandbox issuers will verify. Never run this configuration in production.',
    );
  }
  for (const p of loaded.values()) {
    // Collecting the My Number is lawful only for a listed use: what the operator declared is on record.
    if (asksForMyNumber(p)) logger.warn({ purpose: p.name, legalBasis: p.legalBasis }, 'purpose collects the My Number (個人番号) under the declared legal basis (番号法)');
  }
  const perPurpose = trustPerPurpose(loaded, trust, config.sandbox);
  const purposes = perPurpose.purposes;
  for (const u of perPurpose.unmatched) {
    logger.warn({ purpose: u.purpose, trustSets: u.sets, loadedSets: trust.sets }, 'purpose accepts no loaded trust set: its verifications will all fail');
  }

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
  const identityCheck = await checkVerifierIdentity(identity, { now: now(), host });
  if (config.verifierCertFile && identityCheck.problems.length) {
    throw new ConfigError(`KAKUNIN_VERIFIER_CERT_FILE (${config.verifierCertFile}): ${identityCheck.problems.join('; ')}`);
  }
  for (const warning of identityCheck.warnings) logger.warn({ notAfter: identityCheck.notAfter.toISOString() }, warning);

  const cipher = storeCipher(config, logger);
  const sessions = options.store ?? (config.redisUrl ? RedisSessionStore.connect(config.redisUrl, cipher, config.redisPrefix, undefined, { commandTimeoutMs: config.redisCommandTimeoutMs }) : new MemorySessionStore(() => now().getTime()));
  const store = storeUnavailableAs503(sessions);
  const metrics = new Metrics();
  metrics.verifierCertificateExpiry.set(Math.floor(identityCheck.notAfter.getTime() / 1000));
  let revocation: ServiceRevocation | undefined;
  if (config.revocation === 'off') {
    logger.warn('revocation checking is off (KAKUNIN_REVOCATION=off): revoked issuers and credentials are not detected');
  } else {
    revocation = new ServiceRevocation({
      mode: config.revocation,
      trust,
      logger,
      now,
      metrics,
      ...(config.revocationCacheDir ? { cacheDir: config.revocationCacheDir } : {}),
      intervalSeconds: config.revocationRefreshSeconds,
      allowPrivate: config.revocationAllowPrivate,
      ...(options.revocationFetch ? { fetch: options.revocationFetch } : {}),
    });
  }
  const webhookFetch = guardedFetch({ allowPrivate: config.webhookAllowPrivate, allowLoopback: config.webhookAllowPrivate });
  const logRef = (bearer: string) => cipher.name(`log\0${bearer}`).slice(0, 12);
  const report = (d: WebhookDelivery, outcome: WebhookOutcome) => {
    metrics.webhooks.inc({ result: outcome.delivered ? 'delivered' : 'failed' });
    const log = { ref: logRef(d.verificationId), event: d.eventId, attempts: outcome.attempts, ...(outcome.delivered ? {} : { reason: outcome.reason }) };
    if (outcome.delivered) logger.info(log, 'webhook delivered');
    else logger.warn(log, 'webhook not delivered');
  };
  const webhooks =
    options.webhooks ??
    (config.redisUrl
      ? new RedisWebhookQueue({
          redisUrl: config.redisUrl,
          prefix: config.redisPrefix,
          cipher,
          report,
          onProblem: (message, event) => logger.error({ event }, message),
          takeoverMs: config.webhookTakeoverSeconds * 1000,
          fetch: webhookFetch,
        })
      : new MemoryWebhookQueue({ ...DEFAULT_WEBHOOK_OPTIONS, fetch: webhookFetch }, report));
  logger.info(
    { store: store.kind, purposes: [...purposes.keys()], trustSets: trust.sets, anchors: trust.anchors.length, sandbox: config.sandbox, publicUrl: config.publicUrl },
    'configuration loaded',
  );
  return {
    config,
    store,
    purposes,
    trust,
    purposeTrust: perPurpose.trust,
    ...(revocation ? { revocation } : {}),
    receipts,
    metrics,
    logger,
    protocols: createProtocolAdapter({ identity, now, states: requestStateStoreFor(sessions, now) }),
    now,
    rateLimits: new RateLimits({ name: (v) => cipher.name(v), logger, ...(config.redisUrl ? { redis: { url: config.redisUrl, prefix: config.redisPrefix } } : {}) }),
    streams: new StreamCounter(),
    logRef,
    webhookEventId: (id, state) => `evt_${cipher.name(`event\0${id}\0${state}`).slice(0, 32)}`,
    webhooks,
  };
}

/**
 * The key Redis values are sealed under. config.ts requires KAKUNIN_STORE_KEY with Redis outside
 * sandbox mode; the sandbox and the demo may run without it, on a key made for this process.
 */
function storeCipher(config: ServiceConfig, logger: Logger): StoreCipher {
  const onUnreadable = (reason: string) =>
    logger.error({ reason }, 'a Redis value did not decrypt (answered 503 STORE_UNAVAILABLE): check that KAKUNIN_STORE_KEY is the same on every instance');
  if (config.storeKey) return StoreCipher.fromKey(config.storeKey, onUnreadable);
  // Without Redis the cipher only names log references: a process key is all it needs.
  if (!config.redisUrl) return StoreCipher.generate(onUnreadable);
  logger.warn('KAKUNIN_STORE_KEY is not set: Redis values are sealed with a key made for this process only; a second instance cannot read these sessions');
  return StoreCipher.generate(onUnreadable);
}
