/**
 * age_over: "is the holder at least N?" Asks for age_over_NN alone; when the purpose allows a
 * fallback, DCQL claim_sets let a wallet without age_over_NN send age_in_years, then birth_date.
 * Whatever arrives, only the boolean is reported.
 */
import { MDL, MY_NUMBER_CARD, NS_23220, NS_MDL, resolveDocType } from './documents.js';
import { ageAt, calendarDate, fullDateParts, issuerElement } from './elements.js';
import type { DocumentAsk, ElementRef, Purpose } from './purpose.js';
import { KakuninError } from '../codes/error.js';

/**
 * The age threshold, the documents accepted, whether a birth date may stand in for age_over_NN, and the calendar's time zone.
 */
export interface AgeOverOptions {
  name?: string;
  threshold?: number;
  /** Allow age_in_years and birth_date when the wallet has no age_over_NN element. */
  allowFallback?: boolean;
  documents?: string[];
  trustSets?: string[];
  label?: { ja: string; en: string };
  /** IANA time zone whose calendar date the birth_date fallback counts age on. Default Asia/Tokyo
   * (DESIGN.md: age is computed on the calendar date in Japan, not UTC). */
  timeZone?: string;
}

const AGE_NAMESPACE: Record<string, string> = { [MY_NUMBER_CARD]: NS_23220, [MDL]: NS_MDL };

/**
 * "NN or over" from age_over_NN (My Number Card, mDL, EU PID), without a birth date unless the purpose allows it as a fallback.
 *
 * @example
 * ```ts
 * import { buildPresentationRequest, createAgeOverPurpose } from 'kakunin';
 * const over20 = createAgeOverPurpose({ threshold: 20 });
 * const request = buildPresentationRequest(over20); // asks for age_over_20 only
 * ```
 */
export function createAgeOverPurpose(options: AgeOverOptions = {}): Purpose {
  const threshold = options.threshold ?? 20;
  const timeZone = options.timeZone ?? 'Asia/Tokyo';
  calendarDate(new Date(0), timeZone); // an unknown zone fails here, at configuration, not per answer
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 99) {
    throw new KakuninError('INVALID_ARGUMENT', `age_over threshold must be an integer 0..99, got ${threshold}`);
  }
  const nn = String(threshold).padStart(2, '0');
  const ageOverId = `age_over_${nn}`;
  const docTypes = (options.documents ?? [MY_NUMBER_CARD, MDL]).map(resolveDocType);
  for (const docType of docTypes) {
    if (!AGE_NAMESPACE[docType]) throw new KakuninError('INVALID_ARGUMENT', `age_over cannot use document ${docType}`);
  }
  const documents: DocumentAsk[] = docTypes.map((docType) => {
    const ns = AGE_NAMESPACE[docType];
    const element = (elementIdentifier: string): ElementRef[] => [{ nameSpace: ns, elementIdentifier, intentToRetain: false }];
    const claimSets = [element(ageOverId)];
    if (options.allowFallback) claimSets.push(element('age_in_years'), element('birth_date'));
    return { docType, claimSets };
  });

  return {
    name: options.name ?? 'age_over',
    label: options.label ?? { ja: `${threshold}歳以上`, en: `${threshold} or over` },
    documents,
    trustSets: options.trustSets ?? [],
    decide(document, at) {
      const ns = AGE_NAMESPACE[document.docType];
      const flag = issuerElement(document, ns, ageOverId);
      if (typeof flag === 'boolean') return { kind: 'age_over', threshold, over: flag };
      if (!options.allowFallback) return { missing: true };
      const years = issuerElement(document, ns, 'age_in_years');
      if (typeof years === 'number' && Number.isInteger(years)) {
        return { kind: 'age_over', threshold, over: years >= threshold };
      }
      const birth = fullDateParts(issuerElement(document, ns, 'birth_date'));
      if (birth) return { kind: 'age_over', threshold, over: ageAt(birth, at, timeZone) >= threshold };
      return { missing: true };
    },
  };
}
