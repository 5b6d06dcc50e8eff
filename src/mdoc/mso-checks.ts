/**
 * What the MSO itself must say (ISO 18013-5 §9.3.1 steps 5–7): it is for this document's docType, it
 * is valid now (within the clock skew allowed), and it was signed while the document signer's
 * certificate was valid.
 */
import { iso, type Checks } from './checks.js';
import type { Document } from './device-response.js';
import type { IssuerChain } from './issuer-checks.js';
import type { MobileSecurityObject } from './mso.js';
import type { DocumentResult } from './result.js';

/** The checks the MSO answers, and that cannot run without one. */
export const MSO_CHECKS = ['mso_doctype', 'mso_validity', 'mso_signed_within_certificate', 'value_digests', 'issuing_country'] as const;

/** mso_doctype, mso_validity and mso_signed_within_certificate; reports the validity in `result`. */
export function checkMso(doc: Document, mso: MobileSecurityObject, chain: IssuerChain, at: Date, skewSeconds: number, checks: Checks, result: DocumentResult): void {
  const vi = mso.validityInfo;
  result.validity = { signed: iso(vi.signed), validFrom: iso(vi.validFrom), validUntil: iso(vi.validUntil) };
  if (vi.expectedUpdate) result.validity.expectedUpdate = iso(vi.expectedUpdate);

  if (mso.docType === doc.docType) checks.pass('mso_doctype');
  else checks.fail('mso_doctype', 'DOCTYPE_MISMATCH', `MSO is for ${mso.docType}, document says ${doc.docType}`);

  const skew = skewSeconds * 1000;
  const t = at.getTime();
  if (t + skew < vi.validFrom.getTime()) checks.fail('mso_validity', 'MSO_NOT_YET_VALID', `MSO valid from ${iso(vi.validFrom)}`);
  else if (t - skew > vi.validUntil.getTime()) checks.fail('mso_validity', 'MSO_EXPIRED', `MSO expired ${iso(vi.validUntil)}`);
  else checks.pass('mso_validity');

  const ds = chain.ds;
  if (!ds) checks.notRun('mso_signed_within_certificate', chain.chain?.code ?? 'ISSUER_CERT_MISSING', 'no readable document signer certificate');
  else if (vi.signed < ds.notBefore || vi.signed > ds.notAfter) {
    checks.fail('mso_signed_within_certificate', 'MSO_SIGNED_OUTSIDE_CERT_VALIDITY', `MSO signed ${iso(vi.signed)}, outside the document signer's validity`);
  } else checks.pass('mso_signed_within_certificate');
}
