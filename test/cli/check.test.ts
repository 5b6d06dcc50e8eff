/**
 * `kakunin check`: every check a start makes, without listening, run by the start's own code
 * (inspectConfig, preflight, redisReachable). Every problem is listed with its setting's variable and
 * flag and the exit code is 1; a configuration that would start exits 0 and writes nothing. Switches
 * accept exactly the words their message lists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectSettings, SETTINGS } from '../../src/service/startup/settings.js';
import { startServe } from '../../src/service/startup/serve.js';
import { capturingLogger } from '../service/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const API_KEY = 'k-check-0123456789abcdef-QwErTyUiOpAsD';

function kakunin(args: string[], cwd: string, env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KAKUNIN_|REDIS_URL|PUBLIC_URL|PORT|HOST)/.test(k)));
  return spawnSync(process.execPath, ['--import', TSX, CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...base, LOG_LEVEL: 'silent', ...env } });
}

describe('kakunin check', () => {
  it('a configuration that would start: exit 0, what was checked (Redis named by host and port), nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-check-'));
    expect(kakunin(['keys', 'init'], dir).status).toBe(0);
    const before = readdirSync(dir).sort();
    const r = kakunin(['check', 'serve', '--receipt-key', 'secrets/receipt.pem', '--verifier-cert', 'secrets/verifier.pem', '--verifier-key', 'secrets/verifier.key.pem'], dir, {
      KAKUNIN_API_KEYS: API_KEY,
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAKUNIN_STORE_KEY: Buffer.alloc(32, 3).toString('base64url'),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kakunin check (serve): the start would go ahead');
    expect(r.stdout).toMatch(/ok: +trust sets apple, google-wallet, jp-jlis/);
    expect(r.stdout).toMatch(/ok: +purposes age_over, residency, kyc, account_match/);
    expect(r.stdout).toMatch(/ok: +receipt key secrets\/receipt\.pem/);
    expect(r.stdout).toMatch(/ok: +verifier certificate secrets\/verifier\.pem \(valid until/);
    expect(r.stdout).toMatch(/ok: +Redis at 127\.0\.0\.1:6379 answers/);
    expect(readdirSync(dir).sort()).toEqual(before);
    // Without a configured certificate the start would write a development one; the check does not.
    const bare = kakunin(['check', 'serve', '--api-keys', API_KEY], dir);
    expect(bare.status).toBe(0);
    expect(existsSync(join(dir, '.kakunin'))).toBe(false);
  }, 60_000);

  it('lists every problem, each naming its variable and flag, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-check-'));
    writeFileSync(join(dir, 'info.json'), '{not json');
    writeFileSync(join(dir, 'purposes.json'), '{"purposes": [{"name": "x", "kind": "nonsense"}]}');
    const r = kakunin(
      [
        'check',
        '--port',
        '99999',
        '--sandbox',
        'maybe',
        '--receipt-key',
        'missing.pem',
        '--trust-sets',
        'jp-jlis,nope',
        '--purposes',
        'purposes.json',
        '--verifier-info',
        'info.json',
        '--verifier-cert',
        'c.pem',
        '--verifier-key',
        'k.pem',
      ],
      dir,
      { KAKUNIN_API_KEYS: API_KEY, REDIS_URL: 'redis://127.0.0.1:1', KAKUNIN_STORE_KEY: Buffer.alloc(32, 3).toString('base64url') },
    );
    expect(r.status).toBe(1);
    const problems = r.stdout.split('\n').filter((l) => l.startsWith('  problem: '));
    expect(r.stdout).toContain(`kakunin check (serve): ${problems.length} problems`);
    const expected: [string, string, RegExp][] = [
      ['PORT', '--port', /must be an integer 0\.\.65535, got "99999"/],
      ['KAKUNIN_SANDBOX', '--sandbox', /must be true, false, 1, 0, yes or no \(any case\), got "maybe"/],
      ['KAKUNIN_RECEIPT_KEY_FILE', '--receipt-key', /missing\.pem: no such file/],
      ['KAKUNIN_TRUST_SETS', '--trust-sets', /no trust set "nope" in .*; the sets there are: apple, google-wallet, jp-jlis/],
      ['KAKUNIN_PURPOSES_FILE', '--purposes', /purposes\.json/],
      ['KAKUNIN_VERIFIER_INFO_FILE', '--verifier-info', /info\.json: .*JSON/],
      ['KAKUNIN_VERIFIER_CERT_FILE', '--verifier-cert', /c\.pem: no such file/],
      ['REDIS_URL', '--redis-url', /Redis at 127\.0\.0\.1:1 does not answer \(.*ECONNREFUSED/],
    ];
    for (const [variable, flag, why] of expected) {
      const line = problems.find((p) => p.includes(variable) && p.includes(flag));
      expect(line, `${variable} in\n${r.stdout}`).toBeDefined();
      expect(line).toMatch(why);
    }
    expect(problems).toHaveLength(expected.length);
  }, 60_000);

  it('the start reports the same problems, all of them, by the same code', async () => {
    const args = ['--port', '0', '--host', '127.0.0.1', '--api-keys', API_KEY, '--receipt-key', '/nonexistent/r.pem', '--trust-sets', 'nope', '--verifier-info', '/nonexistent/i.json'];
    const err = await startServe(args, { env: {}, logger: capturingLogger().logger }).then(
      () => undefined,
      (e: Error & { problems?: string[] }) => e,
    );
    expect(err?.problems).toHaveLength(3);
    expect(err?.message).toMatch(/^3 problems:\n {2}- KAKUNIN_TRUST_SETS \(--trust-sets\)/);
    expect(err?.message).toContain('KAKUNIN_RECEIPT_KEY_FILE (--receipt-key) /nonexistent/r.pem: no such file');
    expect(err?.message).toContain('KAKUNIN_VERIFIER_INFO_FILE (--verifier-info) /nonexistent/i.json: ENOENT');
  });

  it('npm start -- check (the entry the image runs) checks too, and exits 1 on a problem', () => {
    const main = fileURLToPath(new URL('../../src/service/startup/main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', TSX, main, 'check', '--receipt-key', '/nonexistent/r.pem'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, KAKUNIN_MODE: 'serve', KAKUNIN_API_KEYS: API_KEY },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('problem: KAKUNIN_RECEIPT_KEY_FILE (--receipt-key) /nonexistent/r.pem: no such file');
  }, 60_000);
});

describe('switches accept exactly the words their message lists', () => {
  const switches = Object.entries(SETTINGS).filter(([, s]) => s.schema.type === 'boolean');
  const candidates = ['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'False', 'YES', 'No', 'on', 'off', 'y', 'n', 'enabled', '2', '-1', 'truee', 'constructor', 'toString', '__proto__'];

  it.each(switches)('--%s', (flag, s) => {
    const refusal = inspectSettings([], { [s.env]: 'not-a-word' }).problems[0];
    const listed = /must be (.*) \(any case\), got/.exec(refusal)![1].split(/, | or /);
    expect(listed).toEqual(['true', 'false', '1', '0', 'yes', 'no']);
    const table = candidates.map((word) => {
      const accepted = listed.includes(word.toLowerCase());
      const expected = accepted ? { [flag]: ['true', '1', 'yes'].includes(word.toLowerCase()) } : {};
      const viaEnv = inspectSettings([], { [s.env]: word });
      const viaFlag = inspectSettings([`--${flag}`, word], {});
      const viaInline = inspectSettings([`--${flag}=${word}`], {});
      return {
        word,
        env: [viaEnv.settings, viaEnv.problems.length],
        flag: [viaFlag.settings, viaFlag.problems.length],
        inline: [viaInline.settings, viaInline.problems.length],
        want: [expected, accepted ? 0 : 1],
      };
    });
    for (const row of table) {
      expect(row.env, `${s.env}=${row.word}`).toEqual(row.want);
      expect(row.flag, `--${flag} ${row.word}`).toEqual(row.want);
      expect(row.inline, `--${flag}=${row.word}`).toEqual(row.want);
    }
    // Bare, the switch is on; followed by another flag, too.
    expect(inspectSettings([`--${flag}`], {}).settings).toEqual({ [flag]: true });
    expect(inspectSettings([`--${flag}`, '--port', '1'], {}).settings).toEqual({ [flag]: true, port: 1 });
  });
});

describe('KAKUNIN_TRUST_PROXY accepts exactly what its message lists, and Express takes every value it accepts', () => {
  const table: [string, boolean][] = [
    ['true', true],
    ['TRUE', true],
    ['false', true],
    ['False', true],
    ['0', true],
    ['2', true],
    ['99', true],
    ['loopback', true],
    ['linklocal, uniquelocal', true],
    ['10.0.0.1', true],
    ['10.0.0.0/8', true],
    ['10.0.0.0/255.0.0.0', true],
    ['::1', true],
    ['fe80::/10', true],
    ['loopback, 192.168.1.0/24', true],
    ['yes', false],
    ['abc', false],
    ['10.0.0.0/33', false],
    ['fe80::/129', false],
    ['300', false],
    ['10.0.0.1/8/8', false],
    ['loopback, nope', false],
  ];
  it.each(table)('%s', async (value, accepted) => {
    const { inspectConfig } = await import('../../src/service/startup/load-config.js');
    const { config, problems } = inspectConfig([], { KAKUNIN_TRUST_PROXY: value }, { sandbox: true });
    if (!accepted) {
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /^--trust-proxy \/ KAKUNIN_TRUST_PROXY must be false or true \(any case\), a hop count 0\.\.99, or comma-separated loopback, linklocal, uniquelocal, IP addresses and IP\/bits or IP\/netmask subnets, got "/,
      );
      return;
    }
    expect(problems).toEqual([]);
    const { default: express } = await import('express');
    expect(() => express().set('trust proxy', config.trustProxy)).not.toThrow();
  });
});
