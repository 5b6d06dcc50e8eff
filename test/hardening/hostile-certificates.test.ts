/**
 * Issue 12 item 2: hostile certificates in answers cost little and keep memory flat. Every answer
 * that decrypts is verified, and its x5chain certificates used to be parsed and cached by their bytes
 * (2,048 of them, whatever their size): 216 answers with a 480 KB certificate exhausted a 256 MiB
 * heap. Now certificates over CERTIFICATE_LIMITS are refused before parsing and only paths that reach
 * a trust anchor are kept.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./children/hostile-certificates.ts', import.meta.url));
/** The stated bound: 2,000 hostile answers (1,800 distinct 15 KB certificates, 200 of 480 KB) grow
 * the heap by less than 8 MiB; measured: about 1 MiB. */
const HEAP_BOUND = 8 * 1024 * 1024;

describe('hostile certificates', () => {
  it('2,000 answers with distinct hostile certificates: heap growth under 8 MiB, nothing cached, each refused with a code', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, '2000'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const figures = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(figures.answers).toBe(2000);
    expect(figures.chains).toBe(0);
    expect(figures.heapGrowth).toBeLessThan(HEAP_BOUND);
    expect(figures.codes).toEqual(expect.arrayContaining(['ISSUER_CERT_PROFILE', 'ISSUER_CERT_UNTRUSTED']));
    expect(figures.codes).not.toContain('ISSUER_CERT_MISSING');
  }, 120_000);
});
