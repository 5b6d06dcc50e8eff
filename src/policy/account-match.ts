/**
 * account_match: "is this the account holder?". The merchant's backend gives a reference (its own
 * account id, the name and birth date it holds, optionally the address and the credential binding
 * of an earlier check); kakunin asks the wallet for exactly the elements needed to compare, and
 * reports only the comparison, field by field: never the values. The comparison rules are in
 * compare/.
 *
 * Only channels that cannot be relayed by default: the Digital Credentials API binds the answer to
 * the page's origin; the OpenID4VP QR code can be shown to a victim by a phishing page, so a
 * purpose must list it in `channels` to offer it (docs/security.md).
 */
import { timingSafeEqual } from 'node:crypto';
import { compareAddress, compareBirthDate, compareName, type FieldResult } from './compare/index.js';
import { MDL, MY_NUMBER_CARD, NS_23220, NS_23220_JP, NS_MDL, PID, NS_PID, resolveDocType } from './documents.js';
import { issuerElement } from './elements.js';
import type { AccountReference, CredentialBinder } from './account-reference.js';
import type { Channel, DecisionValue, DocumentAsk, ElementRef, Purpose } from './purpose.js';
import { KakuninError } from '../codes/error.js';

export type { AccountReference, CredentialBinder };

export interface AccountMatchOptions {
  name?: string;
  label?: { ja: string; en: string };
  documents?: string[];
  trustSets?: string[];
  /** The channels it may be answered on; default the Digital Credentials API only. */
  channels?: Channel[];
}

type Source = { nameSpace: string; elementIdentifier: string };
/** Where each compared field lives, per document. Names made of two parts are tried in both orders. */
const SOURCES: Record<string, { name: Source[]; birth_date: Source; address: Source }> = {
  [MY_NUMBER_CARD]: {
    name: [{ nameSpace: NS_23220_JP, elementIdentifier: 'full_name_unicode' }],
    birth_date: { nameSpace: NS_23220, elementIdentifier: 'birth_date' },
    address: { nameSpace: NS_23220_JP, elementIdentifier: 'resident_address_unicode' },
  },
  [MDL]: {
    name: [
      { nameSpace: NS_MDL, elementIdentifier: 'family_name' },
      { nameSpace: NS_MDL, elementIdentifier: 'given_name' },
    ],
    birth_date: { nameSpace: NS_MDL, elementIdentifier: 'birth_date' },
    address: { nameSpace: NS_MDL, elementIdentifier: 'resident_address' },
  },
  [PID]: {
    name: [
      { nameSpace: NS_PID, elementIdentifier: 'family_name' },
      { nameSpace: NS_PID, elementIdentifier: 'given_name' },
    ],
    birth_date: { nameSpace: NS_PID, elementIdentifier: 'birth_date' },
    address: { nameSpace: NS_PID, elementIdentifier: 'resident_address' },
  },
};

const RANK: Record<FieldResult, number> = { match: 0, variant: 1, mismatch: 2 };

/**
 * The account_match purpose. As configured it asks for nothing and decides nothing: `forAccount`
 * makes the purpose of one verification, for one reference.
 */
export function createAccountMatchPurpose(options: AccountMatchOptions = {}): Purpose {
  const docTypes = (options.documents ?? [MY_NUMBER_CARD, MDL, PID]).map(resolveDocType);
  for (const docType of docTypes) if (!SOURCES[docType]) throw new KakuninError('INVALID_ARGUMENT', `account_match cannot use document ${docType}`);
  const base: Purpose = {
    name: options.name ?? 'account_match',
    label: options.label ?? { ja: 'ご本人の再確認', en: 'Account holder check' },
    documents: docTypes.map((docType) => ({ docType, claimSets: [claimsFor(docType, true)] })),
    trustSets: options.trustSets ?? [],
    channels: options.channels ?? ['dc_api'],
    decide: () => ({ missing: true }),
    forAccount(reference, binder) {
      return {
        ...base,
        documents: docTypes.map((docType): DocumentAsk => ({ docType, claimSets: [claimsFor(docType, reference.address !== undefined)] })),
        forAccount: undefined,
        decide: (document) => compareWithReference(reference, binder, document),
      };
    },
  };
  return base;
}

function claimsFor(docType: string, address: boolean): ElementRef[] {
  const s = SOURCES[docType];
  const sources = [...s.name, s.birth_date, ...(address ? [s.address] : [])];
  // Compared and dropped, never kept: intent_to_retain is false.
  return sources.map((x) => ({ ...x, intentToRetain: false }));
}

function compareWithReference(reference: AccountReference, binder: CredentialBinder, document: Parameters<Purpose['decide']>[0]): DecisionValue | { missing: true } {
  const s = SOURCES[document.docType];
  if (!s) return { missing: true };
  const text = (source: Source) => {
    const v = issuerElement(document, source.nameSpace, source.elementIdentifier);
    return typeof v === 'string' ? v : undefined;
  };
  const names = s.name.map(text);
  if (names.some((n) => n === undefined)) return { missing: true };
  const orders = names.length === 1 ? [names[0] as string] : [names.join(' '), [...names].reverse().join(' ')];
  const name = orders.map((n) => compareName(reference.name, n)).sort((a, b) => RANK[a] - RANK[b])[0];
  const birthDate = compareBirthDate(reference.birth_date, issuerElement(document, s.birth_date.nameSpace, s.birth_date.elementIdentifier));
  if (birthDate === undefined) return { missing: true };
  const fields: { name: FieldResult; birth_date: FieldResult; address?: FieldResult } = { name, birth_date: birthDate };
  if (reference.address !== undefined) {
    const address = text(s.address);
    if (address === undefined) return { missing: true };
    fields.address = compareAddress(reference.address, address);
  }
  const thumbprint = document.deviceKeyThumbprint;
  const binding = thumbprint === undefined ? undefined : binder(thumbprint);
  const sameCredential = reference.binding === undefined ? undefined : binding !== undefined && sameText(binding, reference.binding);
  const match = Object.values(fields).every((f) => f !== 'mismatch') && sameCredential !== false;
  return {
    kind: 'account_match',
    account: reference.id,
    match,
    fields,
    ...(sameCredential !== undefined ? { same_credential: sameCredential } : {}),
    ...(reference.bind && binding !== undefined ? { binding } : {}),
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
