/**
 * `kakunin keys init` writes what compose.yaml expects, and the service starts with it.
 */
import { createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeys } from '../../src/cli/keys.js';
import { loadVerifierIdentity } from '../../src/runtime/verifier-identity-files.js';
import { startServe } from '../../src/service/startup/serve.js';
import { parseStoreKey } from '../../src/service/store/store-cipher.js';
import { freePort } from '../service/helpers.js';

function io() {
  const out: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) }, out };
}

describe('kakunin keys init', () => {
  it('writes the receipt key, a development verifier certificate and .env; keeps them on a second run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kakunin-keys-'));
    const dir = join(root, 'secrets');
    const a = io();
    expect(await runKeys(['init', '--dir', dir], a.io)).toBe(0);
    expect(a.out.filter((l) => l.startsWith('written'))).toHaveLength(5);
    expect(createPrivateKey(readFileSync(join(dir, 'receipt.pem'))).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    const identity = loadVerifierIdentity(join(dir, 'verifier.pem'), join(dir, 'verifier.key.pem'));
    expect(identity.dnsNames).toContain('localhost');
    const env = Object.fromEntries(
      readFileSync(join(root, '.env'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('=') as [string, string]),
    );
    expect(env.KAKUNIN_API_KEYS).toMatch(/^[0-9a-f]{48}$/);
    expect(parseStoreKey(env.KAKUNIN_STORE_KEY)?.length).toBe(32);

    const before = readFileSync(join(dir, 'receipt.pem'), 'utf8');
    const b = io();
    await runKeys(['init', '--dir', dir], b.io);
    expect(b.out.filter((l) => l.startsWith('kept'))).toHaveLength(5);
    expect(readFileSync(join(dir, 'receipt.pem'), 'utf8')).toBe(before);
    await runKeys(['init', '--dir', dir, '--force'], b.io);
    expect(readFileSync(join(dir, 'receipt.pem'), 'utf8')).not.toBe(before);

    // The service starts with exactly these files, as compose passes them.
    const svc = await startServe(['--port', String(await freePort()), '--api-keys', env.KAKUNIN_API_KEYS], {
      env: { KAKUNIN_RECEIPT_KEY_FILE: join(dir, 'receipt.pem'), KAKUNIN_VERIFIER_CERT_FILE: join(dir, 'verifier.pem'), KAKUNIN_VERIFIER_KEY_FILE: join(dir, 'verifier.key.pem'), LOG_LEVEL: 'silent' },
    });
    try {
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    } finally {
      await svc.close();
    }
  }, 60_000);

  it('writes the compose secrets so the container (uid 1000) can read them: a 0700 folder, 0644 keys, .env 0600', async () => {
    const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);
    const root = mkdtempSync(join(tmpdir(), 'kakunin-keys-'));
    const dir = join(root, 'secrets');
    const a = io();
    const umask = process.umask(0o077); // the strictest umask a user may have: modes are set, not left to it
    try {
      expect(await runKeys(['init', '--dir', dir], a.io)).toBe(0);
    } finally {
      process.umask(umask);
    }
    expect(mode(dir)).toBe('700');
    for (const f of ['receipt.pem', 'verifier.pem', 'verifier.key.pem', 'verifier-root.pem']) expect(mode(join(dir, f)), f).toBe('644');
    expect(mode(join(root, '.env'))).toBe('600');
    expect(a.out).toContain(`written  ${join(dir, 'receipt.pem')} (mode 644)`);

    // A folder that already lets others in is not changed: its keys stay 0600 and the output says what to do.
    const open = join(mkdtempSync(join(tmpdir(), 'kakunin-keys-')), 'shared');
    mkdirSync(open);
    chmodSync(open, 0o755);
    const b = io();
    expect(await runKeys(['init', '--dir', open], b.io)).toBe(0);
    expect(mode(open)).toBe('755');
    expect(mode(join(open, 'receipt.pem'))).toBe('600');
    expect(b.out.find((l) => l.startsWith('note'))).toMatch(/open to other users \(mode 755\).*uid 1000.*chmod 700 .*shared && chmod 644/);

    // keys csr writes the verifier key the same way.
    const c = io();
    const csrDir = join(root, 'csr-secrets');
    expect(await runKeys(['csr', '--dir', csrDir, '--domain', 'verify.example.jp', '--country', 'JP', '--state', 'Tokyo', '--org', 'Example KK', '--email', 'ops@example.jp'], c.io)).toBe(0);
    expect(mode(csrDir)).toBe('700');
    expect(mode(join(csrDir, 'verifier.key.pem'))).toBe('644');
  }, 60_000);

  it('the compose files mount exactly what keys init writes, where their variables point, into the image that runs as node', async () => {
    const repo = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');
    const root = mkdtempSync(join(tmpdir(), 'kakunin-keys-'));
    await runKeys(['init', '--dir', join(root, 'secrets')], io().io);
    expect(repo('Dockerfile')).toMatch(/^USER node$/m);
    for (const compose of ['compose.yaml', 'compose.cluster.yaml']) {
      const text = repo(compose);
      const secrets = Object.fromEntries([...text.matchAll(/^ {2}(\w+):\n {4}file: (\S+)$/gm)].map((m) => [m[1], m[2]]));
      expect(Object.keys(secrets).sort(), compose).toEqual(['receipt_key', 'verifier_cert', 'verifier_key']);
      for (const file of Object.values(secrets)) expect(existsSync(join(root, file)), `${compose}: ${file}`).toBe(true);
      const pointed = [...text.matchAll(/KAKUNIN_\w+_FILE: \/run\/secrets\/(\w+)/g)].map((m) => m[1]).sort();
      expect(pointed, compose).toEqual(['receipt_key', 'verifier_cert', 'verifier_key']);
      expect(text, compose).toMatch(/secrets: \[receipt_key, verifier_cert, verifier_key\]/);
      // Mounted with their host mode, they must be readable by a uid that is not their owner.
      for (const file of Object.values(secrets)) expect(statSync(join(root, file)).mode & 0o004, `${compose}: ${file}`).toBe(0o004);
    }
  });

  it('puts the secrets in .gitignore and .dockerignore: creates them, adds what is missing, says which', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kakunin-keys-'));
    writeFileSync(join(root, '.gitignore'), 'node_modules/\n.env');
    const a = io();
    expect(await runKeys(['init', '--dir', join(root, 'secrets')], a.io)).toBe(0);
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toEqual(['node_modules/', '.env', '# secrets written by `kakunin keys init`', 'secrets/', '']);
    expect(
      readFileSync(join(root, '.dockerignore'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual(['secrets/', '.env']);
    expect(a.out).toContain(`added    secrets/ to ${join(root, '.gitignore')}`);
    expect(a.out).toContain(`created  secrets/, .env to ${join(root, '.dockerignore')}`);
    expect(a.out.join('\n')).not.toContain('already excluded');
    const b = io();
    await runKeys(['init', '--dir', join(root, 'secrets'), '--force'], b.io);
    expect(b.out).toContain(`ignored  secrets/, .env (already in ${join(root, '.gitignore')})`);
  }, 60_000);

  it('refuses anything but init', async () => {
    await expect(runKeys(['rotate'], io().io)).rejects.toThrow(/expected "init"/);
  });
});
