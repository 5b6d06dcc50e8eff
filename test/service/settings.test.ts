import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/service/startup/load-config.js';
import { defaultDescription, readSettings, SETTINGS, settingsHelp, type SettingName } from '../../src/service/startup/settings.js';
import { withSettingsTable } from '../../scripts/settings-readme.js';

const KEYS = { KAKUNIN_API_KEYS: 'settings-test-key-0123456789-QwErT' };

describe('settings: one schema for flags and environment variables', () => {
  it('converts what its schema says: integers, switches, lists, choices; a flag wins over the variable', () => {
    expect(readSettings(['--port', '9000', '--sandbox', '--trust-sets', 'jp-jlis, apple', '--log-level', 'debug'], { PORT: '7000', KAKUNIN_REVOCATION: 'warn' })).toEqual({
      port: 9000,
      sandbox: true,
      'trust-sets': ['jp-jlis', 'apple'],
      'log-level': 'debug',
      revocation: 'warn',
    });
    expect(readSettings([], { KAKUNIN_WEBHOOK_ALLOW_PRIVATE: 'no', PORT: '' })).toEqual({ 'webhook-allow-private': false });
  });

  it.each([
    [['--port', '70000'], /--port \/ PORT must be an integer 0\.\.65535, got "70000"/],
    [['--port', '80x'], /PORT must be an integer/],
    [['--pending-ttl', '5'], /KAKUNIN_PENDING_TTL must be an integer 10\.\.3600/],
    [['--sandbox', 'maybe'], /--sandbox \/ KAKUNIN_SANDBOX must be true, false, 1, 0, yes or no \(any case\), got "maybe"/],
    [['--log-level', 'loud'], /LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent/],
    [['--webhook', 'ftp://x'], /KAKUNIN_WEBHOOK_URL must be an http\(s\) URL/],
    [['--redis-prefix', 'a b'], /KAKUNIN_REDIS_PREFIX must be 1 to 40 letters/],
    [['--counter-name', 'x'.repeat(81)], /KAKUNIN_COUNTER_NAME must be a text of 1 to 80 characters/],
  ])('refuses %j, naming the setting', (args, message) => {
    expect(() => loadConfig(args, KEYS, { sandbox: false })).toThrow(message);
  });

  it('never repeats a secret in its message', () => {
    expect(() => loadConfig(['--api-keys', 'short-secret'], {}, { sandbox: false })).toThrow(
      /KAKUNIN_API_KEYS must be comma-separated random keys of at least 32 characters each \(kakunin keys init makes one\), got "\(hidden\)"/,
    );
    expect(() => loadConfig(['--api-keys', 'short-secret'], {}, { sandbox: false })).not.toThrow(/short-secret/);
  });

  it('every setting has a schema, an environment variable and help', () => {
    for (const [flag, s] of Object.entries(SETTINGS)) {
      expect('type' in s.schema || 'anyOf' in s.schema, flag).toBe(true);
      expect(s.env, flag).toMatch(/^[A-Z_]+$/);
      expect(s.help.length, flag).toBeGreaterThan(10);
    }
  });

  it('every default in the table meets its schema', () => {
    const ajv = new Ajv({ strict: true });
    for (const [flag, s] of Object.entries(SETTINGS)) {
      const validate = ajv.compile(s.schema);
      for (const key of ['default', 'sandboxDefault', 'proxyDefault'] as const) {
        if (key in s) expect(validate((s as Record<string, unknown>)[key]), `${flag} ${key}`).toBe(true);
      }
    }
  });

  it('--help prints each default from the table, and no help text writes one of its own', () => {
    const lines = settingsHelp().split('\n');
    expect(lines.find((l) => l.includes('--port '))).toMatch(/listen port \(default: 8080\)$/);
    expect(lines.find((l) => l.includes('--host '))).toContain('(default: 0.0.0.0; sandbox mode: 127.0.0.1)');
    expect(lines.find((l) => l.includes('--keep-alive '))).toContain('(default: 5; behind a proxy (KAKUNIN_TRUST_PROXY set): 65)');
    for (const flag of Object.keys(SETTINGS) as SettingName[]) {
      const byDefault = defaultDescription(flag);
      if (byDefault)
        expect(
          lines.find((l) => l.startsWith(`  --${flag} `)),
          flag,
        ).toContain(`(default: ${byDefault})`);
      expect(SETTINGS[flag].help, flag).not.toMatch(/\((?!503\))\d+\)|\(off\)|default/);
    }
  });

  it("the defaults the configuration takes are the table's, in serve, in sandbox mode and behind a proxy", () => {
    const serve = loadConfig([], KEYS, { sandbox: false });
    expect(serve).toMatchObject({ host: '0.0.0.0', port: 8080, publicUrl: 'http://localhost:8080', redisCluster: false, redisCommandTimeoutMs: 2000, redisPrefix: 'kakunin:', trustSets: [] });
    expect(serve).toMatchObject({ webhookAllowPrivate: false, webhookTakeoverSeconds: 30, rateLimitPerIp: 120, rateLimitPerKey: 1200, pendingTtlSeconds: 300, resultTtlSeconds: 120 });
    expect(serve).toMatchObject({ requestTimeoutSeconds: 30, trustProxy: false, maxConnectionsPerAddress: 128, keepAliveTimeoutSeconds: 5, logLevel: 'info', revocation: 'fail' });
    expect(serve).toMatchObject({ revocationCacheDir: '.kakunin/revocation', revocationRefreshSeconds: 300, revocationAllowPrivate: false, deviceRequestVersion: '1.0', appleTestIds: false });
    expect(loadConfig([], {}, { sandbox: true })).toMatchObject({ host: '127.0.0.1', revocation: 'warn', sandbox: true, apiKeys: [] });
    expect(loadConfig(['--trust-proxy', 'loopback'], KEYS, { sandbox: false })).toMatchObject({ maxConnectionsPerAddress: 0, keepAliveTimeoutSeconds: 65 });
    expect(loadConfig(['--revocation-cache', 'none'], KEYS, { sandbox: false }).revocationCacheDir).toBeUndefined();
    expect(serve.revocationMaxHeldBytes).toBe(512 * 1024 * 1024);
    expect(serve.revocationFetchTimeoutSeconds).toBe(120);
    expect(serve.revocationMaxLists).toBe(512);
    expect(loadConfig([], { ...KEYS, KAKUNIN_REVOCATION_MAX_LISTS: '2000' }, { sandbox: false }).revocationMaxLists).toBe(2000);
    expect(loadConfig([], { ...KEYS, KAKUNIN_REVOCATION_MAX_MB: '64' }, { sandbox: false }).revocationMaxHeldBytes).toBe(64 * 1024 * 1024);
  });

  it("README's settings table is the one npm run settings:readme writes from the table", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme === withSettingsTable(readme), 'README.md settings table is stale: run npm run settings:readme').toBe(true);
  });
});
