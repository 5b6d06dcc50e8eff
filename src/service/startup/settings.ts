/**
 * Every setting once: its flag, its environment variable, the schema its value must meet (TypeBox,
 * as the HTTP API's bodies are), its default, whether it is a secret, what it does, and the
 * ServiceConfig key it sets (and what its value becomes there, where that is more than the schema's
 * value). Flags are parsed from this table (node:util parseArgs), values are converted and checked
 * against their schemas, `--help` prints the table, README's settings table is written from it,
 * `--print-config` masks the secrets it marks, and ServiceConfig is its type (ConfigOf): a setting
 * is one row. Flags win over the environment.
 */
import { parseArgs } from 'node:util';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { ConfigError } from './config-error.js';
import { keyBytesOf, publicUrlOf, TRUST_PROXY_MUST, trustProxyOf, type SettingNamed } from './setting-values.js';

export { ConfigError };

export interface Setting<S extends TSchema = TSchema> {
  /** The ServiceConfig property it sets. */
  key: string;
  env: string;
  schema: S;
  /** Never printed: --print-config shows whether it is set, not what it is. */
  secret?: true;
  help: string;
  /** What the value must be, for the error message (default: from the schema). */
  must?: string;
  /** The value when the setting is not given; none: the setting is off (or see atStart). */
  default?: Static<S>;
  /** The default in sandbox mode (demo, or KAKUNIN_SANDBOX), where it differs. */
  sandboxDefault?: Static<S>;
  /** The default behind a proxy (KAKUNIN_TRUST_PROXY set), where it differs. */
  proxyDefault?: Static<S>;
  /**
   * The default is worked out at start (from another setting or the machine), as defaultText says:
   * loadConfig gives it (StartDefaults makes it name every such setting), so the key is always set.
   */
  atStart?: true;
  /** What the default is, in words, when it is not a constant (or the constant says too little). */
  defaultText?: string;
  /**
   * What the value becomes in ServiceConfig, where that is more than the schema's value; a value it
   * cannot use is a ConfigError naming the setting, and the key then takes what its default becomes.
   * Returning undefined leaves the key out.
   */
  to?(value: Static<S>, setting: SettingNamed): unknown;
  /** The README's text, in Markdown, where it says more than help (help otherwise). */
  doc?: string;
}

const integer = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
const text = (options: { pattern?: string; maxLength?: number } = {}) => Type.String({ minLength: 1, ...options });
const list = (item = text()) => Type.Array(item);
const oneOf = <T extends string>(...values: T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const SETTINGS = {
  host: { key: 'host', env: 'HOST', schema: text(), default: '0.0.0.0', sandboxDefault: '127.0.0.1', help: 'listen address' },
  port: { key: 'port', env: 'PORT', schema: integer(0, 65535), default: 8080, help: 'listen port' },
  'public-url': {
    key: 'publicUrl',
    env: 'PUBLIC_URL',
    schema: text(),
    atStart: true,
    defaultText: 'http://localhost:PORT',
    to: publicUrlOf,
    help: 'the URL wallets and browsers reach (https; http only for localhost)',
  },
  'redis-url': {
    key: 'redisUrl',
    env: 'REDIS_URL',
    schema: text({ pattern: '^rediss?://' }),
    secret: true,
    must: 'a redis:// or rediss:// URL',
    defaultText: 'none: in memory',
    help: 'share sessions, rate limits and webhooks between instances',
  },
  'redis-cluster': {
    key: 'redisCluster',
    env: 'KAKUNIN_REDIS_CLUSTER',
    schema: Type.Boolean(),
    default: false,
    help: 'REDIS_URL names a Redis Cluster or Valkey cluster: its seed nodes, comma-separated',
    doc: '`REDIS_URL` names a Redis Cluster or Valkey cluster: its seed nodes, comma-separated (`redis://r1:6379,redis://r2:6379`); see `compose.cluster.yaml`',
  },
  'redis-command-timeout': {
    key: 'redisCommandTimeoutMs',
    env: 'KAKUNIN_REDIS_COMMAND_TIMEOUT_MS',
    schema: integer(100, 60_000),
    default: 2000,
    help: 'a Redis command with no reply fails (503) after this many ms',
  },
  'redis-prefix': {
    key: 'redisPrefix',
    env: 'KAKUNIN_REDIS_PREFIX',
    schema: text({ pattern: '^[A-Za-z0-9_.-]{1,40}:?$' }),
    must: "1 to 40 letters, digits, '_', '.' or '-' (a ':' is added)",
    default: 'kakunin:',
    to: (prefix: string) => prefix.replace(/:?$/, ':'),
    help: 'what every Redis key and channel starts with',
    doc: 'what every Redis key and channel starts with (a `:` is added), so several services can share one Redis',
  },
  'store-key': {
    key: 'storeKey',
    env: 'KAKUNIN_STORE_KEY',
    schema: text({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    secret: true,
    must: '32 random bytes in base64url (43 characters)',
    to: keyBytesOf,
    help: '32 random bytes, base64url: what is kept in Redis is sealed under it (required with Redis outside sandbox mode)',
    doc: '32 random bytes, base64url: everything kept in or published through Redis is AES-256-GCM under it; required with `REDIS_URL` outside sandbox mode, the same on every instance (`node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`)',
  },
  'binding-key': {
    key: 'bindingKey',
    env: 'KAKUNIN_BINDING_KEY',
    schema: text({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    secret: true,
    must: '32 random bytes in base64url (43 characters)',
    to: keyBytesOf,
    help: '32 random bytes, base64url: account_match credential bindings are keyed hashes under it (keep it for as long as merchants keep bindings; without it, serve refuses bindings)',
    doc: '32 random bytes, base64url: `account_match` credential bindings are HMACs under it; the same on every instance and kept for as long as merchants keep bindings (a new key changes them all). Without it `serve` refuses `bind`/`binding`; sandbox and demo use a key for the process',
  },
  'api-keys': {
    key: 'apiKeys',
    env: 'KAKUNIN_API_KEYS',
    schema: list(Type.String({ minLength: 32, maxLength: 512 })),
    secret: true,
    must: 'comma-separated random keys of at least 32 characters each (kakunin keys init makes one)',
    default: [],
    help: 'comma-separated keys for POST /v1/verifications, each random, 32+ characters, 128+ bits (required outside sandbox mode)',
    doc: 'comma-separated keys for `POST /v1/verifications` (required outside sandbox mode). Each must be random: at least 32 characters, 8 different ones and 128 bits as length x log2(its alphabet: 10 digits, 16 hex, 26 lower, 26 upper, 33 other); a weaker key stops the start, in sandbox mode too. `kakunin keys init` makes 48 hex digits',
  },
  purposes: { key: 'purposesFile', env: 'KAKUNIN_PURPOSES_FILE', schema: text(), help: 'custom purposes (JSON, validated against a schema)' },
  municipalities: {
    key: 'municipalities',
    env: 'KAKUNIN_MUNICIPALITIES',
    schema: list(),
    to: (codes: string[]) => (codes.length ? codes : undefined),
    help: 'residency codes accepted by the built-in purpose',
  },
  'trust-dir': {
    key: 'trustDir',
    env: 'KAKUNIN_TRUST_DIR',
    schema: text(),
    atStart: true,
    defaultText: "the package's own certs/",
    help: 'the folder of trust sets',
    doc: "the folder of trust sets, replacing the package's own `certs/` (found next to the installed package whatever the working directory). To add an issuer to the shipped sets, copy `certs/` and add a set folder to the copy",
  },
  'trust-sets': { key: 'trustSets', env: 'KAKUNIN_TRUST_SETS', schema: list(), default: [], defaultText: 'every production set', help: 'which trust sets to load' },
  'receipt-key': { key: 'receiptKeyFile', env: 'KAKUNIN_RECEIPT_KEY_FILE', schema: text(), help: 'ES256 key (PEM file) for receipts; share it between instances' },
  'verifier-cert': {
    key: 'verifierCertFile',
    env: 'KAKUNIN_VERIFIER_CERT_FILE',
    schema: text(),
    help: "the verifier's reader/client certificate chain (PEM file)",
    doc: "the verifier's reader/client certificate: PEM, the leaf first, then intermediates, never the root (a file holding a self-signed certificate stops the start, naming it: HAIP 1.0 §5 forbids sending the trust anchor in `x5c` and readerAuth's `x5chain`) ([docs/verifier-certificates.md](docs/verifier-certificates.md))",
  },
  'verifier-key': { key: 'verifierKeyFile', env: 'KAKUNIN_VERIFIER_KEY_FILE', schema: text(), help: 'its private key (PEM file)' },
  'verifier-extra-certs': {
    key: 'verifierExtraCertFiles',
    env: 'KAKUNIN_VERIFIER_EXTRA_CERT_FILES',
    schema: list(),
    default: [],
    help: 'certificate chains (PEM files, comma-separated) of other trust frameworks that also sign the DC API request: it is then offered as openid4vp-v1-multisigned',
    doc: "other trust frameworks' certificate chains (PEM files, comma-separated) that also sign the DC API request, then offered as `openid4vp-v1-multisigned`; checked like the main one (no root in the files)",
  },
  'verifier-extra-keys': {
    key: 'verifierExtraKeyFiles',
    env: 'KAKUNIN_VERIFIER_EXTRA_KEY_FILES',
    schema: list(),
    default: [],
    help: 'their private keys (PEM files, comma-separated, in the same order)',
  },
  'verifier-info': {
    key: 'verifierInfoFile',
    env: 'KAKUNIN_VERIFIER_INFO_FILE',
    schema: text(),
    help: 'OpenID4VP verifier_info: a JSON file with an array of {format, data, credential_ids?} attestations put in every request object',
    doc: 'OpenID4VP `verifier_info`: a JSON array of `{format, data, credential_ids?}` attestations put in every request object, at most 64 KiB and 16 levels deep (a larger or deeper file stops the start)',
  },
  webhook: {
    key: 'webhookUrl',
    env: 'KAKUNIN_WEBHOOK_URL',
    schema: text({ pattern: '^https?://', maxLength: 2048 }),
    must: 'an http(s) URL',
    help: 'where final states are delivered (a verification may name its own)',
    doc: "where final states are delivered (a verification's `options.webhook_url` overrides it); see [Webhooks](#webhooks)",
  },
  'webhook-allow-private': { key: 'webhookAllowPrivate', env: 'KAKUNIN_WEBHOOK_ALLOW_PRIVATE', schema: Type.Boolean(), default: false, help: 'let webhooks reach private or loopback addresses' },
  'webhook-takeover': {
    key: 'webhookTakeoverSeconds',
    env: 'KAKUNIN_WEBHOOK_TAKEOVER_SECONDS',
    schema: integer(2, 600),
    default: 30,
    help: "with Redis: seconds before another instance takes over a dead instance's deliveries",
    doc: 'with Redis: seconds without news from an instance delivering a webhook (it died) before another instance takes the delivery over',
  },
  'rate-limit-ip': {
    key: 'rateLimitPerIp',
    env: 'KAKUNIN_RATE_LIMIT_IP',
    schema: integer(0, 1_000_000),
    default: 120,
    help: 'creations per minute per client address, IPv6 per /64 (0 turns off)',
    doc: "creations per minute per client address, IPv6 per /64; 0 turns it off. With Redis every instance counts in the same place, so the limit is the fleet's, not each instance's",
  },
  'rate-limit-key': {
    key: 'rateLimitPerKey',
    env: 'KAKUNIN_RATE_LIMIT_KEY',
    schema: integer(0, 1_000_000),
    default: 1200,
    help: 'creations per minute per API key (0 turns off)',
    doc: "creations per minute per API key; 0 turns it off (the fleet's with Redis, as above)",
  },
  'pending-ttl': { key: 'pendingTtlSeconds', env: 'KAKUNIN_PENDING_TTL', schema: integer(10, 3600), default: 300, help: 'seconds a wallet has to answer' },
  'result-ttl': { key: 'resultTtlSeconds', env: 'KAKUNIN_RESULT_TTL', schema: integer(10, 3600), default: 120, help: 'seconds a result is kept' },
  'request-timeout': {
    key: 'requestTimeoutSeconds',
    env: 'KAKUNIN_REQUEST_TIMEOUT',
    schema: integer(1, 300),
    default: 30,
    help: 'seconds a client has to send a whole request',
    doc: 'seconds a client has to send a whole request (headers within 10): a 1 MB answer over a slow mobile uplink fits, a body that trickles gets 408',
  },
  'max-connections': {
    key: 'maxConnections',
    env: 'KAKUNIN_MAX_CONNECTIONS',
    schema: integer(16, 1_000_000),
    atStart: true,
    defaultText: '3/4 of the open-file limit; 1024 where it is unknown',
    help: 'open client connections in all, below the open-file limit',
    doc: "open connections in all (more than the process's open-file limit less 64 stops the start); at the total, idle keep-alive connections are closed to make room and the newcomer is answered 503. See [Behind a reverse proxy](#behind-a-reverse-proxy)",
  },
  // Behind a proxy every connection comes from the proxy (which limits per client), and idle connections
  // are kept longer than a load balancer's own (commonly 60 s), which would otherwise reuse one just closed.
  'max-connections-per-address': {
    key: 'maxConnectionsPerAddress',
    env: 'KAKUNIN_MAX_CONNECTIONS_PER_ADDRESS',
    schema: integer(0, 1_000_000),
    default: 128,
    proxyDefault: 0,
    help: 'open connections per client address, IPv6 per /64 (0 turns off)',
    doc: 'open connections per client address, IPv6 per /64 (0 turns it off); over it a new connection is answered 429 and closed',
  },
  'keep-alive': {
    key: 'keepAliveTimeoutSeconds',
    env: 'KAKUNIN_KEEP_ALIVE_TIMEOUT',
    schema: integer(1, 600),
    default: 5,
    proxyDefault: 65,
    help: 'seconds an idle keep-alive connection stays open',
    doc: "seconds an idle keep-alive connection is kept (behind a proxy longer than a load balancer's usual 60 s, so it never reuses a connection kakunin just closed)",
  },
  'counter-name': { key: 'counterName', env: 'KAKUNIN_COUNTER_NAME', schema: text({ maxLength: 80 }), help: "the shop's or office's name in the counter page's title" },
  'trust-proxy': {
    key: 'trustProxy',
    env: 'KAKUNIN_TRUST_PROXY',
    schema: text({ pattern: '^[A-Za-z0-9.:/, -]+$' }),
    must: TRUST_PROXY_MUST,
    default: 'false',
    to: trustProxyOf,
    help: "which peers' X-Forwarded-For is believed: false, true, a hop count, or addresses/subnets",
    doc: "which peers' `X-Forwarded-For` is believed (rate limits key on the client address): `false` (the socket's address), `true`, a hop count, or `loopback`, `linklocal`, `uniquelocal`, addresses and subnets, comma-separated; set it when kakunin runs behind your proxy",
  },
  'log-level': { key: 'logLevel', env: 'LOG_LEVEL', schema: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), default: 'info', help: 'the pino log level' },
  // Fail closed in production; the sandbox issuers publish no CRLs, so sandbox mode warns instead.
  revocation: {
    key: 'revocation',
    env: 'KAKUNIN_REVOCATION',
    schema: oneOf('fail', 'warn', 'off'),
    default: 'fail',
    sandboxDefault: 'warn',
    help: 'fail, warn or off',
    doc: '`fail`: no current CRL or status list fails the document; `warn`: such a document passes and the decision and receipt say `revocation: "unavailable"` (nothing else is ever excused: an over- or under-disclosed answer still fails); `off`',
  },
  'revocation-cache': {
    key: 'revocationCacheDir',
    env: 'KAKUNIN_REVOCATION_CACHE',
    schema: text(),
    default: '.kakunin/revocation',
    to: (dir: string) => (dir === 'none' ? undefined : dir),
    help: 'where verified lists are kept (none: memory only)',
  },
  'revocation-refresh': { key: 'revocationRefreshSeconds', env: 'KAKUNIN_REVOCATION_REFRESH', schema: integer(5, 86_400), default: 300, help: 'seconds between refresh rounds' },
  'revocation-fetch-timeout': {
    key: 'revocationFetchTimeoutSeconds',
    env: 'KAKUNIN_REVOCATION_FETCH_TIMEOUT',
    schema: integer(10, 3600),
    default: 120,
    help: 'seconds one CRL or status list fetch may take in all; one that receives nothing for 10 s fails sooner',
    doc: 'seconds one CRL or status list fetch may take in all, redirects included (a 42 MB CRL over a 5 Mbit/s link takes 67 s); a fetch that receives nothing for 10 s (connecting, the response head, or between two pieces of the body) fails sooner, whatever this says',
  },
  'revocation-max-mb': {
    key: 'revocationMaxHeldBytes',
    env: 'KAKUNIN_REVOCATION_MAX_MB',
    schema: integer(1, 1_048_576),
    default: 512,
    to: (mb: number) => mb * 1024 * 1024,
    help: 'megabytes (MiB) the verified CRLs and status lists may hold in memory together; a list beyond it is refused (REVOCATION_LISTS_FULL) and documents that need it get STATUS_UNAVAILABLE',
    doc: 'megabytes (MiB) the verified CRLs and status lists may hold in memory together (a CRL of a million serials holds about 70 MB with its lookup table). A copy that would go beyond it is refused with `REVOCATION_LISTS_FULL`: the copies already held stay, and a document that needs a list without a copy gets `STATUS_UNAVAILABLE` (under `fail`)',
  },
  'revocation-max-lists': {
    key: 'revocationMaxLists',
    env: 'KAKUNIN_REVOCATION_MAX_LISTS',
    schema: integer(1, 10_000),
    default: 512,
    help: 'CRLs and status lists tracked at most (list URLs come from credentials); one beyond it is never fetched and documents that need it get STATUS_UNAVAILABLE',
    doc: "CRLs and status lists tracked at most: the IACAs' CRLs and every status list a presented credential names (an issuer may shard its credentials over many). List URLs come from credentials, so the table is bounded; a list beyond it is never fetched, the first one is logged (`REVOCATION_LISTS_FULL`), and a document that needs it gets `STATUS_UNAVAILABLE` (under `fail`). Memory is bounded by `KAKUNIN_REVOCATION_MAX_MB` whatever this says; this bounds the refresher's work and the per-list metrics",
  },
  'revocation-allow-private': {
    key: 'revocationAllowPrivate',
    env: 'KAKUNIN_REVOCATION_ALLOW_PRIVATE',
    schema: Type.Boolean(),
    default: false,
    help: 'let list fetches reach private or loopback addresses',
  },
  'device-request-version': {
    key: 'deviceRequestVersion',
    env: 'KAKUNIN_DEVICE_REQUEST_VERSION',
    schema: oneOf('1.0', '1.1'),
    default: '1.0',
    help: 'DeviceRequest version of the org-iso-mdoc request (Apple Wallet): 1.0, or 1.1 with DeviceRequestInfo, readerAuth per document',
    doc: 'DeviceRequest version of the `org-iso-mdoc` request (Apple Wallet): `1.0`, or `1.1`, which adds DeviceRequestInfo ("any one of these documents") and keeps readerAuth per document; see [docs/verifier-certificates.md](docs/verifier-certificates.md)',
  },
  'google-rp-metadata': {
    key: 'googleRpMetadata',
    env: 'KAKUNIN_GOOGLE_RP_METADATA',
    schema: text({ pattern: '^[A-Za-z0-9_-]+={0,2}$' }),
    must: 'base64url',
    help: 'gw_rp_metadata_bytes Google gave with your certificate: checked at start against the certificate (sent in requests only with KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST)',
    doc: "`gw_rp_metadata_bytes` Google gave with the certificate it signed: checked at start against that certificate's extension, the display name logged; sent in requests only with the next setting (see [docs/verifier-certificates.md](docs/verifier-certificates.md))",
  },
  'google-rp-metadata-in-request': {
    key: 'googleRpMetadataInRequest',
    env: 'KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST',
    schema: Type.Boolean(),
    default: false,
    help: "send KAKUNIN_GOOGLE_RP_METADATA as client_metadata.gw_rp_metadata_bytes in the DC API's signed OpenID4VP request, where one public verifier puts it; unconfirmed by Google",
    doc: "send that metadata as `client_metadata.gw_rp_metadata_bytes` inside the signed `openid4vp-v1-signed` (or `-multisigned`) DC API request, where one public verifier (stateofca/opencred) puts it; **unconfirmed** by Google's own text; needs `KAKUNIN_GOOGLE_RP_METADATA`",
  },
  'apple-test-ids': {
    key: 'appleTestIds',
    env: 'KAKUNIN_APPLE_TEST_IDS',
    schema: Type.Boolean(),
    default: false,
    help: "sandbox only: Apple Wallet's integrator test IDs answer as TEST (device authenticated, no issuer), never as verified",
    doc: 'sandbox mode only: Apple Wallet\'s integrator test IDs (mock data, a real device signature, no issuer) answer as `test`, never `verified`, with a TEST banner on every page and `"test": true` in the receipt; see [docs/verifier-certificates.md](docs/verifier-certificates.md#before-going-live-apples-test-ids)',
  },
  sandbox: {
    key: 'sandbox',
    env: 'KAKUNIN_SANDBOX',
    schema: Type.Boolean(),
    default: false,
    defaultText: 'off; demo: always on',
    help: 'sandbox mode: test roots trusted, no API key',
    doc: "sandbox mode: the trust folder's `test` set and the demo's `sandbox` IACA trusted (said at start-up), no API key needed",
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
type Env = Record<string, string | undefined>;

const setting = (name: string): Setting | undefined => (SETTINGS as Record<string, Setting>)[name];
const isSwitch = (s: Setting | undefined) => s?.schema.type === 'boolean';
/** What a switch accepts, in any case; its error message lists exactly these. */
const BOOLEAN_WORDS = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);
const booleanOf = (word: string): boolean | undefined => BOOLEAN_WORDS.get(word.toLowerCase());

/**
 * Flags from the table; an unknown flag or a missing value is a ConfigError naming it. A switch takes
 * `--flag`, `--flag WORD` or `--flag=WORD`, WORD one of BOOLEAN_WORDS.
 */
function parseFlags(raw: string[]): Record<string, string> {
  const args: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i];
    const s = a.startsWith('--') && !a.includes('=') ? setting(a.slice(2)) : undefined;
    // A switch alone is true; a word after it is its value (checked like any other, so `--sandbox
    // maybe` is refused naming the switch rather than read as true plus a stray word).
    if (isSwitch(s)) args.push(i + 1 < raw.length && !raw[i + 1].startsWith('--') ? `${a}=${raw[++i]}` : `${a}=true`);
    // A value may start with a dash (a base64url key does one time in 64): parseArgs would call
    // `--store-key -x…` ambiguous, so a known flag takes the next argument as `--flag=value`.
    else if (s && i + 1 < raw.length) args.push(`${a}=${raw[++i]}`);
    else args.push(a);
  }
  try {
    const { values } = parseArgs({ args, options: Object.fromEntries(Object.keys(SETTINGS).map((name) => [name, { type: 'string' as const }])), strict: true, allowPositionals: false });
    return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch (e) {
    throw new ConfigError(
      `${(e as Error).message} (known flags: ${Object.keys(SETTINGS)
        .map((f) => `--${f}`)
        .join(', ')})`,
    );
  }
}

const ajv = new Ajv({ strict: true });
const validators = new Map<TSchema, ValidateFunction>();

/** The text of a flag or variable as the value its schema describes: numbers, switches and lists converted. */
function convert(schema: TSchema, raw: string): unknown {
  if (schema.type === 'integer') return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (schema.type === 'boolean') return booleanOf(raw) ?? raw;
  if (schema.type === 'array')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

function must(s: Setting): string {
  if (s.must) return s.must;
  if (s.schema.type === 'integer') return `an integer ${s.schema.minimum}..${s.schema.maximum}`;
  if (s.schema.type === 'boolean') return `${[...BOOLEAN_WORDS.keys()].join(', ').replace(/, ([^,]+)$/, ' or $1')} (any case)`;
  if (s.schema.anyOf)
    return (s.schema.anyOf as { const: string }[])
      .map((v) => v.const)
      .join(', ')
      .replace(/, ([^,]+)$/, ' or $1');
  return s.schema.maxLength ? `a text of 1 to ${s.schema.maxLength} characters` : 'a non-empty text';
}

export type Settings = { [K in SettingName]?: Static<(typeof SETTINGS)[K]['schema']> };

/** The settings given (flags over the environment; empty counts as not given), each checked against its schema. */
export function readSettings(args: string[], env: Env): Settings {
  const { settings, problems } = inspectSettings(args, env);
  if (problems.length) throw new ConfigError(problems);
  return settings;
}

/**
 * Every value checked: the valid ones, and a problem naming the flag and the variable for each that
 * is not (left out of `settings`, so its default applies to whatever is checked next). An unknown
 * flag or a missing value throws: nothing after it can be read with confidence.
 */
export function inspectSettings(args: string[], env: Env): { settings: Settings; problems: string[] } {
  const flags = parseFlags(args);
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SETTINGS) as [string, Setting][]) {
    const raw = flags[name] ?? env[s.env];
    if (raw === undefined || raw === '') continue;
    const value = convert(s.schema, raw);
    let validate = validators.get(s.schema);
    if (!validate) validators.set(s.schema, (validate = ajv.compile(s.schema)));
    if (validate(value)) out[name] = value;
    else problems.push(`--${name} / ${s.env} must be ${must(s)}, got "${s.secret ? '(hidden)' : raw}"`);
  }
  return { settings: out, problems };
}

/** How messages name a setting: its variable, then its flag (`KAKUNIN_RECEIPT_KEY_FILE (--receipt-key)`). */
export function settingName(name: SettingName): string {
  return `${SETTINGS[name].env} (--${name})`;
}

/** What decides a default besides the table: sandbox mode, and a proxy in front (KAKUNIN_TRUST_PROXY set). */
export interface DefaultsFor {
  sandbox: boolean;
  behindProxy?: boolean;
}

type Entry<K extends SettingName> = (typeof SETTINGS)[K];
/** A setting's value type, and undefined unless the table gives it a default. */
export type DefaultOf<K extends SettingName> = Entry<K> extends { default: unknown } ? Static<Entry<K>['schema']> : Static<Entry<K>['schema']> | undefined;

/** The value a setting takes when it is not given, from the table. */
export function defaultOf<K extends SettingName>(name: K, when: DefaultsFor): DefaultOf<K> {
  const s: Setting = SETTINGS[name];
  if (when.sandbox && 'sandboxDefault' in s) return s.sandboxDefault as DefaultOf<K>;
  if (when.behindProxy && 'proxyDefault' in s) return s.proxyDefault as DefaultOf<K>;
  return s.default as DefaultOf<K>;
}

const shown = (value: unknown) => (typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value));

/** A setting's default in words (`8080`, `0.0.0.0; sandbox mode: 127.0.0.1`), or undefined when it has none to say. */
export function defaultDescription(name: SettingName): string | undefined {
  const s: Setting = SETTINGS[name];
  if (s.defaultText) return s.defaultText;
  if (s.default === undefined || (Array.isArray(s.default) && s.default.length === 0)) return undefined;
  return [
    shown(s.default),
    ...('sandboxDefault' in s ? [`sandbox mode: ${shown(s.sandboxDefault)}`] : []),
    ...('proxyDefault' in s ? [`behind a proxy (KAKUNIN_TRUST_PROXY set): ${shown(s.proxyDefault)}`] : []),
  ].join('; ');
}

/** The table as `--help` prints it, each default from the table. */
export function settingsHelp(): string {
  return (Object.keys(SETTINGS) as SettingName[])
    .map((flag) => {
      const s: Setting = SETTINGS[flag];
      const byDefault = defaultDescription(flag);
      return `  --${flag.padEnd(26)} ${s.env.padEnd(34)} ${s.help}${byDefault ? ` (default: ${byDefault})` : ''}${s.secret ? ' [secret: prefer the variable, flags show in ps]' : ''}`;
    })
    .join('\n');
}

type Table = Record<string, Setting>;

/** What a row's key holds: what its `to` makes of the value, or the value its schema describes. */
type ValueOf<R> = R extends { to: (value: never, setting: SettingNamed) => infer V } ? V : R extends { schema: infer S extends TSchema } ? Static<S> : never;
/** Always set: the row has a default (a constant or one worked out at start) and its `to` never leaves the key out. */
type AlwaysSet<R> = R extends { default: unknown } | { atStart: true } ? (undefined extends ValueOf<R> ? false : true) : false;
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * The configuration a table of settings describes, one property per row under the row's key: what
 * ServiceConfig is (load-config.ts), so a setting is one row and a consumer reading a key no row sets
 * does not compile. A key is optional where the row has no default or its `to` may leave it out.
 */
export type ConfigOf<T extends Table> = Flat<
  { -readonly [N in keyof T as AlwaysSet<T[N]> extends true ? T[N]['key'] : never]: ValueOf<T[N]> } & {
    -readonly [N in keyof T as AlwaysSet<T[N]> extends true ? never : T[N]['key']]?: Exclude<ValueOf<T[N]>, undefined>;
  }
>;

/** The defaults loadConfig works out at start: one for each row marked atStart, of its schema's type. */
export type StartDefaults<T extends Table = typeof SETTINGS> = { -readonly [N in keyof T as T[N] extends { atStart: true } ? N : never]: Static<T[N]['schema']> };

type Fits<V, S extends TSchema> = [V] extends [Readonly<Static<S>>] ? true : false;
type OtherKeys<T extends Table, N extends keyof T> = { [M in Exclude<keyof T, N>]: T[M]['key'] }[Exclude<keyof T, N>];
type RowMistake<T extends Table, N extends keyof T & string, R extends Setting = T[N]> =
  | (string extends R['key'] ? `${N}: its key is not a literal (is the table \`as const\`?)` : never)
  | (R['key'] extends OtherKeys<T, N> ? `${N}: its key is another setting's` : never)
  | (R extends { default: infer D } ? (Fits<D, R['schema']> extends true ? never : `${N}: its default does not meet its schema`) : never)
  | (R extends { sandboxDefault: infer D } ? (Fits<D, R['schema']> extends true ? never : `${N}: its sandboxDefault does not meet its schema`) : never)
  | (R extends { proxyDefault: infer D } ? (Fits<D, R['schema']> extends true ? never : `${N}: its proxyDefault does not meet its schema`) : never)
  | (R extends { to: (value: infer P, setting: SettingNamed) => unknown } ? ([Static<R['schema']>] extends [P] ? never : `${N}: its to() does not take its schema's value`) : never);

/**
 * What is wrong with a table, one message per mistake (never when nothing is): a key that is not a
 * literal or that two rows set, a default that does not meet its schema, a `to` that does not take
 * the schema's value. `satisfies Record<string, Setting>` cannot see these (the schema is per row).
 */
export type TableMistakes<T extends Table> = { [N in keyof T & string]: RowMistake<T, N> }[keyof T & string];
type Proven<T extends true> = T;
/** Does not compile while SETTINGS has a mistake, and the error names it. */
export type SettingsTableProven = Proven<[TableMistakes<typeof SETTINGS>] extends [never] ? true : TableMistakes<typeof SETTINGS>>;

/** The ServiceConfig keys of the settings marked secret. */
export const SECRET_KEYS: ReadonlySet<string> = new Set((Object.values(SETTINGS) as Setting[]).filter((s) => s.secret).map((s) => s.key));
