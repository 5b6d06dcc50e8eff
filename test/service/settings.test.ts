import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/service/startup/load-config.js';
import { readSettings, SETTINGS } from '../../src/service/startup/settings.js';

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
    expect(() => loadConfig(['--api-keys', 'short-secret'], {}, { sandbox: false })).toThrow(/KAKUNIN_API_KEYS must be comma-separated random keys of at least 32 characters each \(kakunin keys init makes one\), got "\(hidden\)"/);
    expect(() => loadConfig(['--api-keys', 'short-secret'], {}, { sandbox: false })).not.toThrow(/short-secret/);
  });

  it('every setting has a schema, an environment variable and help', () => {
    for (const [flag, s] of Object.entries(SETTINGS)) {
      expect('type' in s.schema || 'anyOf' in s.schema, flag).toBe(true);
      expect(s.env, flag).toMatch(/^[A-Z_]+$/);
      expect(s.help.length, flag).toBeGreaterThan(10);
    }
  });
});
