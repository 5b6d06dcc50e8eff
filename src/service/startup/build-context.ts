/**
 * Start-up: everything is read and checked here, once, before the port opens. A bad setting, purposes
 * file, trust folder or key stops the process with a message that names it.
 */
import { asksForMyNumber, type Purpose } from '../../policy/index.js';
import { loadPurposes } from '../../runtime/purposes-file.js';
import type { VerifierIdentity } from '../../protocols/keys/verifier-identity.js';
import { loadOrCreateDevelopmentIdentity, loadVerifierIdentity } from '../../runtime/verifier-identity-files.js';
import { basename } from 'node:path';
import { TEST_SETS, TrustStore } from '../../trust/index.js';
import { loadTrustStore, testSetsIn, trustSetsIn } from '../../runtime/trust-folder.js';
import { checkVerifierIdentity } from '../../protocols/keys/verifier-identity-check.js';
import { checkGoogleRpMetadata, GOOGLE_RP_METADATA_OID, parseGoogleRpMetadata } from '../../protocols/keys/google-rp-metadata.js';
import { ConfigError, type ServiceConfig } from './load-config.js';
import { SETTINGS, settingName, type SettingName } from './settings.js';
import type { VerifierInfo } from '../../protocols/oid4vp/request-object.js';
import { loadVerifierInfo } from './verifier-info.js';
import type { ServiceContext } from '../context.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { createProtocolAdapter } from '../verifications/wallet-protocols-adapter.js';
import { RateLimits } from '../http/rate-limits.js';
import { ReceiptSigner } from '../verifications/receipts.js';
import { ReceiptAudience } from '../http/api-key.js';
import { DeclineWatch } from '../verifications/decline-watch.js';
import { StreamCounter } from '../http/stream-counter.js';
import { ServiceRevocation } from './revocation.js';
import { MemorySessionStore, RedisSessionStore, requestStateStoreFor, StoreCipher, type SessionStore } from '../store/index.js';
import { guardedFetch } from '../webhooks/ssrf.js';
import { storeUnavailableAs503 } from '../store/store-unavailable.js';
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookDelivery, type WebhookOutcome } from '../webhooks/delivery.js';
import { MemoryWebhookQueue, type WebhookQueue } from '../webhooks/queue.js';
import { RedisWebhookQueue } from '../webhooks/redis-queue.js';
import { credentialBinding, processCredentialBinding, type CredentialBinding } from '../verifications/credential-binding.js';

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

/** What the start reads and checks before anything connects or listens. */
export interface Preflight {
  logger: Logger;
  now: () => Date;
  trust: TrustStore;
  perPurpose: ReturnType<typeof trustPerPurpose>;
  receipts: ReceiptSigner;
  identity: VerifierIdentity;
  notAfter: Date;
  additionalIdentities: VerifierIdentity[];
  verifierInfo?: VerifierInfo[];
  cipher: StoreCipher;
}

export interface PreflightOptions extends BuildOptions {
  /** Write a development verifier certificate that is missing into .kakunin/ (the start does; `kakunin check` does not). */
  writeDevelopmentIdentity?: boolean;
}

/**
 * Every check the start makes on files, keys, certificates, trust sets, purposes and verifier_info,
 * in one pass: a problem in one does not hide the next (a step that needs another's result is
 * skipped when that one failed). Throws a ConfigError listing every problem, each naming its setting
 * by variable and flag. The start runs it, then wires the service; `kakunin check` runs it alone.
 */
export async function preflight(config: ServiceConfig, options: PreflightOptions = {}): Promise<Preflight> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const problems: string[] = [];
  const attempt = async <T>(setting: SettingName, step: () => T | Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (e) {
      const found = e instanceof ConfigError ? e.problems : [(e as Error).message];
      // A message that names a setting already says where to look; any other gets the step's setting.
      for (const p of found) problems.push(NAMES_A_SETTING.test(p) ? p : `${settingName(setting)}: ${p}`);
      return undefined;
    }
  };
  const trust = await attempt('trust-dir', () => loadTrust(config, options.extraTrust, logger));
  const perPurpose = await attempt('purposes', () => loadPurposesFor(config, trust, logger));
  const receipts = await attempt('receipt-key', () => receiptSigner(config, logger));
  const main = await attempt('verifier-cert', () => verifierIdentity(config, now(), logger, options.writeDevelopmentIdentity ?? true));
  const additionalIdentities = await attempt('verifier-extra-certs', () => extraVerifierIdentities(config, now()));
  const verifierInfo = config.verifierInfoFile ? await attempt('verifier-info', () => loadVerifierInfo(config.verifierInfoFile!)) : undefined;
  if (config.googleRpMetadata && main && additionalIdentities)
    await attempt('google-rp-metadata', () => checkGoogleMetadata(config.googleRpMetadata!, [main.identity, ...additionalIdentities], logger));
  const cipher = storeCipher(config, logger);
  if (problems.length || !trust || !perPurpose || !receipts || !main || !additionalIdentities) throw new ConfigError(problems);
  return { logger, now, trust, perPurpose, receipts, identity: main.identity, notAfter: main.notAfter, additionalIdentities, ...(verifierInfo ? { verifierInfo } : {}), cipher };
}

/** A variable of the settings table in a message. */
const NAMES_A_SETTING = new RegExp(
  `\\b(${Object.values(SETTINGS)
    .map((s) => s.env)
    .join('|')})\\b`,
);

export async function buildContext(config: ServiceConfig, options: BuildOptions = {}): Promise<ServiceContext> {
  const { logger, now, trust, perPurpose, receipts, identity, notAfter, additionalIdentities, verifierInfo, cipher } = await preflight(config, options);
  const audience = ReceiptAudience.fromSecret(receipts.deriveSecret('receipt audience'), receipts.kid);
  const sessions =
    options.store ??
    (config.redisUrl
      ? RedisSessionStore.connect(config.redisUrl, cipher, config.redisPrefix, undefined, { commandTimeoutMs: config.redisCommandTimeoutMs, cluster: config.redisCluster })
      : new MemorySessionStore(() => now().getTime()));
  const store = storeUnavailableAs503(sessions);
  const metrics = new Metrics();
  metrics.verifierCertificateExpiry.set(Math.floor(notAfter.getTime() / 1000));
  const revocation = revocationFor(config, { trust, logger, now, metrics, ...(options.revocationFetch ? { fetch: options.revocationFetch } : {}) });
  const logRef = (bearer: string) => cipher.name(`log\0${bearer}`).slice(0, 12);
  logger.info(
    { store: store.kind, purposes: [...perPurpose.purposes.keys()], trustSets: trust.sets, anchors: trust.anchors.length, sandbox: config.sandbox, publicUrl: config.publicUrl },
    'configuration loaded',
  );
  const states = requestStateStoreFor(sessions, now);
  return {
    config,
    store,
    purposes: perPurpose.purposes,
    trust,
    purposeTrust: perPurpose.trust,
    ...(revocation ? { revocation } : {}),
    receipts,
    audience,
    metrics,
    logger,
    protocols: createProtocolAdapter({
      identity,
      additionalIdentities,
      ...(verifierInfo ? { verifierInfo } : {}),
      ...(config.googleRpMetadataInRequest && config.googleRpMetadata ? { googleRpMetadata: config.googleRpMetadata } : {}),
      deviceRequestVersion: config.deviceRequestVersion,
      now,
      states,
    }),
    responseCodes: states,
    now,
    rateLimits: new RateLimits({ name: (v) => cipher.name(v), logger, ...(config.redisUrl ? { redis: { url: config.redisUrl, cluster: config.redisCluster, prefix: config.redisPrefix } } : {}) }),
    streams: new StreamCounter(),
    logRef,
    webhookEventId: (id, state) => `evt_${cipher.name(`event\0${id}\0${state}`).slice(0, 32)}`,
    webhooks: options.webhooks ?? webhookQueue(config, cipher, metrics, logger, logRef),
    ...bindingOf(config, logger),
    declineWatch: new DeclineWatch(),
  };
}

/** KAKUNIN_BINDING_KEY, or in sandbox mode a key for this process (bindings then change at restart). */
function bindingOf(config: ServiceConfig, logger: Logger): { credentialBinding?: CredentialBinding } {
  if (config.bindingKey) return { credentialBinding: credentialBinding(config.bindingKey) };
  if (!config.sandbox) return {};
  logger.warn('KAKUNIN_BINDING_KEY is not set: account_match credential bindings are made under a key for this process only and change at restart');
  return { credentialBinding: processCredentialBinding() };
}

/**
 * The trust folder (and the demo's extra anchors), loudly when test anchors are among them. The test
 * sets (`test`, `sandbox`) load in sandbox mode only; outside it, asking for one, or a folder that is
 * one, stops the start rather than leaving an integrator's test IACA silently unloaded.
 */
function loadTrust(config: ServiceConfig, extraTrust: TrustStore | undefined, logger: Logger): TrustStore {
  const testOnly = (set: string) => `trust set "${set}" holds test roots, trusted only in sandbox mode (KAKUNIN_SANDBOX=true)`;
  const testSetFolders = testSetsIn(config.trustDir);
  if (!config.sandbox) {
    const asked = config.trustSets.filter((s) => TEST_SETS.has(s));
    const named = testSetFolders.filter((s) => s === basename(config.trustDir));
    const first = asked[0] ?? named[0];
    if (first) throw new ConfigError(`${config.trustSets.includes(first) ? settingName('trust-sets') : `${settingName('trust-dir')} ${config.trustDir}`}: ${testOnly(first)}`);
  }
  const existing = [...new Set([...trustSetsIn(config.trustDir), ...(extraTrust?.sets ?? [])])];
  const unknown = config.trustSets.filter((s) => !existing.includes(s));
  if (unknown.length)
    throw new ConfigError(`KAKUNIN_TRUST_SETS (--trust-sets): no trust set ${unknown.map((s) => `"${s}"`).join(', ')} in ${config.trustDir}; the sets there are: ${existing.join(', ') || 'none'}`);
  let trust = loadTrustStore([config.trustDir], { ...(config.trustSets.length ? { sets: config.trustSets } : {}), includeTest: config.sandbox });
  for (const warning of trust.warnings) logger.warn({ warning }, 'trust store: a file was skipped');
  if (extraTrust) trust = TrustStore.merge(trust, extraTrust);
  if (trust.anchors.length === 0) {
    const why = !config.sandbox && testSetFolders.length ? ` (its ${testOnly(testSetFolders[0])})` : '';
    throw new ConfigError(`no trust anchors found in ${config.trustDir}${why}`);
  }
  const testSets = [...new Set(trust.anchors.filter((a) => a.test).map((a) => a.set))];
  if (testSets.length > 0) {
    logger.warn(
      { testTrustSets: testSets, anchors: trust.anchors.filter((a) => a.test).length, sandbox: config.sandbox },
      'TEST TRUST ANCHORS ARE TRUSTED: credentials from test and sandbox issuers will verify. Never run this configuration in production.',
    );
  }
  return trust;
}

/** The purposes, each with the trust it accepts; what an operator should know about them is logged. */
function loadPurposesFor(config: ServiceConfig, trust: TrustStore | undefined, logger: Logger): ReturnType<typeof trustPerPurpose> {
  const loaded = loadPurposes(config.purposesFile, { ...(config.municipalities ? { municipalities: config.municipalities } : {}) });
  for (const p of loaded.values()) {
    // Collecting the My Number is lawful only for a listed use: what the operator declared is on record.
    if (asksForMyNumber(p)) logger.warn({ purpose: p.name, legalBasis: p.legalBasis }, 'purpose collects the My Number (個人番号) under the declared legal basis (番号法)');
  }
  // Without a trust store (its own problem is reported) the purposes are checked, not matched to sets.
  const perPurpose = trustPerPurpose(loaded, trust ?? new TrustStore([]), config.sandbox);
  if (!trust) return perPurpose;
  for (const u of perPurpose.unmatched) {
    logger.warn({ purpose: u.purpose, trustSets: u.sets, loadedSets: trust.sets }, 'purpose accepts no loaded trust set: its verifications will all fail');
  }
  return perPurpose;
}

function receiptSigner(config: ServiceConfig, logger: Logger): ReceiptSigner {
  if (config.receiptKeyFile) {
    try {
      return ReceiptSigner.fromPemFile(config.receiptKeyFile, config.publicUrl);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new ConfigError(`KAKUNIN_RECEIPT_KEY_FILE (--receipt-key) ${config.receiptKeyFile}: ${why} (make one with \`kakunin keys init\`)`);
    }
  }
  if (!config.sandbox) logger.warn('KAKUNIN_RECEIPT_KEY_FILE is not set: receipts are signed with a key made for this process only');
  return ReceiptSigner.ephemeral(config.publicUrl);
}

/** The verifier's certificate and key, checked (a configured one that fails stops the start). */
async function verifierIdentity(config: ServiceConfig, at: Date, logger: Logger, writeDevelopment: boolean): Promise<{ identity: VerifierIdentity; notAfter: Date }> {
  const host = new URL(config.publicUrl).hostname;
  const identity = config.verifierCertFile
    ? identityFiles(config.verifierCertFile, config.verifierKeyFile!, ['verifier-cert', 'verifier-key'])
    : await loadOrCreateDevelopmentIdentity(host, at, '.kakunin', { write: writeDevelopment });
  if (!config.verifierCertFile && !config.sandbox) {
    logger.warn('no verifier certificate configured (KAKUNIN_VERIFIER_CERT_FILE): using a development certificate that no real wallet trusts');
  }
  const check = await checkVerifierIdentity(identity, { now: at, host });
  if (config.verifierCertFile && check.problems.length) throw new ConfigError(`${settingName('verifier-cert')} ${config.verifierCertFile}: ${check.problems.join('; ')}`);
  for (const warning of check.warnings) logger.warn({ notAfter: check.notAfter.toISOString() }, warning);
  return { identity, notAfter: check.notAfter };
}

/** A certificate and key from their files; a file that cannot be read is named with its own setting. */
function identityFiles(certFile: string, keyFile: string, settings: [SettingName, SettingName]): VerifierIdentity {
  try {
    return loadVerifierIdentity(certFile, keyFile);
  } catch (e) {
    const { code, path } = e as NodeJS.ErrnoException;
    if (!code || !path) throw e;
    throw new ConfigError(`${settingName(path === keyFile ? settings[1] : settings[0])} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`);
  }
}

/**
 * Google's relying-party metadata against the certificate Google signed (protocols/keys/google-rp-metadata.ts):
 * unreadable metadata stops the start; a certificate that does not match is said loudly, not fatal,
 * because the exact hashed form is not published and a wrong guess must not keep a service down.
 */
function checkGoogleMetadata(b64u: string, identities: VerifierIdentity[], logger: Logger): void {
  let parsed;
  try {
    parsed = parseGoogleRpMetadata(b64u);
  } catch (e) {
    throw new ConfigError(`${settingName('google-rp-metadata')}: ${(e as Error).message}`);
  }
  let check;
  try {
    check = checkGoogleRpMetadata(
      identities.map((i) => i.x5chain[0]),
      parsed.bytes,
    );
  } catch (e) {
    throw new ConfigError(`a verifier certificate's Google extension (${GOOGLE_RP_METADATA_OID}): ${(e as Error).message}`);
  }
  const shown = { displayName: parsed.metadata.display.display_name, ...(parsed.metadata.aggregator_info ? { aggregator: parsed.metadata.aggregator_info.display_name } : {}) };
  if (check.matched) logger.info(shown, 'Google relying-party metadata matches the certificate Google signed');
  else if (check.withExtension === 0) {
    logger.warn(shown, `KAKUNIN_GOOGLE_RP_METADATA is set but no verifier certificate carries Google's extension ${GOOGLE_RP_METADATA_OID}: configure the certificate Google signed`);
  } else logger.warn(shown, 'KAKUNIN_GOOGLE_RP_METADATA does not match the SHA-256 in the certificate Google signed: check that the two came together');
}

/** Other trust frameworks' certificates (multisigned requests), each checked as the main one is. */
async function extraVerifierIdentities(config: ServiceConfig, at: Date): Promise<VerifierIdentity[]> {
  const host = new URL(config.publicUrl).hostname;
  return Promise.all(
    config.verifierExtraCertFiles.map(async (certFile, i) => {
      const identity = identityFiles(certFile, config.verifierExtraKeyFiles[i], ['verifier-extra-certs', 'verifier-extra-keys']);
      const check = await checkVerifierIdentity(identity, { now: at, host });
      if (check.problems.length) throw new ConfigError(`${settingName('verifier-extra-certs')} ${certFile}: ${check.problems.join('; ')}`);
      return identity;
    }),
  );
}

function revocationFor(
  config: ServiceConfig,
  parts: { trust: TrustStore; logger: Logger; now: () => Date; metrics: Metrics; fetch?: (url: string) => Promise<Uint8Array> },
): ServiceRevocation | undefined {
  if (config.revocation === 'off') {
    parts.logger.warn('revocation checking is off (KAKUNIN_REVOCATION=off): revoked issuers and credentials are not detected');
    return undefined;
  }
  return new ServiceRevocation({
    mode: config.revocation,
    ...parts,
    ...(config.revocationCacheDir ? { cacheDir: config.revocationCacheDir } : {}),
    intervalSeconds: config.revocationRefreshSeconds,
    allowPrivate: config.revocationAllowPrivate,
    maxHeldBytes: config.revocationMaxHeldBytes,
    maxLists: config.revocationMaxLists,
    fetchTimeoutSeconds: config.revocationFetchTimeoutSeconds,
  });
}

/** Webhook deliveries: through Redis (BullMQ) when there is one, else in this process; each outcome counted and logged. */
function webhookQueue(config: ServiceConfig, cipher: StoreCipher, metrics: Metrics, logger: Logger, logRef: (bearer: string) => string): WebhookQueue {
  const fetch = guardedFetch({ allowPrivate: config.webhookAllowPrivate, allowLoopback: config.webhookAllowPrivate });
  const report = (d: WebhookDelivery, outcome: WebhookOutcome) => {
    metrics.webhooks.inc({ result: outcome.delivered ? 'delivered' : 'failed' });
    const log = { ref: logRef(d.verificationId), event: d.eventId, attempts: outcome.attempts, ...(outcome.delivered ? {} : { reason: outcome.reason }) };
    if (outcome.delivered) logger.info(log, 'webhook delivered');
    else logger.warn(log, 'webhook not delivered');
  };
  if (!config.redisUrl) return new MemoryWebhookQueue({ ...DEFAULT_WEBHOOK_OPTIONS, fetch }, report);
  return new RedisWebhookQueue({
    redisUrl: config.redisUrl,
    cluster: config.redisCluster,
    prefix: config.redisPrefix,
    cipher,
    report,
    onProblem: (message, event) => logger.error({ event }, message),
    takeoverMs: config.webhookTakeoverSeconds * 1000,
    fetch,
  });
}

/**
 * The key Redis values are sealed under. load-config.ts requires KAKUNIN_STORE_KEY with Redis outside
 * sandbox mode; the sandbox and the demo may run without it, on a key made for this process.
 */
function storeCipher(config: ServiceConfig, logger: Logger): StoreCipher {
  const onUnreadable = (reason: string) => logger.error({ reason }, 'a Redis value did not decrypt (answered 503 STORE_UNAVAILABLE): check that KAKUNIN_STORE_KEY is the same on every instance');
  if (config.storeKey) return StoreCipher.fromKey(config.storeKey, onUnreadable);
  // Without Redis the cipher only names log references: a process key is all it needs.
  if (!config.redisUrl) return StoreCipher.generate(onUnreadable);
  logger.warn('KAKUNIN_STORE_KEY is not set: Redis values are sealed with a key made for this process only; a second instance cannot read these sessions');
  return StoreCipher.generate(onUnreadable);
}
