import { spawnSync } from 'node:child_process';
import { diffieHellman, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newJwkPair, newKeyPair, type KeyPairCurve } from '../../src/cose/key-pair.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('newKeyPair / newJwkPair', () => {
  for (const curve of ['P-256', 'P-384', 'P-521', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1', 'Ed25519', 'Ed448'] as KeyPairCurve[]) {
    it(`${curve}: the public key is the private key's and signatures verify`, () => {
      const { privateKey, publicKey } = newKeyPair(curve);
      expect(privateKey.type).toBe('private');
      expect(publicKey.type).toBe('public');
      const data = Buffer.from('確認');
      const hash = curve.startsWith('Ed') ? null : 'sha256';
      expect(verify(hash, data, publicKey, sign(hash, data, privateKey))).toBe(true);
      // Two calls, two keys.
      expect(newKeyPair(curve).publicKey.equals(publicKey)).toBe(false);
    });
  }

  it('X25519 and X448 agree on a secret', () => {
    for (const curve of ['X25519', 'X448'] as const) {
      const a = newKeyPair(curve);
      const b = newKeyPair(curve);
      expect(diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey })).toEqual(diffieHellman({ privateKey: b.privateKey, publicKey: a.publicKey }));
    }
  });

  it('newJwkPair gives matching private and public JWKs', () => {
    const { privateJwk, publicJwk } = newJwkPair('P-256');
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y });
    expect(typeof privateJwk.d).toBe('string');
    expect(publicJwk.d).toBeUndefined();
  });

  // The regression this module exists for: run in a child so that a deadlock is a timeout, not a
  // test runner that never returns. --gc-interval makes V8 collect every 97 allocations, so that a
  // collection lands inside an export often: with generateKeyPairSync + export the same loop hung
  // in 4 runs of 5 (Node 20.20.2); this one runs through in about 5 s.
  it('generating and exporting keys as JWK 10,000 times over, collecting all the while, does not hang', () => {
    const r = spawnSync(process.execPath, ['--gc-interval=97', '--import', 'tsx', join(ROOT, 'test/cose/fixtures/export-loop.ts'), '10000'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.error, 'the loop did not finish in 60 s: a key export deadlocked').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('done 10000\n');
  }, 120_000);

  it('nothing else in src/ calls generateKeyPairSync', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const callers = files(join(ROOT, 'src'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('key-pair.ts'))
      .filter((f) => readFileSync(f, 'utf8').includes('generateKeyPairSync'));
    expect(callers).toEqual([]);
  });
});
