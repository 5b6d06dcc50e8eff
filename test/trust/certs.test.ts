/**
 * The shipped trust anchors: every side file matches its certificate, production sets hold no test
 * roots, and the fingerprints the sources publish are the ones we ship.
 */
import 'reflect-metadata';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrustStore } from '../../src/runtime/trust-folder.js';

const CERTS = join(import.meta.dirname, '../../certs');
const PRODUCTION = ['jp-jlis', 'apple', 'google-wallet', 'us-aamva', 'us-states'];

function derOf(file: string): Buffer {
  const raw = readFileSync(file);
  const text = raw.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return raw;
  return Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function anchors(set: string): { pem: string; side: Record<string, unknown> }[] {
  return readdirSync(join(CERTS, set))
    .filter((f) => f.endsWith('.pem') || f.endsWith('.der'))
    .map((f) => ({ pem: join(CERTS, set, f), side: JSON.parse(readFileSync(join(CERTS, set, f.replace(/\.(pem|der)$/, '.json')), 'utf8')) }));
}

describe('certs/', () => {
  const sets = readdirSync(CERTS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  it('has the agreed production sets', () => {
    for (const s of PRODUCTION) expect(sets).toContain(s);
  });

  it.each(sets)('set %s: side files match the certificates', (set) => {
    const list = anchors(set);
    expect(list.length).toBeGreaterThan(0);
    for (const { pem, side } of list) {
      const der = derOf(pem);
      expect(side.sha256, pem).toBe(createHash('sha256').update(der).digest('hex'));
      expect(typeof side.name).toBe('string');
      expect(typeof side.source).toBe('string');
      expect(Array.isArray(side.docTypes)).toBe(true);
      expect(side.country).toMatch(/^[A-Z]{2}$/);
      const cert = new X509Certificate(der);
      expect(cert.ca, pem).toBe(true);
      expect(side.test).toBe(set === 'test' || set === 'sandbox');
    }
  });

  it('keeps test roots out of production sets', () => {
    const testShas = new Set(anchors('test').map((a) => a.side.sha256));
    for (const set of PRODUCTION) {
      for (const { side } of anchors(set)) {
        expect(testShas.has(side.sha256)).toBe(false);
        expect(String(side.name)).not.toMatch(/test|utopia|multipaz/i);
      }
    }
  });

  it('ships the fingerprints the publishers state', () => {
    const sha = (set: string) => anchors(set).map((a) => a.side.sha256);
    expect(sha('jp-jlis')).toEqual(['6e8a3108609316961d142426ce842b7927fd281755317056e1574eb9ede80a0e']);
    expect(anchors('jp-jlis')[0].side.docTypes).toEqual(['org.iso.23220.1.jp.mnc']);
    expect(sha('apple')).toEqual(['368abe90153936dbcd28b81e21c93b4b5e372898ff73a0c2b707697de252e926']);
    expect(sha('google-wallet').sort()).toEqual(['2fa839cf8e08c3579f593ca85d0c0f75a077c4a434c0059dca9fcdf13b9a5b05', '4fa86d55a1da105ee3ab1706a60d2f80841d473773419b309d85df1b407b29e5']);
    expect(sha('us-aamva')).toHaveLength(14);
    expect(sha('us-aamva/vical-signer-roots')).toContain('3b545614be42ef018b1c1050ebce9b96fa33ecec0c7115b8e70664c6454c5104');
    expect(anchors('test/vical-signer-roots').every((a) => a.side.test === true)).toBe(true);
  });

  it('loads as a trust store without test roots or VICAL signer roots', () => {
    const store = loadTrustStore([CERTS]);
    const shas = new Set(store.anchors.map((a) => a.certificate.sha256));
    expect(store.sets.sort()).toEqual([...PRODUCTION].sort());
    expect(store.anchors.every((a) => !a.test)).toBe(true);
    expect(shas.has('3b545614be42ef018b1c1050ebce9b96fa33ecec0c7115b8e70664c6454c5104')).toBe(false);
    for (const { side } of anchors('test')) expect(shas.has(side.sha256 as string)).toBe(false);
    const withTest = loadTrustStore([CERTS], { includeTest: true });
    expect(withTest.sets).toContain('test');
  });
});
