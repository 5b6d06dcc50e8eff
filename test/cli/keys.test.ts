/**
 * `kakunin keys init` writes what compose.yaml expects, and the service starts with it.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeys } from '../../src/cli/keys.js';
import { loadVerifierIdentity } from '../../src/runtime/verifier-identity-files.js';
import { runServe } from '../../src/service/startup/serve.js';
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
    const svc = await runServe(['--port', String(await freePort()), '--api-keys', env.KAKUNIN_API_KEYS], {
      env: { KAKUNIN_RECEIPT_KEY_FILE: join(dir, 'receipt.pem'), KAKUNIN_VERIFIER_CERT_FILE: join(dir, 'verifier.pem'), KAKUNIN_VERIFIER_KEY_FILE: join(dir, 'verifier.key.pem'), LOG_LEVEL: 'silent' },
    });
    try {
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    } finally {
      await svc.close();
    }
  }, 60_000);

  it('puts the secrets in .gitignore and .dockerignore: creates them, adds what is missing, says which', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kakunin-keys-'));
    writeFileSync(join(root, '.gitignore'), 'node_modules/\n.env');
    const a = io();
    expect(await runKeys(['init', '--dir', join(root, 'secrets')], a.io)).toBe(0);
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toEqual(['node_modules/', '.env', '# secrets written by `kakunin keys init`', 'secrets/', '']);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['secrets/', '.env']);
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
