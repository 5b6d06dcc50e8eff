/**
 * ServiceConfig is the settings table's type (ConfigOf): one key per row, of the type the row's schema
 * or `to` gives, optional where the row has no default. The type checks below run in tsc (npm test's
 * first step), so a row whose key ServiceConfig lacks, or a key no row sets, does not compile; the
 * runtime checks hold loadConfig's loop over the table to the same keys.
 */
import { Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { describeConfig, inspectConfig, type ServiceConfig } from '../../src/service/startup/load-config.js';
import { SECRET_KEYS, SETTINGS, type ConfigOf, type Setting, type SettingName, type StartDefaults, type TableMistakes } from '../../src/service/startup/settings.js';

type Key = (typeof SETTINGS)[SettingName]['key'];

describe('ServiceConfig is derived from the settings table', () => {
  it('has exactly one key per row, of the type its schema or its to() gives (checked by tsc)', () => {
    expectTypeOf<keyof ServiceConfig>().toEqualTypeOf<Key>();
    expectTypeOf<TableMistakes<typeof SETTINGS>>().toBeNever();
    expectTypeOf<StartDefaults>().toEqualTypeOf<{ 'public-url': string; 'trust-dir': string; 'max-connections': number }>();
    // A value the row's to() transforms, one it may leave out, and one from the schema alone.
    expectTypeOf<ServiceConfig['storeKey']>().toEqualTypeOf<Uint8Array | undefined>();
    expectTypeOf<ServiceConfig['trustProxy']>().toEqualTypeOf<boolean | number | string>();
    expectTypeOf<ServiceConfig['revocationCacheDir']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ServiceConfig['keepAliveTimeoutSeconds']>().toEqualTypeOf<number>();
    expectTypeOf<ServiceConfig['publicUrl']>().toEqualTypeOf<string>();
    expectTypeOf<ServiceConfig['logLevel']>().toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
    const config = inspectConfig([], {}, { sandbox: true }).config;
    // @ts-expect-error a key no row sets (the flag's camelCase; the row says keepAliveTimeoutSeconds)
    expect(config.keepAlive).toBeUndefined();
    // @ts-expect-error a default worked out at start that loadConfig forgot
    const forgot: StartDefaults = { 'public-url': 'http://localhost:8080', 'max-connections': 1024 };
    expect(Object.keys(forgot)).toHaveLength(2);
  });

  it('ConfigOf and TableMistakes on a table of four rows: keys, optionality, and each kind of mistake named', () => {
    const help = 'what it does';
    const _four = {
      port: { key: 'port', env: 'PORT', schema: Type.Integer(), default: 8080, help },
      cache: { key: 'cacheDir', env: 'CACHE', schema: Type.String(), default: 'cache', to: (dir: string) => (dir === 'none' ? undefined : dir), help },
      'signing-key': { key: 'signingKey', env: 'SIGNING_KEY', schema: Type.String(), to: (text: string): Uint8Array => new TextEncoder().encode(text), help },
      'public-url': { key: 'publicUrl', env: 'PUBLIC_URL', schema: Type.String(), atStart: true, help },
    } as const satisfies Record<string, Setting>;
    expectTypeOf<ConfigOf<typeof _four>>().toEqualTypeOf<{ port: number; publicUrl: string; cacheDir?: string; signingKey?: Uint8Array }>();
    expectTypeOf<TableMistakes<typeof _four>>().toBeNever();

    const _wrong = {
      port: { key: 'port', env: 'PORT', schema: Type.Integer(), default: '8080', help },
      'keep-alive': { key: 'port', env: 'KEEP_ALIVE', schema: Type.Integer(), default: 5, help },
      cache: { key: 'cacheDir', env: 'CACHE', schema: Type.Integer(), to: (dir: string) => dir, help },
      host: { key: 'host', env: 'HOST', schema: Type.String(), sandboxDefault: 1, help },
    } as const satisfies Record<string, Setting>;
    expectTypeOf<TableMistakes<typeof _wrong>>().toEqualTypeOf<
      | 'port: its default does not meet its schema'
      | "port: its key is another setting's"
      | "keep-alive: its key is another setting's"
      | "cache: its to() does not take its schema's value"
      | 'host: its sandboxDefault does not meet its schema'
    >();
    // Without `as const` a key is any string, and ConfigOf could not name it.
    const _unwritten = { port: { key: 'port', env: 'PORT', schema: Type.Integer(), help } } satisfies Record<string, Setting>;
    expectTypeOf<TableMistakes<typeof _unwritten>>().toEqualTypeOf<'port: its key is not a literal (is the table `as const`?)'>();
  });

  // A valid value for every setting: from its schema, or written here where a pattern asks for more.
  const SAMPLES: Partial<Record<SettingName, string>> = {
    'public-url': 'https://verifier.example',
    'redis-url': 'redis://:redis-password@127.0.0.1:6379',
    'store-key': Buffer.alloc(32, 1).toString('base64url'),
    'binding-key': Buffer.alloc(32, 2).toString('base64url'),
    'api-keys': 'service-config-test-key-0123456789-QwErTy',
    'redis-prefix': 'shop',
    webhook: 'https://hooks.example/kakunin',
    'trust-proxy': 'loopback',
    'google-rp-metadata': 'AAAA',
  };
  const sample = (name: SettingName): string => {
    const { schema }: Setting = SETTINGS[name];
    if (SAMPLES[name]) return SAMPLES[name];
    if (schema.type === 'integer') return String(schema.minimum);
    if (schema.type === 'boolean') return 'true';
    if (schema.anyOf) return (schema.anyOf as { const: string }[]).at(-1)!.const;
    return schema.type === 'array' ? 'one,two' : 'text';
  };
  const everySetting = Object.fromEntries((Object.keys(SETTINGS) as SettingName[]).map((name) => [SETTINGS[name].env, sample(name)]));
  const tableKeys = Object.values(SETTINGS)
    .map((s) => s.key)
    .sort();

  it("every setting given: the configuration has every row's key and no other", () => {
    const { config, problems } = inspectConfig([], everySetting, { sandbox: false });
    expect(problems).toEqual([]);
    expect(Object.keys(config).sort()).toEqual(tableKeys);
    expect(config).toMatchObject({ redisPrefix: 'shop:', trustProxy: 'loopback', maxConnectionsPerAddress: 0, keepAliveTimeoutSeconds: 1, municipalities: ['one', 'two'] });
    expect(config.storeKey).toEqual(new Uint8Array(32).fill(1));
  });

  it("nothing given: every key present is a row's, and each row with a default and no to() sets its key", () => {
    for (const sandbox of [false, true]) {
      const { config } = inspectConfig([], sandbox ? {} : { KAKUNIN_API_KEYS: SAMPLES['api-keys']! }, { sandbox });
      for (const key of Object.keys(config)) expect(tableKeys, key).toContain(key);
      for (const s of Object.values(SETTINGS) as Setting[]) if (('default' in s || s.atStart) && !s.to) expect(config, s.key).toHaveProperty(s.key);
    }
  });

  it('--print-config masks exactly the rows marked secret, whatever their key is called', () => {
    const secretRows = (Object.keys(SETTINGS) as SettingName[]).filter((name) => (SETTINGS[name] as Setting).secret);
    expect([...SECRET_KEYS].sort()).toEqual(secretRows.map((name) => SETTINGS[name].key).sort());
    const { config } = inspectConfig([], everySetting, { sandbox: false });
    const shown = describeConfig(config);
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const { key } = SETTINGS[name];
      if (secretRows.includes(name)) expect(JSON.stringify(shown[key]), name).not.toContain(name === 'redis-url' ? 'redis-password' : sample(name));
      else expect(shown[key], name).toEqual(config[key]);
    }
  });
});
