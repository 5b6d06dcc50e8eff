import { describe, expect, it } from 'vitest';
import { FullDate } from '../../src/cbor/index.js';
import { createAgeOverPurpose, MDL, MY_NUMBER_CARD, reduceToDecision } from '../../src/policy/index.js';
import { resultOf, verifiedDocument } from './fixtures.js';

const at = new Date('2026-04-01T03:00:00Z');

describe('age_over', () => {
  it('asks only for age_over_20 by default, from the My Number Card and the mDL', () => {
    const p = createAgeOverPurpose();
    expect(p.documents).toEqual([
      { docType: MY_NUMBER_CARD, claimSets: [[{ nameSpace: 'org.iso.23220.1', elementIdentifier: 'age_over_20', intentToRetain: false }]] },
      { docType: MDL, claimSets: [[{ nameSpace: 'org.iso.18013.5.1', elementIdentifier: 'age_over_20', intentToRetain: false }]] },
    ]);
  });

  it('reports only the boolean', () => {
    const d = reduceToDecision(createAgeOverPurpose(), resultOf(verifiedDocument(MY_NUMBER_CARD, { 'org.iso.23220.1': { age_over_20: true } })), at);
    expect(d).toMatchObject({ outcome: 'verified', value: { kind: 'age_over', threshold: 20, over: true }, docType: MY_NUMBER_CARD });
    expect(JSON.stringify(d)).not.toContain('birth');
    const no = reduceToDecision(createAgeOverPurpose(), resultOf(verifiedDocument(MDL, { 'org.iso.18013.5.1': { age_over_20: false } })), at);
    expect(no.value).toEqual({ kind: 'age_over', threshold: 20, over: false });
  });

  it('does not use birth_date unless the purpose allows the fallback', () => {
    const doc = verifiedDocument(MY_NUMBER_CARD, { 'org.iso.23220.1': { birth_date: new FullDate('2000-01-01') } });
    expect(reduceToDecision(createAgeOverPurpose(), resultOf(doc), at)).toMatchObject({ outcome: 'failed', failureCodes: ['ELEMENT_MISSING'] });
    const lenient = createAgeOverPurpose({ allowFallback: true });
    expect(lenient.documents[0].claimSets.map((s) => s[0].elementIdentifier)).toEqual(['age_over_20', 'age_in_years', 'birth_date']);
    const d = reduceToDecision(lenient, resultOf(doc), at);
    expect(d.value).toEqual({ kind: 'age_over', threshold: 20, over: true });
  });

  it('counts birthdays by calendar day at the verification time', () => {
    const p = createAgeOverPurpose({ allowFallback: true, threshold: 18 });
    const born = (date: string) => resultOf(verifiedDocument(MDL, { 'org.iso.18013.5.1': { birth_date: new FullDate(date) } }));
    expect(reduceToDecision(p, born('2008-04-01'), at).value).toMatchObject({ over: true });
    expect(reduceToDecision(p, born('2008-04-02'), at).value).toMatchObject({ over: false });
    expect(reduceToDecision(p, resultOf(verifiedDocument(MDL, { 'org.iso.18013.5.1': { age_in_years: 17 } })), at).value).toMatchObject({ over: false });
  });

  it('counts on the calendar date in Japan, not UTC: 23:30 JST on the eve of the 20th birthday "no", 00:30 JST on the day "yes"', () => {
    const p = createAgeOverPurpose({ allowFallback: true });
    const born = resultOf(verifiedDocument(MY_NUMBER_CARD, { 'org.iso.23220.1': { birth_date: new FullDate('2006-11-26') } }));
    // 2026-11-25 23:30 JST = 14:30 UTC; 2026-11-26 00:30 JST = 2026-11-25 15:30 UTC (still the 25th in UTC).
    expect(reduceToDecision(p, born, new Date('2026-11-25T14:30:00Z')).value).toMatchObject({ over: false });
    expect(reduceToDecision(p, born, new Date('2026-11-25T15:30:00Z')).value).toMatchObject({ over: true });
    // A purpose configured for another zone counts on its calendar: still the 25th in New York.
    const ny = createAgeOverPurpose({ allowFallback: true, timeZone: 'America/New_York' });
    expect(reduceToDecision(ny, born, new Date('2026-11-25T15:30:00Z')).value).toMatchObject({ over: false });
    expect(() => createAgeOverPurpose({ timeZone: 'Mars/Olympus_Mons' })).toThrow(RangeError);
  });

  it('29 February birthdays turn a year older on 1 March in common years (Japan time)', () => {
    const p = createAgeOverPurpose({ allowFallback: true, threshold: 18 });
    const born = resultOf(verifiedDocument(MY_NUMBER_CARD, { 'org.iso.23220.1': { birth_date: new FullDate('2008-02-29') } }));
    // 2026 is a common year: 18 at the start of 1 March JST (28 Feb 15:00 UTC), not before.
    expect(reduceToDecision(p, born, new Date('2026-02-28T14:59:00Z')).value).toMatchObject({ over: false });
    expect(reduceToDecision(p, born, new Date('2026-02-28T15:00:00Z')).value).toMatchObject({ over: true });
  });

  it('ignores device-signed values', () => {
    const doc = verifiedDocument(MY_NUMBER_CARD, {});
    doc.elements.deviceSigned = { 'org.iso.23220.1': { age_over_20: true } };
    expect(reduceToDecision(createAgeOverPurpose(), resultOf(doc), at).outcome).toBe('failed');
  });

  it('reports the verification failure codes of an invalid document', () => {
    const doc = verifiedDocument(MY_NUMBER_CARD, { 'org.iso.23220.1': { age_over_20: true } });
    doc.valid = false;
    doc.checks = [{ check: 'value_digests', status: 'fail', code: 'DIGEST_MISMATCH' }];
    expect(reduceToDecision(createAgeOverPurpose(), resultOf(doc), at)).toMatchObject({ outcome: 'failed', failureCodes: ['DIGEST_MISMATCH'] });
  });

  it('rejects documents and issuers the purpose does not accept', () => {
    const pid = verifiedDocument('eu.europa.ec.eudi.pid.1', { 'eu.europa.ec.eudi.pid.1': { age_over_18: true } });
    expect(reduceToDecision(createAgeOverPurpose(), resultOf(pid), at).failureCodes).toEqual(['DOCUMENT_NOT_ACCEPTED']);
    const strict = createAgeOverPurpose({ trustSets: ['jp-jlis'] });
    const us = verifiedDocument(MDL, { 'org.iso.18013.5.1': { age_over_20: true } }, 'aamva');
    expect(reduceToDecision(strict, resultOf(us), at).failureCodes).toEqual(['ISSUER_NOT_ACCEPTED']);
  });

  it('passes on parse failures with their code', () => {
    const d = reduceToDecision(createAgeOverPurpose(), { valid: false, documents: [], errors: [{ code: 'CBOR_MALFORMED', message: 'x' }] }, at);
    expect(d).toEqual({ purpose: 'age_over', outcome: 'failed', failureCodes: ['CBOR_MALFORMED'] });
  });
});
