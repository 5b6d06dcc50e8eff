/**
 * The receipt's aud is public (the result view shows the receipt): it must not let anyone test guesses
 * of the API key offline, and a weak API key must not start the service at all.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyPair } from '../../src/cose/key-pair.js';
import { apiKeyWeakness, ReceiptAudience } from '../../src/service/http/api-key.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { ConfigError, loadConfig } from '../../src/service/startup/load-config.js';
import { startServe, type StartedService } from '../../src/service/startup/serve.js';
import { ReceiptSigner } from '../../src/service/verifications/receipts.js';
import { freePort } from './helpers.js';

// A key a person chose: long enough for the old rule (16), found in any wordlist of such keys.
const HUMAN_KEY = 'shop-tokyo-2026-apikey-password1';
const keyFile = join(mkdtempSync(join(tmpdir(), 'kakunin-aud-')), 'receipt.pem');
writeFileSync(keyFile, newKeyPair('P-256').privateKey.export({ format: 'pem', type: 'pkcs8' }));
let svc: StartedService;

beforeAll(async () => {
  svc = await startServe(['--port', String(await freePort()), '--api-keys', HUMAN_KEY, '--receipt-key', keyFile], { env: { KAKUNIN_REVOCATION: 'off' }, logger: createLogger('silent') });
});
afterAll(async () => svc?.close());

async function audienceOf(service: StartedService, key: string): Promise<string> {
  const res = await fetch(`${service.url}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ purpose: 'age_over' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { receipt_audience: string }).receipt_audience;
}

describe('receipt audience', () => {
  it('gives an offline dictionary search nothing to match: no unkeyed hash of the right guess appears in it', async () => {
    const aud = await audienceOf(svc, HUMAN_KEY);
    const dictionary = ['password', 'shop-tokyo-2026-apikey', HUMAN_KEY, `${HUMAN_KEY}\n`, 'apikey-password1'];
    for (const guess of dictionary) {
      for (const alg of ['sha256', 'sha1', 'sha512', 'md5']) {
        const digest = createHash(alg).update(guess).digest();
        for (const text of [digest.toString('hex'), digest.toString('base64url')]) expect(aud.includes(text.slice(0, 12)), `${alg}(${guess})`).toBe(false);
      }
    }
    expect(aud).toMatch(/^kakunin-client:[\w-]{8}\.[\w-]{22}$/);
  });

  it('is the same on every instance with the receipt key, names it, and is another under another key', async () => {
    const signer = ReceiptSigner.fromPemFile(keyFile, svc.url);
    const aud = await audienceOf(svc, HUMAN_KEY);
    expect(ReceiptAudience.fromSecret(signer.deriveSecret('receipt audience'), signer.kid).of(HUMAN_KEY)).toBe(aud);
    expect(aud.slice('kakunin-client:'.length, 'kakunin-client:'.length + 8)).toBe(signer.kid.slice(0, 8));
    const rotated = ReceiptSigner.ephemeral(svc.url);
    const after = ReceiptAudience.fromSecret(rotated.deriveSecret('receipt audience'), rotated.kid).of(HUMAN_KEY);
    expect(after).not.toBe(aud);
    expect(after.startsWith(`kakunin-client:${rotated.kid.slice(0, 8)}.`)).toBe(true);
  });
});

describe('API key strength at start-up', () => {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  it.each([
    ['16 characters (the old minimum)', 'k-0123456789abcd', /shorter than 32 characters \(16\)/],
    ['31 hex digits', hex(16).slice(0, 31), /shorter than 32 characters \(31\)/],
    ['one character repeated', 'k'.repeat(48), /only 1 different characters/],
    ['a few characters', 'abcabcabcabcabcabcabcabcabcabcabc', /only 3 different characters/],
    ['32 digits', '31415926535897932384626433832795', /about 106 bits by its alphabet and length, below 128/],
  ])('refuses %s, naming the setting and the flag but never the key', (_, key, why) => {
    expect(apiKeyWeakness(key)).toMatch(why);
    for (const sandbox of [false, true]) {
      let error: unknown;
      try {
        loadConfig(['--api-keys', `${hex(24)},${key}`], {}, { sandbox });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('KAKUNIN_API_KEYS');
      expect(message).toContain('--api-keys');
      expect(message).not.toContain(key);
      if (key.length >= 32) expect(message).toMatch(/key 2 of 2 is too weak/);
    }
  });

  it('accepts random keys: kakunin keys init (48 hex digits), 32 hex digits, base64url', () => {
    for (let i = 0; i < 200; i++) {
      for (const key of [hex(24), hex(16), randomBytes(24).toString('base64url')]) expect(apiKeyWeakness(key), key).toBeUndefined();
    }
    expect(loadConfig(['--api-keys', hex(24)], {}, { sandbox: false }).apiKeys).toHaveLength(1);
  });

  it('a weak key stops serve before it listens', async () => {
    await expect(startServe(['--port', String(await freePort()), '--api-keys', 'k-0123456789abcdef0123'], { env: {}, logger: createLogger('silent') })).rejects.toThrow(/KAKUNIN_API_KEYS/);
  });
});
