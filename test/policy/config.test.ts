import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePurposesConfig, PolicyConfigError } from '../../src/policy/index.js';
import { loadPurposes } from '../../src/runtime/purposes-file.js';

const parse = (v: unknown) => parsePurposesConfig(JSON.stringify(v), 'purposes.json');

describe('purposes config', () => {
  it('starts from the four presets and adds or overrides by name', () => {
    const purposes = parse({
      purposes: [
        { name: 'age_over', kind: 'age_over', threshold: 18 },
        { name: 'shibuya', kind: 'residency', municipalities: ['131130'], reportCode: true, label: { ja: '渋谷区民', en: 'Shibuya resident' } },
        { name: 'licence_class', kind: 'elements', documents: { mdl: { 'org.iso.18013.5.1': { driving_privileges: false } } }, trustSets: ['aamva'] },
      ],
    });
    expect([...purposes.keys()]).toEqual(['age_over', 'residency', 'kyc', 'account_match', 'shibuya', 'licence_class']);
    expect(purposes.get('age_over')!.documents[0].claimSets[0][0].elementIdentifier).toBe('age_over_18');
    expect(purposes.get('shibuya')!.label.ja).toBe('渋谷区民');
    expect(purposes.get('licence_class')!.documents[0]).toEqual({
      docType: 'org.iso.18013.5.1.mDL',
      claimSets: [[{ nameSpace: 'org.iso.18013.5.1', elementIdentifier: 'driving_privileges', intentToRetain: false }]],
    });
    expect(purposes.get('licence_class')!.trustSets).toEqual(['aamva']);
  });

  it.each([
    [{ purposes: [{ name: 'a', kind: 'age_over', threshold: 120 }] }, 'purposes.json: /purposes/0/threshold must be <= 99'],
    [{ purposes: [{ name: 'a', kind: 'age_over', treshold: 18 }] }, '/purposes/0 must NOT have additional properties "treshold"'],
    [{ purposes: [{ name: 'a', kind: 'selfie' }] }, '/purposes/0/kind must be equal to one of the allowed values (age_over, residency, kyc, elements, account_match)'],
    [{ purposes: [{ name: 'r', kind: 'residency' }] }, "/purposes/0 must have required property 'municipalities'"],
    [{ purposes: [{ name: 'r', kind: 'residency', municipalities: ['13-101'] }] }, '/purposes/0/municipalities/0 must match pattern'],
    [{ purposes: [{ name: 'Bad Name', kind: 'kyc' }] }, '/purposes/0/name must match pattern'],
    [
      {
        purposes: [
          { name: 'a', kind: 'kyc' },
          { name: 'a', kind: 'kyc' },
        ],
      },
      '/purposes/1/name "a" is defined twice',
    ],
    [{ purposes: [{ name: 'a', kind: 'age_over', documents: ['eu.europa.ec.eudi.pid.1'] }] }, '/purposes/0 (a): age_over cannot use document eu.europa.ec.eudi.pid.1'],
    [{ purpose: [] }, "/ must have required property 'purposes'"],
  ])('names the problem in a bad file (%#)', (config, message) => {
    expect(() => parse(config)).toThrow(PolicyConfigError);
    expect(() => parse(config)).toThrow(message);
  });

  it('names the file when it is missing or not JSON', () => {
    expect(() => loadPurposes('/nonexistent/purposes.json')).toThrow('/nonexistent/purposes.json: cannot read the purposes file (ENOENT)');
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-policy-'));
    const file = join(dir, 'p.json');
    writeFileSync(file, '{ purposes: ');
    expect(() => loadPurposes(file)).toThrow(`${file}: not valid JSON`);
    expect([...loadPurposes(undefined).keys()]).toEqual(['age_over', 'residency', 'kyc', 'account_match']);
  });
});

describe('account_match in a purposes file', () => {
  it('offers only the Digital Credentials API unless it lists the OpenID4VP channel', () => {
    const purposes = parse({
      purposes: [
        { name: 'step_up', kind: 'account_match', documents: ['mnc'] },
        { name: 'step_up_qr', kind: 'account_match', channels: ['dc_api', 'openid4vp'] },
      ],
    });
    expect(purposes.get('account_match')!.channels).toEqual(['dc_api']);
    expect(purposes.get('step_up')!.channels).toEqual(['dc_api']);
    expect(purposes.get('step_up')!.documents.map((d) => d.docType)).toEqual(['org.iso.23220.1.jp.mnc']);
    expect(purposes.get('step_up_qr')!.channels).toEqual(['dc_api', 'openid4vp']);
    expect(() => parse({ purposes: [{ name: 'x', kind: 'account_match', channels: ['carrier_pigeon'] }] })).toThrow(/channels\/0/);
  });
});
