/**
 * The documents purposes can accept, with the namespaces their elements live in. Names are the
 * ones the standards and the wallets use; `alias` is the short name config files may use instead.
 */

export const MY_NUMBER_CARD = 'org.iso.23220.1.jp.mnc';
export const MDL = 'org.iso.18013.5.1.mDL';
/** EU Person Identification Data (PID rulebook, mdoc encoding); its elements live in a namespace of the same name. */
export const PID = 'eu.europa.ec.eudi.pid.1';

/** ISO/IEC 23220-1 common namespace: age_over_NN, age_in_years, birth_date, sex. */
export const NS_23220 = 'org.iso.23220.1';
/** Japanese extension of the My Number Card: names, address, 市区町村コード, portrait. */
export const NS_23220_JP = 'org.iso.23220.1.jp';
/** ISO/IEC 18013-5 mDL namespace. */
export const NS_MDL = 'org.iso.18013.5.1';
/** EU PID namespace: family_name, given_name, birth_date, resident_address, ... */
export const NS_PID = 'eu.europa.ec.eudi.pid.1';

export const DOCUMENT_ALIASES: Readonly<Record<string, string>> = {
  mnc: MY_NUMBER_CARD,
  mdl: MDL,
  pid: PID,
};

/** Accepts an alias ("mnc", "mdl") or a full docType and returns the docType. */
export function resolveDocType(nameOrAlias: string): string {
  return DOCUMENT_ALIASES[nameOrAlias] ?? nameOrAlias;
}
