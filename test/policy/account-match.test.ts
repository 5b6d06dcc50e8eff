import { describe, expect, it } from 'vitest';
import { FullDate } from '../../src/cbor/index.js';
import { createAccountMatchPurpose, MDL, MY_NUMBER_CARD, PID, reduceToDecision } from '../../src/policy/index.js';
import { resultOf, verifiedDocument } from './fixtures.js';

const at = new Date('2026-04-01T03:00:00Z');
const binder = (thumbprint: string) => `cb1.${thumbprint}`;
const card = (elements: Record<string, unknown>, jp: Record<string, unknown>, thumbprint?: string) => ({
  ...verifiedDocument(MY_NUMBER_CARD, { 'org.iso.23220.1': elements, 'org.iso.23220.1.jp': jp }),
  ...(thumbprint ? { deviceKeyThumbprint: thumbprint } : {}),
});
const hanako = card({ birth_date: new FullDate('1990-04-01') }, { full_name_unicode: '確認　花子', resident_address_unicode: '東京都千代田区千代田1-1' }, 'key-1');

describe('account_match as a purpose', () => {
  it('decides nothing without a reference', () => {
    const d = reduceToDecision(createAccountMatchPurpose(), resultOf(hanako), at);
    expect(d.outcome).toBe('failed');
    expect(d.failureCodes).toEqual(['ELEMENT_MISSING']);
  });

  it('asks each document for its name and birth date elements, the address only when held, none retained', () => {
    const purpose = createAccountMatchPurpose().forAccount!({ id: 'a', name: 'x', birth_date: '1990-04-01' }, binder);
    const asked = Object.fromEntries(purpose.documents.map((d) => [d.docType, d.claimSets[0].map((c) => `${c.elementIdentifier}${c.intentToRetain ? '!' : ''}`)]));
    expect(asked).toEqual({
      [MY_NUMBER_CARD]: ['full_name_unicode', 'birth_date'],
      [MDL]: ['family_name', 'given_name', 'birth_date'],
      [PID]: ['family_name', 'given_name', 'birth_date'],
    });
    const withAddress = createAccountMatchPurpose({ documents: ['mnc'] }).forAccount!({ id: 'a', name: 'x', birth_date: '1990-04-01', address: 'y' }, binder);
    expect(withAddress.documents[0].claimSets[0].map((c) => c.elementIdentifier)).toEqual(['full_name_unicode', 'birth_date', 'resident_address_unicode']);
  });

  it('reads an mDL or PID name in either order', () => {
    const purpose = createAccountMatchPurpose().forAccount!({ id: 'a', name: '山田 太郎', birth_date: '1990-04-01' }, binder);
    for (const [docType, ns] of [
      [MDL, 'org.iso.18013.5.1'],
      [PID, 'eu.europa.ec.eudi.pid.1'],
    ]) {
      const doc = verifiedDocument(docType, { [ns]: { family_name: '山田', given_name: '太郎', birth_date: new FullDate('1990-04-01') } });
      expect(reduceToDecision(purpose, resultOf(doc), at).value).toEqual({ kind: 'account_match', account: 'a', match: true, fields: { name: 'match', birth_date: 'match' } });
    }
    const latin = createAccountMatchPurpose().forAccount!({ id: 'a', name: 'Taro YAMADA', birth_date: '1990-04-01' }, binder);
    const mdl = verifiedDocument(MDL, { 'org.iso.18013.5.1': { family_name: 'Yamada', given_name: 'Taro', birth_date: new FullDate('1990-04-01') } });
    expect(reduceToDecision(latin, resultOf(mdl), at).value).toMatchObject({ match: true, fields: { name: 'match' } });
  });

  it('is missing an element rather than a mismatch when the document lacks one', () => {
    const purpose = createAccountMatchPurpose().forAccount!({ id: 'a', name: '確認 花子', birth_date: '1990-04-01', address: '千代田区千代田1-1' }, binder);
    const noAddress = card({ birth_date: new FullDate('1990-04-01') }, { full_name_unicode: '確認 花子' });
    expect(reduceToDecision(purpose, resultOf(noAddress), at).failureCodes).toEqual(['ELEMENT_MISSING']);
  });

  it('compares the binding: same_credential, and no match without it', () => {
    const reference = { id: 'a', name: '確認 花子', birth_date: '1990-04-01' };
    const purpose = (binding?: string, bind?: boolean) => createAccountMatchPurpose().forAccount!({ ...reference, ...(binding ? { binding } : {}), ...(bind ? { bind } : {}) }, binder);
    expect(reduceToDecision(purpose(undefined, true), resultOf(hanako), at).value).toMatchObject({ match: true, binding: 'cb1.key-1' });
    expect(reduceToDecision(purpose('cb1.key-1'), resultOf(hanako), at).value).toMatchObject({ match: true, same_credential: true });
    expect(reduceToDecision(purpose('cb1.key-2'), resultOf(hanako), at).value).toMatchObject({ match: false, same_credential: false });
    const unproven = card({ birth_date: new FullDate('1990-04-01') }, { full_name_unicode: '確認 花子' });
    expect(reduceToDecision(purpose('cb1.key-1'), resultOf(unproven), at).value).toMatchObject({ match: false, same_credential: false });
  });
});
