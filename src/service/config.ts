/**
 * Service configuration: read once at start from the environment and the command line, checked, and
 * frozen. Anything wrong stops start-up with a message that names the setting.
 */
import { parseArgs } from 'node:util';
import { KakuninError } from '../codes/error.js';
import { PACKAGE_CERTS_DIR } from '../runtime/trust-folder.js';
import { parseStoreKey } from './store/store-cipher.js';

export class ConfigError extends KakuninError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
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

/**
 * Every setting once: its flag, its environment variable, whether it is a switch or a secret, and
 * what it does. Flags are parsed from this table (node:util parseArgs), `--help` prints it, and
 * `--print-config` shows the effective values with the secrets masked. Flags win over the environment.
 */
interface Setting {
  env: string;
  /** A switch: `--flag` alone means true; it and the environment take true/false, 1/0, yes/no. */
  boolean?: true;
  /** Never printed: --print-config shows whether it is set, not what it is. */
  secret?: true;
  help: string;
}

export const SETTINGS: Readonly<Record<string, Setting>> = {
  host: { env: 'HOST', help: 'listen address (0.0.0.0; 127.0.0.1 in sandbox mode)' },
  port: { env: 'PORT', help: 'listen port (8080)' },
  'public-url': { env: 'PUBLIC_URL', help: 'the URL wallets and browsers reach (https; http only for localhost)' },
  'redis-url': { env: 'REDIS_URL', secret: true, help: 'share sessions, rate limits and webhooks between instances (default: in memory)' },
  'redis-command-timeout': { env: 'KAKUNIN_REDIS_COMMAND_TIMEOUT_MS', help: 'a Redis command with no reply fails (503) after this many ms (2000)' },
  'redis-prefix': { env: 'KAKUNIN_REDIS_PREFIX', help: 'what every Redis key and channel starts with (kakunin:)' },
  'store-key': { env: 'KAKUNIN_STORE_KEY', secret: true, help: '32 random bytes, base64url: what is kept in Redis is sealed under it (required with Redis outside sandbox mode)' },
  'api-keys': { env: 'KAKUNIN_API_KEYS', secret: true, help: 'comma-separated keys for POST /v1/verifications (required outside sandbox mode)' },
  purposes: { env: 'KAKUNIN_PURPOSES_FILE', help: 'custom purposes (JSON, validated against a schema)' },
  municipalities: { env: 'KAKUNIN_MUNICIPALITIES', help: 'residency codes accepted by the built-in purpose' },
  'trust-dir': { env: 'KAKUNIN_TRUST_DIR', help: "the folder of trust sets, replacing the package's own certs/" },
  'trust-sets': { env: 'KAKUNIN_TRUST_SETS', help: 'which trust sets to load (every production set)' },
  'receipt-key': { env: 'KAKUNIN_RECEIPT_KEY_FILE', help: 'ES256 key (PEM file) for receipts; share it between instances' },
  'verifier-cert': { env: 'KAKUNIN_VERIFIER_CERT_FILE', help: "the verifier's reader/client certificate chain (PEM file)" },
  'verifier-key': { env: 'KAKUNIN_VERIFIER_KEY_FILE', help: 'its private key (PEM file)' },
  webhook: { env: 'KAKUNIN_WEBHOOK_URL', help: 'where final states are delivered (a verification may name its own)' },
  'webhook-allow-private': { env: 'KAKUNIN_WEBHOOK_ALLOW_PRIVATE', boolean: true, help: 'let webhooks reach private or loopback addresses (off)' },
  'webhook-takeover': { env: 'KAKUNIN_WEBHOOK_TAKEOVER_SECONDS', help: "with Redis: seconds before another instance takes over a dead instance's deliveries (30)" },
  'rate-limit-ip': { env: 'KAKUNIN_RATE_LIMIT_IP', help: 'creations per minute per client address, IPv6 per /64 (120; 0 turns off)' },
  'rate-limit-key': { env: 'KAKUNIN_RATE_LIMIT_KEY', help: 'creations per minute per API key (1200; 0 turns off)' },
  'pending-ttl': { env: 'KAKUNIN_PENDING_TTL', help: 'seconds a wallet has to answer (300)' },
  'result-ttl': { env: 'KAKUNIN_RESULT_TTL', help: 'seconds a result is kept (120)' },
  'request-timeout': { env: 'KAKUNIN_REQUEST_TIMEOUT', help: 'seconds a client has to send a whole request (30)' },
  'counter-name': { env: 'KAKUNIN_COUNTER_NAME', help: "the shop's or office's name in the counter page's title" },
  'trust-proxy': { env: 'KAKUNIN_TRUST_PROXY', help: "which peers' X-Forwarded-For is believed: false (default), true, a hop count, or addresses/subnets" },
  'log-level': { env: 'LOG_LEVEL', help: 'pino level (info)' },
  revocation: { env: 'KAKUNIN_REVOCATION', help: 'fail (serve), warn (demo) or off' },
  'revocation-cache': { env: 'KAKUNIN_REVOCATION_CACHE', help: 'where verified lists are kept (.kakunin/revocation; none: memory only)' },
  'revocation-refresh': { env: 'KAKUNIN_REVOCATION_REFRESH', help: 'seconds between refresh rounds (300)' },
  'revocation-allow-private': { env: 'KAKUNIN_REVOCATION_ALLOW_PRIVATE', boolean: true, help: 'let list fetches reach private or loopback addresses (off)' },
  sandbox: { env: 'KAKUNIN_SANDBOX', boolean: true, help: 'sandbox mode: test roots trusted, no API key (demo: always)' },
};

const BOOLEAN_WORDS = new Set(['1', 'true', 'yes', '0', 'false', 'no']);

/**
 * Flags from the SETTINGS table; an unknown flag or a missing value is a ConfigError naming it. A
 * switch takes `--flag`, `--flag true|false` or `--flag=false`: parsed as a string, a bare one
 * meaning true.
 */
function parseFlags(raw: string[]): Record<string, string> {
  const args: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i];
    const setting = a.startsWith('--') && !a.includes('=') ? SETTINGS[a.slice(2)] : undefined;
    if (setting?.boolean) args.push(BOOLEAN_WORDS.has(raw[i + 1] ?? '') ? `${a}=${raw[++i]}` : `${a}=true`);
    // A value may start with a dash (a base64url key does one time in 64): parseArgs would call
    // `--store-key -x…` ambiguous, so a known flag takes the next argument as `--flag=value`.
    else if (setting && i + 1 < raw.length) args.push(`${a}=${raw[++i]}`);
    else args.push(a);
  }
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries(Object.keys(SETTINGS).map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new ConfigError(`${(e as Error).message} (known flags: ${Object.keys(SETTINGS).map((f) => `--${f}`).join(', ')})`);
  }
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The table as `--help` prints it. */
export function settingsHelp(): string {
  return Object.entries(SETTINGS)
    .map(([flag, s]) => `  --${flag.padEnd(26)} ${s.env.padEnd(34)} ${s.help}${s.secret ? ' [secret: prefer the variable, flags show in ps]' : ''}`)
    .join('\n');
}

/** The ServiceConfig keys of the settings marked secret (`api-keys` -> `apiKeys`). */
const SECRET_KEYS = new Set(Object.entries(SETTINGS).filter(([, s]) => s.secret).map(([flag]) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())));

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

export function loadConfig(args: string[], env: Env, defaults: { sandbox: boolean }): ServiceConfig {
  const flags = parseFlags(args);
  const get = (flag: string): string | undefined => {
    const v = flags[flag] ?? env[SETTINGS[flag].env];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (flag: string, fallback: number, min: number, max: number): number => {
    const raw = get(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`--${flag} / ${SETTINGS[flag].env} must be an integer ${min}..${max}, got "${raw}"`);
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
    throw new ConfigError(`--${flag} / ${SETTINGS[flag].env} must be true or false, got "${raw}"`);
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
