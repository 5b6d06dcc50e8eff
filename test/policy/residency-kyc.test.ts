import { describe, expect, it } from 'vitest';
import { FullDate } from '../../src/cbor/index.js';
import { createKycPurpose, MDL, MY_NUMBER_CARD, reduceToDecision, createResidencyPurpose } from '../../src/policy/index.js';
import { resultOf, verifiedDocument } from './fixtures.js';

const at = new Date('2026-04-01T03:00:00Z');
const jp = 'org.iso.23220.1.jp';

describe('residency', () => {
  it('asks only for the 市区町村コード and reports the boolean', () => {
    const p = createResidencyPurpose({ municipalities: ['131016'] });
    expect(p.documents).toEqual([{ docType: MY_NUMBER_CARD, claimSets: [[{ nameSpace: jp, elementIdentifier: 'local_gov_code_unicode', intentToRetain: false }]] }]);
    const yes = reduceToDecision(p, resultOf(verifiedDocument(MY_NUMBER_CARD, { [jp]: { local_gov_code_unicode: '131016' } })), at);
    expect(yes.value).toEqual({ kind: 'residency', resident: true, municipalities: ['131016'] });
    const no = reduceToDecision(p, resultOf(verifiedDocument(MY_NUMBER_CARD, { [jp]: { local_gov_code_unicode: '131130' } })), at);
    expect(no.value).toEqual({ kind: 'residency', resident: false, municipalities: ['131016'] });
  });

  it('matches codes with or without the check digit, and reports the code only when configured', () => {
    const p = createResidencyPurpose({ municipalities: ['13101'], reportCode: true });
    const d = reduceToDecision(p, resultOf(verifiedDocument(MY_NUMBER_CARD, { [jp]: { local_gov_code_unicode: '131016' } })), at);
    expect(d.value).toEqual({ kind: 'residency', resident: true, municipalities: ['13101'], code: '131016' });
  });

  it('accepts the My Number Card from J-LIS only unless trust sets are configured', () => {
    const p = createResidencyPurpose({ municipalities: ['131016'] });
    expect(p.trustSets).toEqual(['jp-jlis']);
    const elsewhere = verifiedDocument(MY_NUMBER_CARD, { [jp]: { local_gov_code_unicode: '131016' } }, 'us-aamva');
    expect(reduceToDecision(p, resultOf(elsewhere), at).failureCodes).toEqual(['ISSUER_NOT_ACCEPTED']);
    expect(createResidencyPurpose({ municipalities: ['131016'], trustSets: ['test'] }).trustSets).toEqual(['test']);
  });

  it('accepts an mDL only with a configured element', () => {
    const p = createResidencyPurpose({ municipalities: [], mdl: { element: 'resident_postal_code', values: ['94105'] } });
    expect(p.documents.map((d) => d.docType)).toEqual([MDL]);
    const d = reduceToDecision(p, resultOf(verifiedDocument(MDL, { 'org.iso.18013.5.1': { resident_postal_code: '94105' } })), at);
    expect(d.value).toEqual({ kind: 'residency', resident: true, municipalities: [] });
    expect(() => createResidencyPurpose({ municipalities: ['abc'] })).toThrow(/市区町村コード/);
  });
});

describe('kyc', () => {
  it('asks for name, address and birth date with intent to retain; portrait only when configured', () => {
    const p = createKycPurpose();
    expect(p.documents[0].claimSets[0].map((e) => e.elementIdentifier)).toEqual(['full_name_unicode', 'resident_address_unicode', 'birth_date']);
    expect(p.documents[0].claimSets[0].every((e) => e.intentToRetain)).toBe(true);
    expect(createKycPurpose({ portrait: true }).documents[1].claimSets[0].map((e) => e.elementIdentifier)).toContain('portrait');
  });

  it('reports the same attribute names for both documents and nothing else', () => {
    const mnc = verifiedDocument(MY_NUMBER_CARD, {
      'org.iso.23220.1': { birth_date: new FullDate('1990-05-05'), sex: 1 },
      [jp]: { full_name_unicode: '確認 太郎', resident_address_unicode: '東京都千代田区1-1', individual_number_unicode: '123456789012' },
    });
    expect(reduceToDecision(createKycPurpose(), resultOf(mnc), at).value).toEqual({
      kind: 'attributes',
      attributes: { name: '確認 太郎', address: '東京都千代田区1-1', birth_date: '1990-05-05' },
    });
    const mdl = verifiedDocument(MDL, {
      'org.iso.18013.5.1': { given_name: 'Ada', family_name: 'Lovelace', resident_address: '1 Main St', birth_date: new FullDate('1990-12-10'), portrait: new Uint8Array([1, 2, 3]) },
    });
    expect(reduceToDecision(createKycPurpose({ portrait: true }), resultOf(mdl), at).value).toEqual({
      kind: 'attributes',
      attributes: { name: 'Ada Lovelace', address: '1 Main St', birth_date: '1990-12-10', portrait: 'AQID' },
    });
  });
});
