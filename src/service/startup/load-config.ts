/**
 * Service configuration: read once at start from the environment and the command line (each setting
 * checked against its schema in settings.ts), the rules between settings applied, and frozen.
 * Anything wrong stops start-up with a message that names the setting.
 */
import { isIP } from 'node:net';
import { PACKAGE_CERTS_DIR } from '../../runtime/trust-folder.js';
import { ConfigError, defaultOf, inspectSettings, SECRET_KEYS, SETTINGS, settingsHelp, type DefaultOf, type Settings, type SettingName } from './settings.js';
import { parseStoreKey } from '../store/store-cipher.js';
import { apiKeyWeakness } from '../http/api-key.js';
import { descriptorLimit } from '../http/connection-limits.js';

export { ConfigError, SETTINGS, settingsHelp };

export interface ServiceConfig {
  host: string;
  port: number;
  /** The URL wallets and browsers reach this service at (request_uri, response_uri, pages, iss). */
  publicUrl: string;
  /** Sandbox mode: the sandbox issuer's IACA is trusted, no API key, the demo wallet is on. */
  sandbox: boolean;
  /** Apple Wallet's integrator test IDs answer as `test` (mdoc/test-id.ts). Sandbox mode only. */
  appleTestIds: boolean;
  /** Keys accepted in `Authorization: Bearer` or `X-API-Key`. Empty only in sandbox mode. */
  apiKeys: string[];
  redisUrl?: string;
  /** REDIS_URL names a Redis Cluster (one or more seed nodes, comma-separated). */
  redisCluster: boolean;
  /**
   * AES-256-GCM key for everything written to and published through Redis (sessions, request states,
   * events): 32 bytes. Required with Redis outside sandbox mode, the same on every instance.
   */
  storeKey?: Uint8Array;
  /**
   * HMAC key of account_match credential bindings: 32 bytes, the same on every instance and kept
   * as long as merchants keep bindings (a new key changes every binding).
   */
  bindingKey?: Uint8Array;
  /** A Redis command with no reply after this many ms fails (503), so a mute Redis never hangs a request. */
  redisCommandTimeoutMs: number;
  /** Every Redis key and channel starts with it ('kakunin:'): several services may share one Redis. */
  redisPrefix: string;
  purposesFile?: string;
  /** 市区町村コード of the built-in residency purpose. */
  municipalities?: string[];
  /** Folder of trust anchors (certs/<set>/...): the package's own unless KAKUNIN_TRUST_DIR replaces
   * it (whatever the working directory). */
  trustDir: string;
  /** Trust sets to load; empty: every production set in trustDir. */
  trustSets: string[];
  receiptKeyFile?: string;
  verifierCertFile?: string;
  verifierKeyFile?: string;
  /** Other trust frameworks' certificates and keys that also sign the DC API request (multisigned). */
  verifierExtraCertFiles: string[];
  verifierExtraKeyFiles: string[];
  /** JSON file of OpenID4VP verifier_info attestations; undefined: none are sent. */
  verifierInfoFile?: string;
  /** DeviceRequest version of the org-iso-mdoc request (Apple Wallet over the DC API). */
  deviceRequestVersion: '1.0' | '1.1';
  /** Google's gw_rp_metadata_bytes (base64url), checked at start against the verifier certificates. */
  googleRpMetadata?: string;
  /** Send googleRpMetadata in the DC API's signed OpenID4VP request (client_metadata.gw_rp_metadata_bytes). */
  googleRpMetadataInRequest: boolean;
  webhookUrl?: string;
  /** Let webhooks reach private and loopback addresses (an intranet backend). Default false. */
  webhookAllowPrivate: boolean;
  /** With Redis: seconds after which another instance takes over the deliveries of an instance
   * that stopped answering mid-delivery (it died). Default 30. */
  webhookTakeoverSeconds: number;
  /** Verifications created per minute, per client IP and per API key; 0 turns a limit off. */
  rateLimitPerIp: number;
  rateLimitPerKey: number;
  pendingTtlSeconds: number;
  resultTtlSeconds: number;
  /** Express's `trust proxy`: which peers' X-Forwarded-For is believed (rate limits key on the
   * client address). false unless configured. */
  trustProxy: boolean | number | string;
  /**
   * Open connections in all and per client address (IPv6 per /64; 0: no per-address limit), counted
   * before HTTP (http/connection-limits.ts): one client must not hold every descriptor.
   */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Seconds an idle keep-alive connection is kept. */
  keepAliveTimeoutSeconds: number;
  /** Shown in the counter page's title (a shop's or a city office's name). */
  counterName?: string;
  /** Seconds a client has to send a whole request (headers included): the largest legitimate
   * answer (1 MB, a wallet on a slow mobile uplink) fits; a body that trickles is cut off. */
  requestTimeoutSeconds: number;
  logLevel: string;
  /** CRL / status list checking: fail (default in serve), warn (default in sandbox), off. */
  revocation: 'fail' | 'warn' | 'off';
  /** Folder for the last good copy of each list; undefined ("none"): memory only. */
  revocationCacheDir?: string;
  /** Seconds between background refresh rounds (each list also has its own schedule). */
  revocationRefreshSeconds: number;
  /** Let list URLs reach loopback and private addresses (tests, an intranet mirror). Default false. */
  revocationAllowPrivate: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * The effective configuration, the secrets masked: a list says how many are set, a URL keeps all
 * but its credentials, anything else only that it is set. What `kakunin serve --print-config` shows.
 */
export function describeConfig(config: ServiceConfig): Record<string, unknown> {
  const mask = (value: unknown) => {
    if (Array.isArray(value)) return value.length ? `(${value.length} set)` : '(none)';
    if (typeof value === 'string' && value.includes('://')) return value.replace(/\/\/([^@/]*)@/, '//****@');
    return '(set)';
  };
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, SECRET_KEYS.has(key) ? mask(value) : value]));
}

/**
 * The configuration from the command line and the environment: every value checked against its
 * setting's schema (settings.ts), then the rules between settings, then the defaults. Throws a
 * ConfigError listing every problem.
 */
export function loadConfig(args: string[], env: Env, defaults: { sandbox: boolean }): ServiceConfig {
  const { config, problems } = inspectConfig(args, env, defaults);
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * The configuration and every problem with it, each naming its setting: a value its schema refuses
 * is left at its default (and reported), a rule between settings that fails is reported, so what
 * `kakunin check` does next still runs on the rest.
 */
export function inspectConfig(args: string[], env: Env, defaults: { sandbox: boolean }): { config: ServiceConfig; problems: string[] } {
  const { settings: s, problems } = inspectSettings(args, env);
  const problem = (message: string) => void problems.push(message);
  const sandbox = s.sandbox ?? defaults.sandbox;
  // A setting as given, or its default from the table (which may depend on sandbox mode or a proxy).
  const value = <K extends SettingName>(name: K, behindProxy = false): NonNullable<Settings[K]> | DefaultOf<K> => s[name] ?? defaultOf(name, { sandbox, behindProxy });
  const port = value('port');
  const apiKeys = value('api-keys');
  // A value refused above is already reported: do not say again that it is missing.
  const apiKeysRefused = problems.some((p) => p.startsWith('--api-keys '));
  if (!sandbox && apiKeys.length === 0 && !apiKeysRefused) problem('KAKUNIN_API_KEYS (or --api-keys) is required outside sandbox mode: a comma-separated list of keys');
  catching(problem, () => checkApiKeys(apiKeys));
  const storeKey = catching(problem, () => storeKeyOf(s['store-key'], s['redis-url'], sandbox));
  const bindingKey = s['binding-key'] === undefined ? undefined : parseStoreKey(s['binding-key']);
  if (s['binding-key'] !== undefined && !bindingKey) problem('KAKUNIN_BINDING_KEY (or --binding-key) must be 32 random bytes in base64url (43 characters)');
  if (!!s['verifier-cert'] !== !!s['verifier-key']) problem('KAKUNIN_VERIFIER_CERT_FILE (--verifier-cert) and KAKUNIN_VERIFIER_KEY_FILE (--verifier-key) go together');
  const extraCerts = value('verifier-extra-certs');
  const extraKeys = value('verifier-extra-keys');
  if (extraCerts.length !== extraKeys.length) problem('KAKUNIN_VERIFIER_EXTRA_CERT_FILES (--verifier-extra-certs) and KAKUNIN_VERIFIER_EXTRA_KEY_FILES (--verifier-extra-keys) name as many files, in the same order');
  const appleTestIds = value('apple-test-ids');
  if (appleTestIds && !sandbox) {
    problem('KAKUNIN_APPLE_TEST_IDS (or --apple-test-ids) is for sandbox mode only: a test ID carries mock data no issuer signed, so a service that serves real people must never accept one');
  }
  const googleRpMetadataInRequest = value('google-rp-metadata-in-request');
  if (googleRpMetadataInRequest && !s['google-rp-metadata']) {
    problem('KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST needs KAKUNIN_GOOGLE_RP_METADATA (--google-rp-metadata): the gw_rp_metadata_bytes Google gave with your certificate');
  }
  const revocationCache = value('revocation-cache');
  const trustProxy = trustProxyOf(value('trust-proxy'), problem);
  const withCerts = !!s['verifier-cert'] && !!s['verifier-key'];
  const config: ServiceConfig = Object.freeze({
    host: value('host'),
    port,
    publicUrl: catching(problem, () => publicUrlOf(s['public-url'] ?? `http://localhost:${port}`)) ?? `http://localhost:${port}`,
    sandbox,
    appleTestIds,
    apiKeys,
    ...(s['redis-url'] ? { redisUrl: s['redis-url'] } : {}),
    redisCluster: value('redis-cluster'),
    ...(storeKey ? { storeKey } : {}),
    ...(bindingKey ? { bindingKey } : {}),
    redisCommandTimeoutMs: value('redis-command-timeout'),
    redisPrefix: value('redis-prefix').replace(/:?$/, ':'),
    ...(s.purposes ? { purposesFile: s.purposes } : {}),
    ...(s.municipalities?.length ? { municipalities: s.municipalities } : {}),
    trustDir: s['trust-dir'] ?? PACKAGE_CERTS_DIR,
    trustSets: value('trust-sets'),
    ...(s['receipt-key'] ? { receiptKeyFile: s['receipt-key'] } : {}),
    ...(withCerts ? { verifierCertFile: s['verifier-cert'], verifierKeyFile: s['verifier-key'] } : {}),
    verifierExtraCertFiles: extraCerts.length === extraKeys.length ? extraCerts : [],
    verifierExtraKeyFiles: extraCerts.length === extraKeys.length ? extraKeys : [],
    ...(s['verifier-info'] ? { verifierInfoFile: s['verifier-info'] } : {}),
    ...(s['google-rp-metadata'] ? { googleRpMetadata: s['google-rp-metadata'] } : {}),
    googleRpMetadataInRequest,
    deviceRequestVersion: value('device-request-version'),
    ...(s.webhook ? { webhookUrl: s.webhook } : {}),
    webhookAllowPrivate: value('webhook-allow-private'),
    webhookTakeoverSeconds: value('webhook-takeover'),
    rateLimitPerIp: value('rate-limit-ip'),
    rateLimitPerKey: value('rate-limit-key'),
    pendingTtlSeconds: value('pending-ttl'),
    resultTtlSeconds: value('result-ttl'),
    requestTimeoutSeconds: value('request-timeout'),
    trustProxy,
    ...connectionLimitsOf(s['max-connections'], value('max-connections-per-address', trustProxy !== false), value('keep-alive', trustProxy !== false), problem),
    ...(s['counter-name'] ? { counterName: s['counter-name'] } : {}),
    logLevel: value('log-level'),
    revocation: value('revocation'),
    ...(revocationCache !== 'none' ? { revocationCacheDir: revocationCache } : {}),
    revocationRefreshSeconds: value('revocation-refresh'),
    revocationAllowPrivate: value('revocation-allow-private'),
  });
  return { config, problems };
}

/** fn's value, or undefined with its ConfigError's problems reported (anything else is a bug: thrown). */
function catching<T>(report: (problem: string) => void, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    e.problems.forEach(report);
    return undefined;
  }
}

/**
 * An API key is the only thing between the internet and creating verifications, and a weak one can be
 * guessed online: each key must pass apiKeyWeakness, sandbox mode included. The message names the
 * setting and the key's place in the list, never the key.
 */
function checkApiKeys(keys: string[]): void {
  keys.forEach((key, i) => {
    const weakness = apiKeyWeakness(key);
    if (weakness) {
      throw new ConfigError(
        `KAKUNIN_API_KEYS (or --api-keys): key ${i + 1} of ${keys.length} is too weak (${weakness}): use random keys of at least 32 characters and 128 bits, e.g. node -e "console.log(crypto.randomBytes(24).toString('hex'))" or kakunin keys init`,
      );
    }
  });
}

/**
 * Connection limits: the total stays below the open-file limit (Redis, webhooks, revocation lists and
 * log files need descriptors too). The per-address and keep-alive defaults behind a proxy are in the table.
 */
function connectionLimitsOf(total: number | undefined, maxConnectionsPerAddress: number, keepAliveTimeoutSeconds: number, problem: (message: string) => void) {
  const files = descriptorLimit();
  const maxConnections = total ?? (files ? Math.max(16, Math.floor((files * 3) / 4)) : 1024);
  if (files && maxConnections > files - 64) {
    problem(`KAKUNIN_MAX_CONNECTIONS (or --max-connections) ${maxConnections} leaves too few of this process's ${files} open files for Redis, webhooks and logs: at most ${files - 64}, or raise the limit (ulimit -n)`);
  }
  return {
    maxConnections,
    maxConnectionsPerAddress,
    keepAliveTimeoutSeconds,
  };
}

/** Wallets only talk to https verifiers; plain http is for this machine. */
function publicUrlOf(value: string): string {
  const publicUrl = value.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConfigError(`--public-url / PUBLIC_URL is not a URL: "${publicUrl}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError(`--public-url / PUBLIC_URL must be https (http only for localhost), got "${publicUrl}"`);
  }
  return publicUrl;
}

/** Sessions and request states in Redis hold personal data and private keys: sealed, under one key
 * every instance shares (a key made per process would leave each instance unable to read the others'). */
function storeKeyOf(text: string | undefined, redisUrl: string | undefined, sandbox: boolean): Uint8Array | undefined {
  const storeKey = text === undefined ? undefined : parseStoreKey(text);
  if (text !== undefined && !storeKey) throw new ConfigError('KAKUNIN_STORE_KEY (or --store-key) must be 32 random bytes in base64url (43 characters)');
  if (redisUrl && !storeKey && !sandbox) {
    throw new ConfigError(
      "KAKUNIN_STORE_KEY (or --store-key) is required with REDIS_URL outside sandbox mode: the same 32-byte base64url key on every instance, e.g. node -e \"console.log(crypto.randomBytes(32).toString('base64url'))\"",
    );
  }
  return storeKey;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** KAKUNIN_TRUST_PROXY: unset or false, true (every peer: only behind a proxy that overwrites the
 * header), a hop count, or addresses/subnets/names Express knows (loopback, 10.0.0.0/8, ...). Anything
 * else is a problem here, naming the setting: Express would only throw "invalid IP address" later,
 * when the app is made (and `kakunin check` makes none). */
function trustProxyOf(value: string, problem: (message: string) => void): boolean | number | string {
  if (value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const wrong = value.split(',').map((item) => item.trim()).filter((item) => !isProxyAddress(item));
  if (wrong.length) problem(`--trust-proxy / KAKUNIN_TRUST_PROXY must be ${SETTINGS['trust-proxy'].must}, got "${wrong.join(', ')}"`);
  return wrong.length ? false : value;
}

/** What Express (proxy-addr) takes in a trust list: loopback, linklocal, uniquelocal, an IP, IP/bits or IP/netmask. */
function isProxyAddress(item: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return true;
  const [address, range, ...rest] = item.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}
