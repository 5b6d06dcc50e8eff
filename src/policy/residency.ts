/**
 * residency: "does the holder live in one of these municipalities?" The My Number Card carries the
 * 市区町村コード (local_gov_code_unicode, 6 digits with the check digit, e.g. 131016 for 千代田区);
 * an mDL has no such code, so a purpose that accepts mDLs names which element to compare
 * (resident_city or resident_postal_code) and the accepted values.
 */
import { MDL, MY_NUMBER_CARD, NS_23220_JP, NS_MDL } from './documents.js';
import { issuerElement } from './elements.js';
import type { DocumentAsk, Purpose } from './purpose.js';
import { KakuninError } from '../codes/error.js';

/** Issuers of the My Number Card. */
export const RESIDENCY_TRUST_SETS: readonly string[] = ['jp-jlis'];

/** The municipality codes (全国地方公共団体コード) accepted. */
export interface ResidencyOptions {
  name?: string;
  /** 市区町村コード accepted from the My Number Card. */
  municipalities: string[];
  /** Accept mDLs by comparing this element with these values. Without it, mDLs are not accepted. */
  mdl?: { element: 'resident_city' | 'resident_postal_code'; values: string[] };
  /** Report the code (or mDL value) that matched, not just the boolean. */
  reportCode?: boolean;
  trustSets?: string[];
  label?: { ja: string; en: string };
}

/**
 * "Resident of municipality X" from the My Number Card's local_gov_code_unicode, without an address.
 *
 * @example
 * ```ts
 * import { createResidencyPurpose } from 'kakunin';
 * const chiyoda = createResidencyPurpose({ municipalities: ['131016'] });
 * // decision.value: { kind: 'residency', resident: true, municipalities: ['131016'] }
 * ```
 */
export function createResidencyPurpose(options: ResidencyOptions): Purpose {
  if (options.municipalities.length === 0 && !options.mdl) {
    throw new KakuninError('INVALID_ARGUMENT', 'residency needs at least one municipality code or an mdl rule');
  }
  for (const code of options.municipalities) {
    if (!/^\d{5,6}$/.test(code)) throw new KakuninError('INVALID_ARGUMENT', `residency: "${code}" is not a 5 or 6 digit 市区町村コード`);
  }
  const documents: DocumentAsk[] = [];
  if (options.municipalities.length > 0) {
    documents.push({
      docType: MY_NUMBER_CARD,
      claimSets: [[{ nameSpace: NS_23220_JP, elementIdentifier: 'local_gov_code_unicode', intentToRetain: false }]],
    });
  }
  if (options.mdl) {
    documents.push({
      docType: MDL,
      claimSets: [[{ nameSpace: NS_MDL, elementIdentifier: options.mdl.element, intentToRetain: false }]],
    });
  }
  // Codes are compared on their first five digits too, so that a list written without the check
  // digit (13101) matches a card that carries it (131016).
  const accepted = new Set(options.municipalities.map((c) => c.slice(0, 5)));
  const mdlValues = new Set((options.mdl?.values ?? []).map(normalise));
  const municipalities = [...options.municipalities];

  return {
    name: options.name ?? 'residency',
    label: options.label ?? { ja: '住民確認', en: 'Residency' },
    documents,
    ...(municipalities.length > 0 ? { municipalities } : {}),
    // The My Number Card is issued under J-LIS only; a residency answer from any other issuer is
    // not one. With an mDL rule configured, the operator names the sets.
    trustSets: options.trustSets ?? (options.mdl ? [] : [...RESIDENCY_TRUST_SETS]),
    decide(document) {
      if (document.docType === MY_NUMBER_CARD) {
        const code = issuerElement(document, NS_23220_JP, 'local_gov_code_unicode');
        if (typeof code !== 'string') return { missing: true };
        const resident = accepted.has(code.trim().slice(0, 5));
        return options.reportCode && resident ? { kind: 'residency', resident, municipalities, code: code.trim() } : { kind: 'residency', resident, municipalities };
      }
      if (document.docType === MDL && options.mdl) {
        const value = issuerElement(document, NS_MDL, options.mdl.element);
        if (typeof value !== 'string') return { missing: true };
        const resident = mdlValues.has(normalise(value));
        return options.reportCode && resident ? { kind: 'residency', resident, municipalities, code: value.trim() } : { kind: 'residency', resident, municipalities };
      }
      return { missing: true };
    },
  };
}

function normalise(value: string): string {
  return value.normalize('NFKC').trim().toUpperCase();
}
