/**
 * kyc: name, address and birth date (plus the portrait when configured), which the merchant keeps,
 * so intent_to_retain is true. Attributes are reported under the same keys whatever the document.
 */
import { MDL, MY_NUMBER_CARD, NS_23220, NS_23220_JP, NS_MDL, resolveDocType } from './documents.js';
import { issuerElement, reportable } from './elements.js';
import type { DocumentAsk, ElementRef, Purpose } from './purpose.js';
import { KakuninError } from '../codes/error.js';

/** Which documents, whether the portrait is asked for, and whether the elements are retained. */
export interface KycOptions {
  name?: string;
  portrait?: boolean;
  documents?: string[];
  trustSets?: string[];
  label?: { ja: string; en: string };
}

type Source = { nameSpace: string; elementIdentifier: string };
/** Reported attribute -> the elements it is made of (joined with a space when several). */
const SOURCES: Record<string, Record<string, Source[]>> = {
  [MY_NUMBER_CARD]: {
    name: [{ nameSpace: NS_23220_JP, elementIdentifier: 'full_name_unicode' }],
    address: [{ nameSpace: NS_23220_JP, elementIdentifier: 'resident_address_unicode' }],
    birth_date: [{ nameSpace: NS_23220, elementIdentifier: 'birth_date' }],
    portrait: [{ nameSpace: NS_23220_JP, elementIdentifier: 'portrait' }],
  },
  [MDL]: {
    name: [
      { nameSpace: NS_MDL, elementIdentifier: 'given_name' },
      { nameSpace: NS_MDL, elementIdentifier: 'family_name' },
    ],
    address: [{ nameSpace: NS_MDL, elementIdentifier: 'resident_address' }],
    birth_date: [{ nameSpace: NS_MDL, elementIdentifier: 'birth_date' }],
    portrait: [{ nameSpace: NS_MDL, elementIdentifier: 'portrait' }],
  },
};

/**
 * Identity check (KYC): name, address, birth date and optionally the portrait, with intent_to_retain, for a signed receipt.
 *
 * @example
 * ```ts
 * import { buildPresentationRequest, createKycPurpose } from 'kakunin';
 * const kyc = createKycPurpose();
 * const request = buildPresentationRequest(kyc);
 * ```
 */
export function createKycPurpose(options: KycOptions = {}): Purpose {
  const attributes = ['name', 'address', 'birth_date', ...(options.portrait ? ['portrait'] : [])];
  const docTypes = (options.documents ?? [MY_NUMBER_CARD, MDL]).map(resolveDocType);
  const documents: DocumentAsk[] = docTypes.map((docType) => {
    const sources = SOURCES[docType];
    if (!sources) throw new KakuninError('INVALID_ARGUMENT', `kyc cannot use document ${docType}`);
    const claims: ElementRef[] = attributes.flatMap((a) => sources[a].map((s) => ({ ...s, intentToRetain: true })));
    return { docType, claimSets: [claims] };
  });

  return {
    name: options.name ?? 'kyc',
    label: options.label ?? { ja: '本人確認', en: 'Identity check' },
    documents,
    trustSets: options.trustSets ?? [],
    decide(document) {
      const sources = SOURCES[document.docType];
      if (!sources) return { missing: true };
      const out: Record<string, string | number | boolean> = {};
      for (const attribute of attributes) {
        const parts = sources[attribute].map((s) => reportable(issuerElement(document, s.nameSpace, s.elementIdentifier)));
        if (parts.some((p) => p === undefined)) return { missing: true };
        out[attribute] = parts.length === 1 ? (parts[0] as string | number | boolean) : parts.join(' ');
      }
      return { kind: 'attributes', attributes: out };
    },
  };
}
