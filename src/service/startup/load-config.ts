/**
 * Service configuration: read once at start from the environment and the command line (each setting
 * checked against its schema in settings.ts), the rules between settings applied, and frozen.
 * Anything wrong stops start-up with a message that names the setting.
 */
import { PACKAGE_CERTS_DIR } from '../../runtime/trust-folder.js';
import {
  ConfigError,
  defaultOf,
  inspectSettings,
  SECRET_KEYS,
  SETTINGS,
  settingsHelp,
  type ConfigOf,
  type DefaultsFor,
  type Setting,
  type SettingName,
  type Settings,
  type StartDefaults,
} from './settings.js';
import { apiKeyWeakness } from '../http/api-key.js';
import { descriptorLimit } from '../http/connection-limits.js';

export { ConfigError, SETTINGS, settingsHelp };

/**
 * The service's configuration: one property per setting, under the key its row in the settings table
 * names, of the type its schema (or its row's `to`) gives; optional where the row has no default.
 * Written nowhere else: a setting added to the table is here, and code reading a key no row sets
 * does not compile.
 */
export type ServiceConfig = ConfigOf<typeof SETTINGS>;

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
  const { settings, problems } = inspectSettings(args, env);
  const problem = (message: string) => void problems.push(message);
  const sandbox = settings.sandbox ?? defaults.sandbox;
  // The settings as given, with sandbox mode as decided (demo is always in it); the rules below
  // leave out what they refuse.
  const given: Settings = { ...settings, sandbox };
  const value = <K extends SettingName>(name: K) => given[name] ?? defaultOf(name, { sandbox });
  const apiKeys = value('api-keys');
  // A value refused above is already reported: do not say again that it is missing.
  const apiKeysRefused = problems.some((p) => p.startsWith('--api-keys '));
  if (!sandbox && apiKeys.length === 0 && !apiKeysRefused) problem('KAKUNIN_API_KEYS (or --api-keys) is required outside sandbox mode: a comma-separated list of keys');
  catching(problem, () => checkApiKeys(apiKeys));
  // Sessions and request states in Redis hold personal data and private keys: sealed, under one key
  // every instance shares (a key made per process would leave each instance unable to read the others').
  if (given['redis-url'] && given['store-key'] === undefined && !sandbox) {
    problem(
      'KAKUNIN_STORE_KEY (or --store-key) is required with REDIS_URL outside sandbox mode: the same 32-byte base64url key on every instance, e.g. node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"',
    );
  }
  if (!!given['verifier-cert'] !== !!given['verifier-key']) {
    problem('KAKUNIN_VERIFIER_CERT_FILE (--verifier-cert) and KAKUNIN_VERIFIER_KEY_FILE (--verifier-key) go together');
    delete given['verifier-cert'];
    delete given['verifier-key'];
  }
  if (value('verifier-extra-certs').length !== value('verifier-extra-keys').length) {
    problem('KAKUNIN_VERIFIER_EXTRA_CERT_FILES (--verifier-extra-certs) and KAKUNIN_VERIFIER_EXTRA_KEY_FILES (--verifier-extra-keys) name as many files, in the same order');
    given['verifier-extra-certs'] = [];
    given['verifier-extra-keys'] = [];
  }
  if (value('apple-test-ids') && !sandbox) {
    problem('KAKUNIN_APPLE_TEST_IDS (or --apple-test-ids) is for sandbox mode only: a test ID carries mock data no issuer signed, so a service that serves real people must never accept one');
  }
  if (value('google-rp-metadata-in-request') && !given['google-rp-metadata']) {
    problem('KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST needs KAKUNIN_GOOGLE_RP_METADATA (--google-rp-metadata): the gw_rp_metadata_bytes Google gave with your certificate');
  }
  // Connection limits: the total stays below the open-file limit (Redis, webhooks, revocation lists and
  // log files need descriptors too). The per-address and keep-alive defaults behind a proxy are in the table.
  const files = descriptorLimit();
  const atStart: StartDefaults = {
    'public-url': `http://localhost:${value('port')}`,
    'trust-dir': PACKAGE_CERTS_DIR,
    'max-connections': files ? Math.max(16, Math.floor((files * 3) / 4)) : 1024,
  };
  const config = configOf(given, { sandbox }, atStart, problem);
  if (files && config.maxConnections > files - 64) {
    problem(
      `KAKUNIN_MAX_CONNECTIONS (or --max-connections) ${config.maxConnections} leaves too few of this process's ${files} open files for Redis, webhooks and logs: at most ${files - 64}, or raise the limit (ulimit -n)`,
    );
  }
  return { config, problems };
}

/**
 * The configuration the table describes: each setting's value (as given, worked out at start, or its
 * default) as its row's `to` makes it, under its row's key. trust-proxy first: whether a proxy is in
 * front decides other defaults.
 */
function configOf(given: Settings, when: DefaultsFor, atStart: StartDefaults, problem: (message: string) => void): ServiceConfig {
  const startDefaults: Partial<Record<SettingName, unknown>> = atStart;
  const valueOf = (name: SettingName, at: DefaultsFor): unknown => {
    const row: Setting = SETTINGS[name];
    const fallback = startDefaults[name] ?? defaultOf(name, at);
    const raw = given[name] ?? fallback;
    if (raw === undefined || !row.to) return raw;
    const named = { flag: name, env: row.env, ...(row.must ? { must: row.must } : {}) };
    try {
      return row.to(raw, named);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // Reported; the key takes what the default becomes (none: left out).
      e.problems.forEach(problem);
      return fallback === undefined ? undefined : row.to(fallback, named);
    }
  };
  const trustProxy = valueOf('trust-proxy', when);
  const behindProxy = { ...when, behindProxy: trustProxy !== false };
  const entries = (Object.keys(SETTINGS) as SettingName[]).map((name) => [SETTINGS[name].key, name === 'trust-proxy' ? trustProxy : valueOf(name, behindProxy)] as const);
  // The one cast: a loop over the table builds what ConfigOf describes from the same table.
  return Object.freeze(Object.fromEntries(entries.filter(([, v]) => v !== undefined))) as ServiceConfig;
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
