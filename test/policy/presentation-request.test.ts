/**
 * buildPresentationRequest: a purpose's documents and claim sets as the protocols' PresentationRequest.
 * DCQL gets every claim set (the minimal ones first), a DeviceRequest only the minimal one.
 */
import { describe, expect, it } from 'vitest';
import { buildPresentationRequest, createAgeOverPurpose, createElementsPurpose, createResidencyPurpose } from '../../src/policy/index.js';
import { validatePresentationRequest } from '../../src/protocols/request/presentation-request.js';

const age = (elementIdentifier: string, nameSpace = 'org.iso.23220.1') => ({ nameSpace, elementIdentifier, intentToRetain: false });

describe('buildPresentationRequest', () => {
  it('asks each accepted document for the purpose’s elements, under the ids the service uses', () => {
    const request = buildPresentationRequest(createAgeOverPurpose({ threshold: 18 }));
    expect(request).toEqual({
      documents: [
        { id: 'mnc', docType: 'org.iso.23220.1.jp.mnc', elements: [age('age_over_18')] },
        { id: 'mdl', docType: 'org.iso.18013.5.1.mDL', elements: [age('age_over_18', 'org.iso.18013.5.1')] },
      ],
    });
    expect(validatePresentationRequest(request)).toBe(request);
  });

  it('gives DCQL the fallback claim sets after every document’s first, and a DeviceRequest the first only', () => {
    const purpose = createAgeOverPurpose({ allowFallback: true, documents: ['org.iso.23220.1.jp.mnc'] });
    expect(buildPresentationRequest(purpose).documents.map((d) => [d.id, d.elements[0].elementIdentifier])).toEqual([
      ['mnc', 'age_over_20'],
      ['mnc_1', 'age_in_years'],
      ['mnc_2', 'birth_date'],
    ]);
    expect(buildPresentationRequest(purpose, { claimSets: 'first' }).documents).toEqual([{ id: 'mnc', docType: 'org.iso.23220.1.jp.mnc', elements: [age('age_over_20')] }]);
    const both = createAgeOverPurpose({ allowFallback: true });
    expect(buildPresentationRequest(both).documents.map((d) => d.id)).toEqual(['mnc', 'mdl', 'mnc_1', 'mdl_1', 'mnc_2', 'mdl_2']);
  });

  it('names other docTypes by their place, and copies the elements (the purpose is not shared with the request)', () => {
    const purpose = createElementsPurpose({ name: 'pid', documents: { 'eu.europa.ec.eudi.pid.1': { 'eu.europa.ec.eudi.pid.1': { age_over_18: false } } } });
    const request = buildPresentationRequest(purpose);
    expect(request.documents.map((d) => d.id)).toEqual(['doc0']);
    request.documents[0].elements.push(age('family_name'));
    expect(purpose.documents[0].claimSets[0]).toHaveLength(1);
  });

  it('takes any object with documents, such as a purpose for one account', () => {
    const residency = createResidencyPurpose({ municipalities: ['131016'] });
    expect(buildPresentationRequest({ documents: residency.documents }, { claimSets: 'first' }).documents[0]).toMatchObject({ id: 'mnc', elements: [{ elementIdentifier: 'local_gov_code_unicode' }] });
  });
});
