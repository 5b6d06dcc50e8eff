import 'reflect-metadata';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrust } from '../../src/cli/trust.js';

const VEC = join(import.meta.dirname, '../vectors');
const CERTS = join(import.meta.dirname, '../../certs');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

describe('kakunin trust', () => {
  it('import-vical writes the AAMVA IACAs into a set; list shows them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-'));
    const a = io();
    const code = await runTrust(
      [
        'import-vical',
        join(VEC, 'aamva-vical-isomdl/aamva-vical-2025-11-18-1763491092481.cbor'),
        '--root',
        join(CERTS, 'us-aamva/vical-signer-roots/aamva-dts-root-ca.pem'),
        '--into',
        'us-aamva',
        '--certs',
        dir,
        '--at',
        '2025-11-18T20:00:00Z',
        '--json',
      ],
      a.io,
    );
    expect(a.err).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(a.out[0]);
    expect(summary).toMatchObject({ vicalProvider: 'AAMVA', vicalIssueID: 227602, set: 'us-aamva' });
    expect(summary.written).toHaveLength(14);
    expect(readdirSync(join(dir, 'us-aamva'))).toHaveLength(28);
    const b = io();
    expect(await runTrust(['list', '--certs', dir, '--json'], b.io)).toBe(0);
    const rows = JSON.parse(b.out[0]);
    expect(rows).toHaveLength(14);
    expect(rows[0]).toMatchObject({ set: 'us-aamva', country: 'US', docTypes: ['org.iso.18013.5.1.mDL'], maySign: 'org.iso.18013.5.1.mDL' });
    expect(Object.keys(rows[0]).sort()).toEqual(['country', 'docTypes', 'maySign', 'name', 'notAfter', 'notBefore', 'set', 'sha256', 'source', 'subject', 'test', 'validity']);
  });

  it('rejects the VICAL today (signer certificate expired 2026-04-18) with exit 1 and a code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-'));
    const a = io();
    const code = await runTrust(
      [
        'import-vical',
        join(VEC, 'aamva-vical-isomdl/aamva-vical-2025-11-18-1763491092481.cbor'),
        '--root',
        join(CERTS, 'us-aamva/vical-signer-roots/aamva-dts-root-ca.pem'),
        '--into',
        'us-aamva',
        '--certs',
        dir,
        '--at',
        '2026-11-21T00:00:00Z',
        '--allow-stale',
      ],
      a.io,
    );
    expect(code).toBe(1);
    expect(a.err[0]).toContain('VICAL_EXPIRED');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects the Austroads VICAL under the AAMVA root', async () => {
    const a = io();
    const code = await runTrust(
      [
        'import-vical',
        join(VEC, 'vicals-multipaz-parser-test/austroads_vical_2024-09-19.cbor'),
        '--root',
        join(CERTS, 'us-aamva/vical-signer-roots/aamva-dts-root-ca.pem'),
        '--into',
        'au',
        '--certs',
        mkdtempSync(join(tmpdir(), 'k-')),
        '--at',
        '2024-09-20T00:00:00Z',
      ],
      a.io,
    );
    expect(code).toBe(1);
    expect(a.err[0]).toContain('VICAL_UNTRUSTED');
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['import-vical'],
      ['import-vical', 'x.cbor', '--into', 'x'],
      ['import-vical', '/nonexistent', '--root', '/nonexistent', '--into', 'x'],
      ['import-vical', 'x', '--root', 'y', '--into', 'test'],
      ['list', '--bogus'],
    ]) {
      const a = io();
      expect(await runTrust(args, a.io)).toBe(2);
    }
  });

  it('list shows the shipped production sets, and test roots only when asked', async () => {
    const a = io();
    expect(await runTrust(['list'], a.io)).toBe(0);
    const text = a.out.join('\n');
    expect(text).toContain('jp-jlis\tJP\t6e8a3108609316961d142426ce842b7927fd281755317056e1574eb9ede80a0e\t2025-01-29..2030-05-28');
    expect(text).not.toContain('[TEST]');
    // What each anchor may sign: J-LIS the My Number Card; an anchor without a list anything else.
    expect(text).toMatch(/jp-jlis\t.*\tmay sign: org\.iso\.23220\.1\.jp\.mnc\t/);
    expect(text).toMatch(/apple\t.*\tmay sign: any docType but org\.iso\.23220\.1\.jp\.mnc\t/);
    const b = io();
    expect(await runTrust(['list', '--test-roots'], b.io)).toBe(0);
    expect(b.out.join('\n')).toContain('utopia');
    expect(b.out.join('\n')).toContain('[TEST]');
    expect(b.out.join('\n')).toContain('may sign: any docType (test anchor)');
  });

  it('list marks expired anchors and those expiring within 90 days, as of --at', async () => {
    const a = io();
    expect(await runTrust(['list', '--at', '2026-12-01T00:00:00Z'], a.io)).toBe(0);
    const text = a.out.join('\n');
    expect(text).toMatch(/us-aamva\t.*\t2\d{3}-\d\d-\d\d\.\.2026-01-10\tCN=VA mID IACA, .*\t\[EXPIRED 2026-01-10\]/);
    expect(text).toMatch(/anchors in \d+ sets; \d+ expired/);
    const b = io();
    expect(await runTrust(['list', '--at', '2025-12-01T00:00:00Z', '--json'], b.io)).toBe(0);
    const rows = JSON.parse(b.out[0]) as { subject: string; validity: string }[];
    expect(rows.find((r) => r.subject.startsWith('CN=VA mID IACA'))?.validity).toBe('expiring');
    const c = io();
    expect(await runTrust(['list', '--at', '2025-12-01T00:00:00Z'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/CN=VA mID IACA, .*\t\[EXPIRES IN 41 DAYS\]/);
  });

  it('--help names every command, trust lists among them', async () => {
    const a = io();
    expect(await runTrust(['--help'], a.io)).toBe(0);
    for (const command of ['import-vical', 'list', 'lists']) expect(a.out.join('\n')).toContain(`kakunin trust ${command} `);
  });

  it('list names a file it skipped', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-'));
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    const { cpSync } = await import('node:fs');
    cpSync(join(CERTS, 'jp-jlis/mncmdocRootCA.pem'), join(dir, 'jlis.pem'));
    const a = io();
    expect(await runTrust(['list', '--certs', dir], a.io)).toBe(0);
    expect(a.err.join('\n')).toMatch(/kakunin trust: skipped .*junk\.pem: not a readable X\.509 certificate/);
    expect(a.out.join('\n')).toContain('1 anchors in 1 sets');
  });
});
