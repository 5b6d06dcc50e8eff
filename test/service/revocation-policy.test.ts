/**
 * Service revocation settings and trust per purpose: KAKUNIN_REVOCATION defaults and validation,
 * the warn policy (accepts only a document short of a revocation answer, never turns it into a
 * pass), and the residency purpose restricted to J-LIS (plus sandbox in sandbox mode).
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { CheckResult, DocumentResult, VerificationResult } from '../../src/mdoc/result.js';
import { presetPurposes } from '../../src/policy/index.js';
import { createIaca } from '../../src/sandbox/index.js';
import { trustPerPurpose } from '../../src/service/build-context.js';
import { ConfigError, loadConfig } from '../../src/service/config.js';
import { acceptUnavailableRevocation } from '../../src/service/revocation-warn.js';
import { TrustStore } from '../../src/trust/store.js';

const KEYS = { KAKUNIN_API_KEYS: 'k'.repeat(16) };

describe('KAKUNIN_REVOCATION', () => {
  it('defaults to fail in serve and warn in sandbox; the cache folder defaults to .kakunin/revocation', () => {
    expect(loadConfig([], KEYS, { sandbox: false })).toMatchObject({ revocation: 'fail', revocationCacheDir: '.kakunin/revocation', revocationRefreshSeconds: 300, revocationAllowPrivate: false });
    expect(loadConfig([], {}, { sandbox: true }).revocation).toBe('warn');
    expect(loadConfig(['--revocation', 'off', '--revocation-cache', 'none'], KEYS, { sandbox: false })).toMatchObject({ revocation: 'off' });
    expect(loadConfig(['--revocation-cache', 'none'], KEYS, { sandbox: false }).revocationCacheDir).toBeUndefined();
    expect(loadConfig([], { ...KEYS, KAKUNIN_REVOCATION: 'warn', KAKUNIN_REVOCATION_ALLOW_PRIVATE: 'true' }, { sandbox: false })).toMatchObject({ revocation: 'warn', revocationAllowPrivate: true });
  });

  it('refuses anything else with a message naming the setting', () => {
    expect(() => loadConfig(['--revocation', 'maybe'], KEYS, { sandbox: false })).toThrow(ConfigError);
    expect(() => loadConfig(['--revocation', 'maybe'], KEYS, { sandbox: false })).toThrow(/KAKUNIN_REVOCATION must be fail, warn or off/);
    expect(() => loadConfig(['--revocation-refresh', '1'], KEYS, { sandbox: false })).toThrow(/KAKUNIN_REVOCATION_REFRESH/);
  });
});

describe('warn policy', () => {
  const pass = (check: CheckResult['check']): CheckResult => ({ check, status: 'pass' });
  const doc = (extra: CheckResult[]): DocumentResult => ({
    docType: 'org.iso.23220.1.jp.mnc',
    valid: false,
    elements: { issuerSigned: {}, deviceSigned: {} },
    checks: [pass('issuer_certificate_chain'), pass('issuer_signature'), ...extra],
  });
  const result = (d: DocumentResult): VerificationResult => ({
    valid: false,
    documents: [d],
    errors: d.checks.filter((c) => c.status !== 'pass').map((c) => ({ code: c.code!, message: c.check, document: 0 })),
  });

  it('accepts a document whose only shortfall is a revocation check that could not run, keeping it not_run', () => {
    const r = result(doc([{ check: 'issuer_revocation', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: 'no CRL' }, { check: 'status', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: 'no list' }]));
    const out = acceptUnavailableRevocation(r);
    expect(out.accepted).toBe(1);
    expect(out.result.valid).toBe(true);
    expect(out.result.errors).toEqual([]);
    expect(out.result.documents[0].checks.find((c) => c.check === 'status')).toMatchObject({ status: 'not_run', code: 'STATUS_UNAVAILABLE' });
    expect(r.valid).toBe(false);
  });

  it('never lifts a revoked document, a failed unavailable check, or one with any other shortfall', () => {
    const cases: CheckResult[][] = [
      [{ check: 'status', status: 'fail', code: 'STATUS_REVOKED', message: 'x' }],
      [{ check: 'issuer_revocation', status: 'fail', code: 'STATUS_UNAVAILABLE', message: 'x' }],
      [{ check: 'status', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: 'x' }, { check: 'device_authentication', status: 'not_run', code: 'TRANSCRIPT_MISSING', message: 'x' }],
      [{ check: 'status', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: 'x' }, { check: 'value_digests', status: 'fail', code: 'DIGEST_MISMATCH', message: 'x' }],
    ];
    for (const extra of cases) {
      const out = acceptUnavailableRevocation(result(doc(extra)));
      expect(out.accepted).toBe(0);
      expect(out.result.valid).toBe(false);
    }
  });
});

describe('trust per purpose', () => {
  it('residency verifies against J-LIS only in serve mode, J-LIS and sandbox in sandbox mode; others keep the whole store', async () => {
    const make = async (set: string) => TrustStore.fromCertificates([(await createIaca({ commonName: set })).der], { set });
    const trust = TrustStore.merge(await make('jp-jlis'), await make('us-aamva'), await make('sandbox'));
    const serve = trustPerPurpose(presetPurposes(), trust, false);
    expect(serve.trust.get('residency')!.sets).toEqual(['jp-jlis']);
    expect(serve.purposes.get('residency')!.trustSets).toEqual(['jp-jlis']);
    expect(serve.trust.get('age_over')).toBe(trust);
    expect(serve.unmatched).toEqual([]);
    const demo = trustPerPurpose(presetPurposes(), trust, true);
    expect(demo.trust.get('residency')!.sets.sort()).toEqual(['jp-jlis', 'sandbox']);
    // A purpose configured with its own sets keeps them; one whose sets are not loaded is reported.
    const configured = trustPerPurpose(presetPurposes({ trustSets: ['us-aamva'] }), trust, false);
    expect(configured.trust.get('residency')!.sets).toEqual(['us-aamva']);
    const missing = trustPerPurpose(presetPurposes({ trustSets: ['eu-pid'] }), trust, false);
    expect(missing.unmatched.map((u) => u.purpose).sort()).toEqual(['age_over', 'kyc', 'residency']);
    expect(missing.trust.get('kyc')!.anchors).toHaveLength(0);
  });
});
