/**
 * Service revocation settings and trust per purpose: KAKUNIN_REVOCATION defaults and validation,
 * one decision rule in every revocation mode (warn excuses only a revocation answer that could not
 * be had, never an element finding), and the residency purpose restricted to J-LIS (plus sandbox
 * in sandbox mode).
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { CheckResult, DocumentResult, VerificationResult } from '../../src/mdoc/result.js';
import { presetPurposes } from '../../src/policy/index.js';
import { createIaca } from '../../src/sandbox/index.js';
import { trustPerPurpose } from '../../src/service/startup/build-context.js';
import { ConfigError, loadConfig } from '../../src/service/startup/load-config.js';
import { checkRequestedElements } from '../../src/protocols/request/element-check.js';
import type { PresentationRequest } from '../../src/protocols/request/presentation-request.js';
import { reduceToDecision } from '../../src/policy/index.js';
import { TrustStore } from '../../src/trust/store.js';

const KEYS = { KAKUNIN_API_KEYS: 'revocation-policy-key-0123456789abcdef' };

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

describe('one decision rule in every revocation mode (reduceToDecision sees every finding)', () => {
  const MNC = 'org.iso.23220.1.jp.mnc';
  const NS = 'org.iso.23220.1';
  const pass = (check: CheckResult['check']): CheckResult => ({ check, status: 'pass' });
  /** The checks the pipeline reports for a document whose issuer published no current list. */
  const revocationChecks: Record<'fail' | 'warn' | 'off', CheckResult[]> = {
    fail: [
      { check: 'issuer_revocation', status: 'fail', code: 'STATUS_UNAVAILABLE', message: 'no CRL' },
      { check: 'status', status: 'fail', code: 'STATUS_UNAVAILABLE', message: 'no list' },
    ],
    warn: [
      { check: 'issuer_revocation', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: 'no CRL' },
      { check: 'status', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: 'no list' },
    ],
    off: [],
  };
  const anchor = { name: 'J-LIS', set: 'jp-jlis', subject: 'CN=mncmdocRootCA' };
  function verified(mode: 'fail' | 'warn' | 'off', elements: Record<string, unknown>): VerificationResult {
    const checks = [pass('issuer_certificate_chain'), pass('issuer_signature'), pass('value_digests'), pass('device_authentication'), ...revocationChecks[mode]];
    const valid = checks.every((c) => c.status === 'pass');
    const document: DocumentResult = { docType: MNC, valid, issuer: { subject: 'CN=DS', country: 'JP', anchor }, elements: { issuerSigned: { [NS]: elements }, deviceSigned: {} }, checks };
    return { valid, documents: [document], errors: checks.filter((c) => c.status !== 'pass').map((c) => ({ code: c.code!, message: c.check, document: 0 })) };
  }
  const request: PresentationRequest = {
    documents: [
      {
        id: 'mnc',
        docType: MNC,
        elements: [
          { nameSpace: NS, elementIdentifier: 'age_over_20' },
          { nameSpace: NS, elementIdentifier: 'age_over_18' },
        ],
      },
    ],
  };
  const answers: Record<string, { elements: Record<string, unknown>; candidates?: typeof request.documents }> = {
    exact: { elements: { age_over_20: true, age_over_18: true } },
    'over-disclosed': { elements: { age_over_20: true, age_over_18: true, birth_date: '2000-01-01', family_name_unicode: 'x' } },
    'under-disclosed': { elements: { age_over_20: true } },
    'unknown credential id': { elements: { age_over_20: true, age_over_18: true }, candidates: [] },
  };
  // Expected outcome per mode and answer, written out.
  const expected: Record<'fail' | 'warn' | 'off', Record<string, string>> = {
    fail: {
      exact: 'failed:STATUS_UNAVAILABLE',
      'over-disclosed': 'failed:ELEMENT_NOT_REQUESTED',
      'under-disclosed': 'failed:ELEMENT_MISSING',
      'unknown credential id': 'failed:ELEMENT_NOT_REQUESTED',
    },
    warn: {
      exact: 'verified:revocation unavailable',
      'over-disclosed': 'failed:ELEMENT_NOT_REQUESTED',
      'under-disclosed': 'failed:ELEMENT_MISSING',
      'unknown credential id': 'failed:ELEMENT_NOT_REQUESTED',
    },
    off: { exact: 'verified', 'over-disclosed': 'failed:ELEMENT_NOT_REQUESTED', 'under-disclosed': 'failed:ELEMENT_MISSING', 'unknown credential id': 'failed:ELEMENT_NOT_REQUESTED' },
  };
  const purpose = presetPurposes().get('age_over')!;
  for (const mode of ['fail', 'warn', 'off'] as const) {
    it(`${mode}: ${Object.entries(expected[mode])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`, () => {
      for (const [name, answer] of Object.entries(answers)) {
        const result = checkRequestedElements(verified(mode, answer.elements), request, answer.candidates);
        const d = reduceToDecision(purpose, result, new Date('2026-06-01T00:00:00Z'), { revocation: mode });
        const want = expected[mode][name];
        const label = `${mode} / ${name}`;
        if (want.startsWith('verified')) {
          expect(d.outcome, label).toBe('verified');
          expect(d.revocation === 'unavailable', label).toBe(want.endsWith('revocation unavailable'));
        } else {
          expect(d.outcome, label).toBe('failed');
          expect(d.failureCodes, label).toContain(want.split(':')[1]);
        }
        // Whatever was over-disclosed never reaches the decision.
        expect(JSON.stringify(d)).not.toMatch(/2000-01-01|family_name/);
      }
    });
  }

  it('warn never excuses a revoked document or a revocation check that failed', () => {
    const revoked = verified('warn', { age_over_20: true, age_over_18: true });
    revoked.documents[0].checks[4] = { check: 'issuer_revocation', status: 'fail', code: 'ISSUER_CERT_REVOKED', message: 'revoked' };
    revoked.errors.unshift({ code: 'ISSUER_CERT_REVOKED', message: 'revoked', document: 0 });
    expect(reduceToDecision(purpose, revoked, new Date(), { revocation: 'warn' }).failureCodes).toContain('ISSUER_CERT_REVOKED');
    expect(reduceToDecision(purpose, verified('fail', { age_over_20: true, age_over_18: true }), new Date(), { revocation: 'warn' }).outcome).toBe('failed');
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
    expect(missing.unmatched.map((u) => u.purpose).sort()).toEqual(['account_match', 'age_over', 'kyc', 'residency']);
    expect(missing.trust.get('kyc')!.anchors).toHaveLength(0);
  });
});
