/**
 * The on-disk cache of last good revocation lists: what is written, what is restored (verified
 * again, issuer must be an anchor), what is ignored with a warning, and what `kakunin trust lists`
 * shows from it.
 */
import 'reflect-metadata';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTrust } from '../../src/cli/trust.js';
import { createDocumentSigner, createIaca, type SandboxCa } from '../../src/sandbox/index.js';
import { cacheKey, MAX_STATE_FILE_BYTES, RevocationCache } from '../../src/runtime/revocation-cache.js';
import { MAX_LIST_BYTES } from '../../src/trust/status-list.js';
import { RevocationLists, type RevocationListTarget } from '../../src/trust/revocation-lists.js';
import { TrustStore } from '../../src/trust/store.js';
import { coseOfSize, makeCrl, makeStatusList } from '../trust/helpers/lists.js';

const AT = new Date('2026-06-01T00:00:00Z');
const VALIDITY = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
const URL_ = 'http://crl.example/iaca.crl';
let iaca: SandboxCa;
let other: SandboxCa;
let crl: Uint8Array;
let trust: TrustStore;

beforeAll(async () => {
  iaca = await createIaca({ ...VALIDITY, crlDistributionPoint: URL_ });
  other = await createIaca({ ...VALIDITY, commonName: 'other' });
  crl = await makeCrl(iaca, [], new Date('2026-05-31T00:00:00Z'), new Date('2026-06-07T00:00:00Z'));
  trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
});

function filled(): { dir: string; target: RevocationListTarget } {
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-cache-'));
  const cache = new RevocationCache(dir);
  const lists = new RevocationLists({ trust, unavailablePolicy: 'fail', onAccepted: (t, b, at) => cache.saveCopy(t, b, at, '2026-06-07T00:00:00.000Z') });
  const target: RevocationListTarget = { url: URL_, kind: 'crl', issuer: iaca.der };
  lists.accept(target, crl, AT);
  return { dir, target };
}

describe('RevocationCache', () => {
  it('writes the exact bytes and a state file, and restores with the real age', () => {
    const { dir } = filled();
    const key = cacheKey('crl', URL_);
    expect(readdirSync(dir).sort()).toEqual([`${key}.bin`, `${key}.json`]);
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    expect(new RevocationCache(dir).restore(lists, trust, new Date(AT.getTime() + 3600_000))).toBe(1);
    expect(lists.metrics(new Date(AT.getTime() + 3600_000))[0]).toMatchObject({ url: URL_, usable: true, ageSeconds: 3600, lastSuccess: AT.toISOString() });
    expect(lists.checkCertificate(iaca.der, iaca.der, AT).status).toBe('good');
  });

  it('never trusts a cached CRL that does not verify now, whose issuer is not an anchor here, or whose files are corrupt', () => {
    const warnings: string[] = [];
    const warn = (m: string, d: { file: string; code?: string }) => warnings.push(`${m} ${d.code ?? ''}`);
    const { dir } = filled();
    // Expired by now: re-verification refuses it.
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    expect(new RevocationCache(dir).restore(lists, trust, new Date('2026-07-01T00:00:00Z'), warn)).toBe(0);
    expect(warnings.pop()).toContain('CRL_EXPIRED');
    // Another process that does not trust this IACA.
    expect(new RevocationCache(dir).restore(new RevocationLists({ trust, unavailablePolicy: 'fail' }), TrustStore.fromCertificates([other.der]), AT, warn)).toBe(0);
    expect(warnings.pop()).toContain('not a trust anchor');
    // Flipped bytes, a broken state file, a state file under the wrong name.
    const key = cacheKey('crl', URL_);
    const bytes = new Uint8Array(crl);
    bytes[bytes.length - 3] ^= 1;
    writeFileSync(join(dir, `${key}.bin`), bytes);
    writeFileSync(join(dir, `${'a'.repeat(32)}.json`), '{');
    writeFileSync(join(dir, `${'b'.repeat(32)}.json`), JSON.stringify({ url: URL_, kind: 'crl' }));
    const fresh = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    expect(new RevocationCache(dir).restore(fresh, trust, AT, warn)).toBe(0);
    expect(warnings.join('\n')).toMatch(/unreadable state file/);
    expect(warnings.join('\n')).toMatch(/malformed state file/);
    expect(warnings.join('\n')).toMatch(/does not verify, ignored CRL_SIGNATURE_INVALID/);
    expect(fresh.checkCertificate(iaca.der, iaca.der, AT).status).toBe('unavailable');
  });

  it('reads each cached copy only when its turn to be restored comes: never all of them at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cache-'));
    const cache = new RevocationCache(dir);
    const signer = await createDocumentSigner(iaca, { ...VALIDITY, commonName: 'kakunin cache status list signer' });
    for (const n of [1, 2, 3]) {
      const url = `http://status.example/${n}`;
      const token = makeStatusList(url, [0, 1, 0], { key: signer.keys.privateKey, chain: [signer.der] }, new Date('2026-05-31T00:00:00Z'));
      cache.saveCopy({ url, kind: 'status_list', anchor: iaca.der }, token, AT);
    }
    // While the first copy is verified, every copy file goes away: only a copy not yet read is lost.
    let pauses = 0;
    const pause = async () => {
      if (pauses++ === 0) for (const f of readdirSync(dir).filter((name) => name.endsWith('.bin'))) rmSync(join(dir, f));
    };
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    expect(await new RevocationCache(dir).restoreAsync(lists, trust, AT, pause)).toBe(1);
    expect(pauses).toBeGreaterThan(0);
    // The other two are known and wanted again, not restored.
    expect(lists.metrics(AT).filter((m) => m.usable)).toHaveLength(1);
    expect(lists.due(AT)).toHaveLength(2);
  });

  it("a copy of its kind's size limit is restored; a copy past it (damaged: a 3 GiB hole here) is refused from its size, unread, and fetched again; the others are restored", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-cache-'));
    const cache = new RevocationCache(dir);
    const signer = await createDocumentSigner(iaca, { ...VALIDITY, commonName: 'kakunin cache limits signer' });
    const token = (url: string) => makeStatusList(url, [0, 1, 0], { key: signer.keys.privateKey, chain: [signer.der] }, new Date('2026-05-31T00:00:00Z'));
    const at = { url: 'http://status.example/at', kind: 'status_list' as const, anchor: iaca.der };
    const past = { url: 'http://status.example/past', kind: 'status_list' as const, anchor: iaca.der };
    cache.saveCopy(at, coseOfSize(token(at.url), MAX_LIST_BYTES), AT);
    cache.saveCopy(past, coseOfSize(token(past.url), MAX_LIST_BYTES), AT);
    writeFileSync(join(dir, `${cacheKey('status_list', past.url)}.bin`), coseOfSize(token(past.url), MAX_LIST_BYTES + 1));
    // A CRL's copy file as a hole: the filesystem gives 3 GiB of zeros without storing them.
    writeFileSync(join(dir, `${cacheKey('crl', URL_)}.json`), JSON.stringify({ url: URL_, kind: 'crl', issuer: Buffer.from(iaca.der).toString('base64'), fetchedAt: AT.toISOString() }));
    writeFileSync(join(dir, `${cacheKey('crl', URL_)}.bin`), '');
    truncateSync(join(dir, `${cacheKey('crl', URL_)}.bin`), 3 * 1024 ** 3);

    for (const restore of [
      (lists: RevocationLists, warn: (m: string, d: { code?: string }) => void) => Promise.resolve(new RevocationCache(dir).restore(lists, trust, AT, warn)),
      (lists: RevocationLists, warn: (m: string, d: { code?: string }) => void) => new RevocationCache(dir).restoreAsync(lists, trust, AT, () => Promise.resolve(), warn),
    ]) {
      const warnings: string[] = [];
      const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
      expect(await restore(lists, (m, d) => warnings.push(`${m} ${d.code ?? ''}`))).toBe(1);
      expect(
        lists
          .metrics(AT)
          .filter((m) => m.usable)
          .map((m) => m.url),
      ).toEqual([at.url]);
      expect(warnings.sort()).toEqual(['revocation cache: cached copy does not verify, ignored CRL_MALFORMED', 'revocation cache: cached copy does not verify, ignored STATUS_LIST_MALFORMED']);
      expect(
        lists
          .due(AT)
          .map((t) => t.url)
          .sort(),
      ).toEqual([URL_, past.url]);
    }
  });

  it(`a state file of ${MAX_STATE_FILE_BYTES} bytes is read; one byte more is an unreadable state file, skipped`, () => {
    const { dir } = filled();
    const file = join(dir, `${cacheKey('crl', URL_)}.json`);
    const state = JSON.stringify({ url: URL_, kind: 'crl', issuer: Buffer.from(iaca.der).toString('base64'), fetchedAt: AT.toISOString() });
    for (const [size, restored] of [
      [MAX_STATE_FILE_BYTES, 1],
      [MAX_STATE_FILE_BYTES + 1, 0],
    ] as const) {
      writeFileSync(file, state + ' '.repeat(size - state.length));
      const warnings: string[] = [];
      expect(new RevocationCache(dir).restore(new RevocationLists({ trust, unavailablePolicy: 'fail' }), trust, AT, (m) => warnings.push(m))).toBe(restored);
      expect(warnings).toEqual(restored ? [] : ['revocation cache: unreadable state file ignored']);
    }
  });

  it('a missing folder is an empty cache', () => {
    expect(new RevocationCache(join(tmpdir(), 'kakunin-no-such-dir-x')).load()).toEqual([]);
  });
});

describe('kakunin trust lists / list', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
  };

  it('shows URL, kind, age, valid until and last error of each cached list', async () => {
    const { dir, target } = filled();
    new RevocationCache(dir).saveStates(
      [{ url: URL_, kind: 'crl', usable: true, lastAttempt: '2026-06-01T01:00:00.000Z', lastError: { code: 'FETCH_FAILED', message: 'HTTP 503 from crl.example', at: '2026-06-01T01:00:00.000Z' } }],
      [target],
    );
    const a = io();
    expect(await runTrust(['lists', '--revocation-cache', dir, '--json'], a.io)).toBe(0);
    const rows = JSON.parse(a.out[0]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ url: URL_, kind: 'crl', fetchedAt: AT.toISOString(), validUntil: '2026-06-07T00:00:00.000Z', lastError: { code: 'FETCH_FAILED' } });
    expect(rows[0].ageSeconds).toBeGreaterThan(0);
    const b = io();
    expect(await runTrust(['list', '--revocation-cache', dir], b.io)).toBe(0);
    const text = b.out.join('\n');
    expect(text).toContain('revocation lists');
    expect(text).toMatch(new RegExp(`crl\\t${URL_.replace(/\./g, '\\.')}\\tage \\d+[smhd]\\tvalid until 2026-06-07T00:00:00.000Z.*last error FETCH_FAILED`));
    const c = io();
    expect(await runTrust(['lists', '--revocation-cache', join(dir, 'none')], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('none cached');
  });
});
