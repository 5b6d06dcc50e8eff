/**
 * 番号法 (行政手続における特定の個人を識別するための番号の利用等に関する法律, the My Number Act) lets a
 * business collect a person's My Number (個人番号) only for the uses it lists (Art. 9, 19, 20). A
 * purpose that asks a wallet for `individual_number_unicode` must therefore say which use it serves;
 * without that declaration the service refuses to start. The built-in purposes never ask for it.
 */
import { KakuninError } from '../codes/error.js';
import { NS_23220_JP } from './documents.js';
import type { Purpose } from './purpose.js';

export const MY_NUMBER_ELEMENT = 'individual_number_unicode';

/** Does the purpose ask any wallet for the My Number? */
export function asksForMyNumber(purpose: Purpose): boolean {
  return purpose.documents.some((d) => d.claimSets.some((set) => set.some((e) => e.elementIdentifier === MY_NUMBER_ELEMENT && e.nameSpace === NS_23220_JP)));
}

/** Throws when a purpose asks for the My Number without a declared legal basis. */
export function checkMyNumberUse(purpose: Purpose): void {
  if (!asksForMyNumber(purpose) || (purpose.legalBasis && purpose.legalBasis.trim().length >= 20)) return;
  throw new KakuninError(
    'CONFIG_INVALID',
    `asks for ${NS_23220_JP}/${MY_NUMBER_ELEMENT} (個人番号, the My Number): 番号法 (the My Number Act, Art. 9, 19 and 20) allows collecting it only for the uses the law lists. ` +
      'Declare that use in the purpose\'s "legalBasis" (at least 20 characters), or do not ask for the element.',
  );
}
