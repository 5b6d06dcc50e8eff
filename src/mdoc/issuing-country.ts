/**
 * issuing_country: the country a document claims is the document signer's (ISO 18013-5 §9.3.3 and
 * Annex B): issuing_country, when presented, is the DS certificate subject's countryName, and
 * issuing_jurisdiction its stateOrProvinceName when the certificate has one (Annex B makes it
 * optional). Without it an issuer trusted for one country could sign documents claiming another.
 * A signer with no countryName is trusted for no country: its documents' issuing_country is not
 * compared (Apple's Verify with Wallet sample: no C in its certificates, issuing_country "").
 *
 * Only digest-verified values count: an item whose digest failed is value_digests' finding, not a
 * claim. The comparison is exact (case-sensitive): both sides are ISO 3166 codes in capitals, and a
 * signer that writes them otherwise is not the one the document names.
 */
import type { Checks } from './checks.js';
import type { IssuerChain } from './issuer-checks.js';
import type { NameSpaceValues } from './result.js';

/**
 * The namespaces whose issuing_country / issuing_jurisdiction mean the issuing authority's ISO 3166-1
 * country and ISO 3166-2 subdivision: the mDL (18013-5 §7.2.1), ISO 23220-2's common namespace (the
 * My Number Card, Photo ID) and the EU PID rulebook's (the PID Provider's country).
 */
export const ISSUING_COUNTRY_NAMESPACES = ['org.iso.18013.5.1', 'org.iso.23220.1', 'eu.europa.ec.eudi.pid.1'] as const;

/** One claimed value against the document signer's attribute, into `problems` or `notes`. */
function compare(ns: string, element: string, claimed: unknown, certified: string | undefined, attribute: string, problems: string[], notes: string[]): void {
  // A signer that names no country (or subdivision) was not trusted for one: nothing to hold the
  // claim to. A DS without countryName is the profile's question (issuer_certificate_profile).
  if (certified === undefined) notes.push(`${ns}/${element} not compared: the document signer has no ${attribute}`);
  else if (claimed === certified) notes.push(`${ns}/${element}`);
  else problems.push(`${ns}/${element} ${JSON.stringify(claimed)} is not the document signer's ${attribute} ${JSON.stringify(certified)}`);
}

/** issuing_country: each presented issuing_country and issuing_jurisdiction agrees with the document signer. */
export function checkIssuingCountry(verified: NameSpaceValues, chain: IssuerChain, checks: Checks): void {
  const ds = chain.ds;
  if (!ds) {
    checks.notRun('issuing_country', chain.chain?.code ?? 'ISSUER_CERT_MISSING', 'no readable document signer certificate');
    return;
  }
  const problems: string[] = [];
  const notes: string[] = [];
  for (const ns of ISSUING_COUNTRY_NAMESPACES) {
    const values = verified[ns];
    if (!values) continue;
    if ('issuing_country' in values) compare(ns, 'issuing_country', values.issuing_country, ds.country, 'countryName', problems, notes);
    if ('issuing_jurisdiction' in values && ds.stateOrProvince !== undefined) {
      compare(ns, 'issuing_jurisdiction', values.issuing_jurisdiction, ds.stateOrProvince, 'stateOrProvinceName', problems, notes);
    }
  }
  if (problems.length) checks.fail('issuing_country', 'ISSUING_COUNTRY_MISMATCH', problems.join('; '));
  else checks.pass('issuing_country', notes.length ? notes.join(', ') : 'no issuing_country presented');
}
