/**
 * Service configuration: read once at start from the environment and the command line, checked, and
 * frozen. Anything wrong stops start-up with a message that names the setting.
 */
import { PACKAGE_CERTS_DIR } from '../runtime/trust-folder.js';
import { parseStoreKey } from './store/store-cipher.js';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ServiceConfig {
  host: string;
  port: number;
  /** The URL wallets and browsers reach this service at (request_uri, response_uri, pages, iss). */
  publicUrl: string;
  /** Sandbox mode: the sandbox issuer's IACA is trusted, no API key, the demo wallet is on. */
  sandbox: boolean;
  /** Keys accepted in `Authorization: Bearer` or `X-API-Key`. Empty only in sandbox mode. */
  apiKeys: string[];
  redisUrl?: string;
  /**
   * AES-256-GCM key for everything written to and published through Redis (sessions, request states,
   * events): 32 bytes. Required with Redis outside sandbox mode, the same on every instance.
   */
  storeKey?: Uint8Array;
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

/** `--name value` and `--name=value` flags; flags win over the environment. */
export function parseArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument "${a}" (flags look like --port 8080)`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) out[a.slice(2)] = args[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

const FLAGS: Record<string, string> = {
  host: 'HOST',
  port: 'PORT',
  'public-url': 'PUBLIC_URL',
  'redis-url': 'REDIS_URL',
  'redis-command-timeout': 'KAKUNIN_REDIS_COMMAND_TIMEOUT_MS',
  'redis-prefix': 'KAKUNIN_REDIS_PREFIX',
  'store-key': 'KAKUNIN_STORE_KEY',
  'api-keys': 'KAKUNIN_API_KEYS',
  purposes: 'KAKUNIN_PURPOSES_FILE',
  municipalities: 'KAKUNIN_MUNICIPALITIES',
  'trust-dir': 'KAKUNIN_TRUST_DIR',
  'trust-sets': 'KAKUNIN_TRUST_SETS',
  'receipt-key': 'KAKUNIN_RECEIPT_KEY_FILE',
  'verifier-cert': 'KAKUNIN_VERIFIER_CERT_FILE',
  'verifier-key': 'KAKUNIN_VERIFIER_KEY_FILE',
  webhook: 'KAKUNIN_WEBHOOK_URL',
  'webhook-allow-private': 'KAKUNIN_WEBHOOK_ALLOW_PRIVATE',
  'webhook-takeover': 'KAKUNIN_WEBHOOK_TAKEOVER_SECONDS',
  'rate-limit-ip': 'KAKUNIN_RATE_LIMIT_IP',
  'rate-limit-key': 'KAKUNIN_RATE_LIMIT_KEY',
  'pending-ttl': 'KAKUNIN_PENDING_TTL',
  'result-ttl': 'KAKUNIN_RESULT_TTL',
  'request-timeout': 'KAKUNIN_REQUEST_TIMEOUT',
  'counter-name': 'KAKUNIN_COUNTER_NAME',
  'trust-proxy': 'KAKUNIN_TRUST_PROXY',
  'log-level': 'LOG_LEVEL',
  revocation: 'KAKUNIN_REVOCATION',
  'revocation-cache': 'KAKUNIN_REVOCATION_CACHE',
  'revocation-refresh': 'KAKUNIN_REVOCATION_REFRESH',
  'revocation-allow-private': 'KAKUNIN_REVOCATION_ALLOW_PRIVATE',
  sandbox: 'KAKUNIN_SANDBOX',
};

export function loadConfig(args: string[], env: Env, defaults: { sandbox: boolean }): ServiceConfig {
  const flags = parseArgs(args);
  for (const name of Object.keys(flags)) {
    if (!(name in FLAGS)) throw new ConfigError(`unknown flag --${name} (known: ${Object.keys(FLAGS).map((f) => `--${f}`).join(', ')})`);
  }
  const get = (flag: string): string | undefined => {
    const v = flags[flag] ?? env[FLAGS[flag]];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (flag: string, fallback: number, min: number, max: number): number => {
    const raw = get(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`--${flag} / ${FLAGS[flag]} must be an integer ${min}..${max}, got "${raw}"`);
    }
    return n;
  };
  const list = (flag: string): string[] =>
    (get(flag) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const bool = (flag: string, fallback: boolean): boolean => {
    const raw = get(flag);
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    throw new ConfigError(`--${flag} / ${FLAGS[flag]} must be true or false, got "${raw}"`);
  };

  const sandbox = bool('sandbox', defaults.sandbox);
  const port = int('port', 8080, 0, 65535);
  const host = get('host') ?? (sandbox ? '127.0.0.1' : '0.0.0.0');
  const publicUrl = (get('public-url') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(publicUrl);
  } catch {
    throw new ConfigError(`--public-url / PUBLIC_URL is not a URL: "${publicUrl}"`);
  }
  if (parsedUrl.protocol !== 'https:' && !(parsedUrl.protocol === 'http:' && isLoopback(parsedUrl.hostname))) {
    // Wallets only talk to https verifiers; plain http is for this machine.
    throw new ConfigError(`--public-url / PUBLIC_URL must be https (http only for localhost), got "${publicUrl}"`);
  }
  const apiKeys = list('api-keys');
  if (!sandbox && apiKeys.length === 0) {
    throw new ConfigError('KAKUNIN_API_KEYS (or --api-keys) is required outside sandbox mode: a comma-separated list of keys');
  }
  for (const k of apiKeys) if (k.length < 16) throw new ConfigError('each API key must be at least 16 characters');
  const redisUrl = get('redis-url');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`REDIS_URL must start with redis:// or rediss://`);
  const storeKeyText = get('store-key');
  const storeKey = storeKeyText === undefined ? undefined : parseStoreKey(storeKeyText);
  if (storeKeyText !== undefined && !storeKey) {
    throw new ConfigError('KAKUNIN_STORE_KEY (or --store-key) must be 32 random bytes in base64url (43 characters)');
  }
  if (redisUrl && !storeKey && !sandbox) {
    // Sessions and request states in Redis hold personal data and private keys: sealed, under one key
    // every instance shares (a key made per process would leave each instance unable to read the others').
    throw new ConfigError(
      "KAKUNIN_STORE_KEY (or --store-key) is required with REDIS_URL outside sandbox mode: the same 32-byte base64url key on every instance, e.g. node -e \"console.log(crypto.randomBytes(32).toString('base64url'))\"",
    );
  }
  const webhookUrl = get('webhook');
  if (webhookUrl && !/^https?:\/\//.test(webhookUrl)) throw new ConfigError('KAKUNIN_WEBHOOK_URL must be an http(s) URL');
  const verifierCertFile = get('verifier-cert');
  const verifierKeyFile = get('verifier-key');
  if (!!verifierCertFile !== !!verifierKeyFile) {
    throw new ConfigError('KAKUNIN_VERIFIER_CERT_FILE and KAKUNIN_VERIFIER_KEY_FILE go together');
  }
  const municipalities = list('municipalities');
  // Fail closed in production; the sandbox issuers publish no CRLs, so the demo warns instead.
  const revocation = get('revocation') ?? (sandbox ? 'warn' : 'fail');
  if (revocation !== 'fail' && revocation !== 'warn' && revocation !== 'off') {
    throw new ConfigError(`--revocation / KAKUNIN_REVOCATION must be fail, warn or off, got "${revocation}"`);
  }
  const revocationCache = get('revocation-cache') ?? '.kakunin/revocation';
  return Object.freeze({
    host,
    port,
    publicUrl,
    sandbox,
    apiKeys,
    ...(redisUrl ? { redisUrl } : {}),
    ...(storeKey ? { storeKey } : {}),
    redisCommandTimeoutMs: int('redis-command-timeout', 2000, 100, 60_000),
    redisPrefix: redisPrefixOf(get('redis-prefix')),
    ...(get('purposes') ? { purposesFile: get('purposes') } : {}),
    ...(municipalities.length ? { municipalities } : {}),
    trustDir: get('trust-dir') ?? PACKAGE_CERTS_DIR,
    trustSets: list('trust-sets'),
    ...(get('receipt-key') ? { receiptKeyFile: get('receipt-key') } : {}),
    ...(verifierCertFile ? { verifierCertFile, verifierKeyFile } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
    webhookAllowPrivate: bool('webhook-allow-private', false),
    webhookTakeoverSeconds: int('webhook-takeover', 30, 2, 600),
    rateLimitPerIp: int('rate-limit-ip', 120, 0, 1_000_000),
    rateLimitPerKey: int('rate-limit-key', 1200, 0, 1_000_000),
    pendingTtlSeconds: int('pending-ttl', 300, 10, 3600),
    resultTtlSeconds: int('result-ttl', 120, 10, 3600),
    requestTimeoutSeconds: int('request-timeout', 30, 1, 300),
    trustProxy: trustProxyOf(get('trust-proxy')),
    ...(get('counter-name') ? { counterName: get('counter-name')!.slice(0, 80) } : {}),
    logLevel: get('log-level') ?? 'info',
    revocation,
    ...(revocationCache !== 'none' ? { revocationCacheDir: revocationCache } : {}),
    revocationRefreshSeconds: int('revocation-refresh', 300, 5, 86_400),
    revocationAllowPrivate: bool('revocation-allow-private', false),
  });
}

/** KAKUNIN_REDIS_PREFIX: letters, digits and `_ . -`, ending in ':' (added when missing). */
function redisPrefixOf(value: string | undefined): string {
  if (value === undefined) return 'kakunin:';
  if (!/^[A-Za-z0-9_.-]{1,40}:?$/.test(value)) throw new ConfigError(`KAKUNIN_REDIS_PREFIX must be 1 to 40 letters, digits, '_', '.' or '-', got "${value}"`);
  return value.endsWith(':') ? value : `${value}:`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** KAKUNIN_TRUST_PROXY: unset or false, true (every peer: only behind a proxy that overwrites the
 * header), a hop count, or addresses/subnets/names Express knows (loopback, 10.0.0.0/8, ...). */
function trustProxyOf(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  if (!/^[a-z0-9.:/, -]+$/i.test(value)) throw new ConfigError(`KAKUNIN_TRUST_PROXY must be false, true, a hop count or addresses/subnets, got "${value}"`);
  return value;
}
