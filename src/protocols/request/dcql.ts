/**
 * PresentationRequest -> DCQL query (OpenID4VP 1.0 §6, mso_mdoc claims: path [namespace, element],
 * intent_to_retain). Alternatives become one credential_set with one option per document.
 */
import type { PresentationRequest } from './presentation-request.js';

export interface DcqlClaim {
  id?: string;
  path: [string, string];
  intent_to_retain?: boolean;
}

export interface DcqlCredentialQuery {
  id: string;
  format: 'mso_mdoc';
  meta: { doctype_value: string };
  claims: DcqlClaim[];
  claim_sets?: string[][];
}

export interface DcqlQuery {
  credentials: DcqlCredentialQuery[];
  credential_sets?: { options: string[][]; required?: boolean }[];
}

export function toDcqlQuery(request: PresentationRequest): DcqlQuery {
  const credentials = request.documents.map((doc): DcqlCredentialQuery => {
    const hasOptional = doc.elements.some((e) => e.optional);
    const claims = doc.elements.map((e, i): DcqlClaim => {
      const claim: DcqlClaim = { path: [e.nameSpace, e.elementIdentifier], intent_to_retain: e.intentToRetain ?? false };
      if (hasOptional) claim.id = `c${i}`;
      return claim;
    });
    const query: DcqlCredentialQuery = { id: doc.id, format: 'mso_mdoc', meta: { doctype_value: doc.docType }, claims };
    if (hasOptional) {
      // Preferred: everything; fallback: the required claims only (§6.4.1, claim_sets in order of preference).
      const all = claims.map((c) => c.id!);
      const required = doc.elements.flatMap((e, i) => (e.optional ? [] : [`c${i}`]));
      query.claim_sets = required.length ? [all, required] : [all];
    }
    return query;
  });
  const query: DcqlQuery = { credentials };
  if (credentials.length > 1) query.credential_sets = [{ options: credentials.map((c) => [c.id]), required: true }];
  return query;
}
