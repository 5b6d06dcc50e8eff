/**
 * Every setting once: its flag, its environment variable, the schema its value must meet (TypeBox,
 * as the HTTP API's bodies are), whether it is a secret, and what it does. Flags are parsed from this
 * table (node:util parseArgs), values are converted and checked against their schemas, `--help`
 * prints the table and `--print-config` masks the secrets it marks. Flags win over the environment.
 */
import { parseArgs } from 'node:util';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { KakuninError } from '../../codes/error.js';

/**
 * What stops start-up, naming the setting: one problem, or every problem found (`problems`), so an
 * operator fixes them in one round rather than one per start.
 */
export class ConfigError extends KakuninError {
  readonly problems: string[];
  constructor(problem: string | string[]) {
    const problems = typeof problem === 'string' ? [problem] : problem;
    super('CONFIG_INVALID', problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface Setting<S extends TSchema = TSchema> {
  env: string;
  schema: S;
  /** Never printed: --print-config shows whether it is set, not what it is. */
  secret?: true;
  help: string;
  /** What the value must be, for the error message (default: from the schema). */
  must?: string;
  /** The value when the setting is not given; none: the setting is off (or see defaultText). */
  default?: Static<S>;
  /** The default in sandbox mode (demo, or KAKUNIN_SANDBOX), where it differs. */
  sandboxDefault?: Static<S>;
  /** The default behind a proxy (KAKUNIN_TRUST_PROXY set), where it differs. */
  proxyDefault?: Static<S>;
  /** What the default is, in words, when it is worked out at start rather than a constant. */
  defaultText?: string;
  /** The README's text, in Markdown, where it says more than help (help otherwise). */
  doc?: string;
}

const integer = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
const text = (options: { pattern?: string; maxLength?: number } = {}) => Type.String({ minLength: 1, ...options });
const list = (item = text()) => Type.Array(item);
const oneOf = <T extends string>(...values: T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const SETTINGS = {
  host: { env: 'HOST', schema: text(), default: '0.0.0.0', sandboxDefault: '127.0.0.1', help: 'listen address' },
  port: { env: 'PORT', schema: integer(0, 65535), default: 8080, help: 'listen port' },
  'public-url': { env: 'PUBLIC_URL', schema: text(), defaultText: 'http://localhost:PORT', help: 'the URL wallets and browsers reach (https; http only for localhost)' },
  'redis-url': {
    env: 'REDIS_URL',
    schema: text({ pattern: '^rediss?://' }),
    secret: true,
    must: 'a redis:// or rediss:// URL',
    defaultText: 'none: in memory',
    help: 'share sessions, rate limits and webhooks between instances',
  },
  'redis-cluster': {
    env: 'KAKUNIN_REDIS_CLUSTER',
    schema: Type.Boolean(),
    default: false,
    help: 'REDIS_URL names a Redis Cluster or Valkey cluster: its seed nodes, comma-separated',
  },
  'redis-command-timeout': { env: 'KAKUNIN_REDIS_COMMAND_TIMEOUT_MS', schema: integer(100, 60_000), default: 2000, help: 'a Redis command with no reply fails (503) after this many ms' },
  'redis-prefix': {
    env: 'KAKUNIN_REDIS_PREFIX',
    schema: text({ pattern: '^[A-Za-z0-9_.-]{1,40}:?$' }),
    must: "1 to 40 letters, digits, '_', '.' or '-' (a ':' is added)",
    default: 'kakunin:',
    help: 'what every Redis key and channel starts with',
  },
  'store-key': {
    env: 'KAKUNIN_STORE_KEY',
    schema: text({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    secret: true,
    must: '32 random bytes in base64url (43 characters)',
    help: '32 random bytes, base64url: what is kept in Redis is sealed under it (required with Redis outside sandbox mode)',
  },
  'binding-key': {
    env: 'KAKUNIN_BINDING_KEY',
    schema: text({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    secret: true,
    must: '32 random bytes in base64url (43 characters)',
    help: '32 random bytes, base64url: account_match credential bindings are keyed hashes under it (keep it for as long as merchants keep bindings; without it, serve refuses bindings)',
  },
  'api-keys': {
    env: 'KAKUNIN_API_KEYS',
    schema: list(Type.String({ minLength: 32, maxLength: 512 })),
    secret: true,
    must: 'comma-separated random keys of at least 32 characters each (kakunin keys init makes one)',
    default: [],
    help: 'comma-separated keys for POST /v1/verifications, each random, 32+ characters, 128+ bits (required outside sandbox mode)',
  },
  purposes: { env: 'KAKUNIN_PURPOSES_FILE', schema: text(), help: 'custom purposes (JSON, validated against a schema)' },
  municipalities: { env: 'KAKUNIN_MUNICIPALITIES', schema: list(), help: 'residency codes accepted by the built-in purpose' },
  'trust-dir': { env: 'KAKUNIN_TRUST_DIR', schema: text(), defaultText: "the package's own certs/", help: 'the folder of trust sets' },
  'trust-sets': { env: 'KAKUNIN_TRUST_SETS', schema: list(), default: [], defaultText: 'every production set', help: 'which trust sets to load' },
  'receipt-key': { env: 'KAKUNIN_RECEIPT_KEY_FILE', schema: text(), help: 'ES256 key (PEM file) for receipts; share it between instances' },
  'verifier-cert': { env: 'KAKUNIN_VERIFIER_CERT_FILE', schema: text(), help: "the verifier's reader/client certificate chain (PEM file)" },
  'verifier-key': { env: 'KAKUNIN_VERIFIER_KEY_FILE', schema: text(), help: 'its private key (PEM file)' },
  'verifier-extra-certs': {
    env: 'KAKUNIN_VERIFIER_EXTRA_CERT_FILES',
    schema: list(),
    default: [],
    help: 'certificate chains (PEM files, comma-separated) of other trust frameworks that also sign the DC API request: it is then offered as openid4vp-v1-multisigned',
  },
  'verifier-extra-keys': { env: 'KAKUNIN_VERIFIER_EXTRA_KEY_FILES', schema: list(), default: [], help: 'their private keys (PEM files, comma-separated, in the same order)' },
  'verifier-info': {
    env: 'KAKUNIN_VERIFIER_INFO_FILE',
    schema: text(),
    help: 'OpenID4VP verifier_info: a JSON file with an array of {format, data, credential_ids?} attestations put in every request object',
  },
  webhook: {
    env: 'KAKUNIN_WEBHOOK_URL',
    schema: text({ pattern: '^https?://', maxLength: 2048 }),
    must: 'an http(s) URL',
    help: 'where final states are delivered (a verification may name its own)',
  },
  'webhook-allow-private': { env: 'KAKUNIN_WEBHOOK_ALLOW_PRIVATE', schema: Type.Boolean(), default: false, help: 'let webhooks reach private or loopback addresses' },
  'webhook-takeover': { env: 'KAKUNIN_WEBHOOK_TAKEOVER_SECONDS', schema: integer(2, 600), default: 30, help: "with Redis: seconds before another instance takes over a dead instance's deliveries" },
  'rate-limit-ip': { env: 'KAKUNIN_RATE_LIMIT_IP', schema: integer(0, 1_000_000), default: 120, help: 'creations per minute per client address, IPv6 per /64 (0 turns off)' },
  'rate-limit-key': { env: 'KAKUNIN_RATE_LIMIT_KEY', schema: integer(0, 1_000_000), default: 1200, help: 'creations per minute per API key (0 turns off)' },
  'pending-ttl': { env: 'KAKUNIN_PENDING_TTL', schema: integer(10, 3600), default: 300, help: 'seconds a wallet has to answer' },
  'result-ttl': { env: 'KAKUNIN_RESULT_TTL', schema: integer(10, 3600), default: 120, help: 'seconds a result is kept' },
  'request-timeout': { env: 'KAKUNIN_REQUEST_TIMEOUT', schema: integer(1, 300), default: 30, help: 'seconds a client has to send a whole request' },
  'max-connections': {
    env: 'KAKUNIN_MAX_CONNECTIONS',
    schema: integer(16, 1_000_000),
    defaultText: '3/4 of the open-file limit; 1024 where it is unknown',
    help: 'open client connections in all, below the open-file limit',
  },
  // Behind a proxy every connection comes from the proxy (which limits per client), and idle connections
  // are kept longer than a load balancer's own (commonly 60 s), which would otherwise reuse one just closed.
  'max-connections-per-address': {
    env: 'KAKUNIN_MAX_CONNECTIONS_PER_ADDRESS',
    schema: integer(0, 1_000_000),
    default: 128,
    proxyDefault: 0,
    help: 'open connections per client address, IPv6 per /64 (0 turns off)',
  },
  'keep-alive': { env: 'KAKUNIN_KEEP_ALIVE_TIMEOUT', schema: integer(1, 600), default: 5, proxyDefault: 65, help: 'seconds an idle keep-alive connection stays open' },
  'counter-name': { env: 'KAKUNIN_COUNTER_NAME', schema: text({ maxLength: 80 }), help: "the shop's or office's name in the counter page's title" },
  'trust-proxy': {
    env: 'KAKUNIN_TRUST_PROXY',
    schema: text({ pattern: '^[A-Za-z0-9.:/, -]+$' }),
    must: 'false or true (any case), a hop count 0..99, or comma-separated loopback, linklocal, uniquelocal, IP addresses and IP/bits or IP/netmask subnets',
    default: 'false',
    help: "which peers' X-Forwarded-For is believed: false, true, a hop count, or addresses/subnets",
  },
  'log-level': { env: 'LOG_LEVEL', schema: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), default: 'info', help: 'the pino log level' },
  // Fail closed in production; the sandbox issuers publish no CRLs, so sandbox mode warns instead.
  revocation: { env: 'KAKUNIN_REVOCATION', schema: oneOf('fail', 'warn', 'off'), default: 'fail', sandboxDefault: 'warn', help: 'fail, warn or off' },
  'revocation-cache': { env: 'KAKUNIN_REVOCATION_CACHE', schema: text(), default: '.kakunin/revocation', help: 'where verified lists are kept (none: memory only)' },
  'revocation-refresh': { env: 'KAKUNIN_REVOCATION_REFRESH', schema: integer(5, 86_400), default: 300, help: 'seconds between refresh rounds' },
  'revocation-allow-private': { env: 'KAKUNIN_REVOCATION_ALLOW_PRIVATE', schema: Type.Boolean(), default: false, help: 'let list fetches reach private or loopback addresses' },
  'device-request-version': {
    env: 'KAKUNIN_DEVICE_REQUEST_VERSION',
    schema: oneOf('1.0', '1.1'),
    default: '1.0',
    help: 'DeviceRequest version of the org-iso-mdoc request (Apple Wallet): 1.0, or 1.1 with DeviceRequestInfo, readerAuth per document',
  },
  'google-rp-metadata': {
    env: 'KAKUNIN_GOOGLE_RP_METADATA',
    schema: text({ pattern: '^[A-Za-z0-9_-]+={0,2}$' }),
    must: 'base64url',
    help: 'gw_rp_metadata_bytes Google gave with your certificate: checked at start against the certificate (sent in requests only with KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST)',
  },
  'google-rp-metadata-in-request': {
    env: 'KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST',
    schema: Type.Boolean(),
    help: "send KAKUNIN_GOOGLE_RP_METADATA as client_metadata.gw_rp_metadata_bytes in the DC API's signed OpenID4VP request, where one public verifier puts it; unconfirmed by Google",
    default: false,
  },
  'apple-test-ids': {
    env: 'KAKUNIN_APPLE_TEST_IDS',
    schema: Type.Boolean(),
    help: "sandbox only: Apple Wallet's integrator test IDs answer as TEST (device authenticated, no issuer), never as verified",
    default: false,
  },
  sandbox: { env: 'KAKUNIN_SANDBOX', schema: Type.Boolean(), default: false, defaultText: 'off; demo: always on', help: 'sandbox mode: test roots trusted, no API key' },
} satisfies Record<string, Setting>;

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
    throw new ConfigError(`${(e as Error).message} (known flags: ${Object.keys(SETTINGS).map((f) => `--${f}`).join(', ')})`);
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
  if (s.schema.anyOf) return (s.schema.anyOf as { const: string }[]).map((v) => v.const).join(', ').replace(/, ([^,]+)$/, ' or $1');
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

/** The ServiceConfig keys of the settings marked secret (`api-keys` -> `apiKeys`). */
export const SECRET_KEYS = new Set(
  (Object.entries(SETTINGS) as [string, Setting][]).filter(([, s]) => s.secret).map(([flag]) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())),
);
