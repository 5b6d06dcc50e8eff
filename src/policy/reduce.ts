/**
 * From a verification result to the purpose's decision. The decision rests on the first document
 * that is of an accepted type, verified, and issued under an accepted trust set; everything else
 * the wallet sent is dropped here and never reaches the store, the receipt or a log.
 */
import type { DocumentResult, VerificationResult } from '../mdoc/result.js';
import type { Decision, PolicyFailureCode, Purpose } from './purpose.js';

export function reduceToDecision(purpose: Purpose, result: VerificationResult, at: Date): Decision {
  const acceptedTypes = new Set(purpose.documents.map((d) => d.docType));
  const candidates = result.documents.filter((d) => acceptedTypes.has(d.docType));
  const failures = new Set<PolicyFailureCode>();
  const failed = (codes: Iterable<PolicyFailureCode>, document?: DocumentResult): Decision => {
    for (const c of codes) failures.add(c);
    if (failures.size === 0) failures.add('VERIFICATION_FAILED');
    return {
      purpose: purpose.name,
      outcome: 'failed',
      ...(document ? { docType: document.docType, issuer: issuerOf(document) } : {}),
      failureCodes: [...failures],
    };
  };

  if (candidates.length === 0) {
    // A response that failed before any document was read says why; otherwise it held the wrong documents.
    const codes = result.errors.map((e) => e.code);
    return failed(result.documents.length === 0 && codes.length > 0 ? codes : ['DOCUMENT_NOT_ACCEPTED']);
  }

  const responseErrors = result.errors.filter((e) => e.document === undefined);
  for (const document of candidates) {
    if (!document.valid || responseErrors.length > 0) {
      for (const check of document.checks) if (check.status === 'fail' && check.code) failures.add(check.code);
      for (const e of result.errors) {
        if (e.document === undefined || result.documents[e.document] === document) failures.add(e.code);
      }
      continue;
    }
    const set = document.issuer?.anchor?.set;
    if (purpose.trustSets.length > 0 && (set === undefined || !purpose.trustSets.includes(set))) {
      failures.add('ISSUER_NOT_ACCEPTED');
      continue;
    }
    const value = purpose.decide(document, at);
    if ('missing' in value) {
      failures.add('ELEMENT_MISSING');
      continue;
    }
    return {
      purpose: purpose.name,
      outcome: 'verified',
      value,
      docType: document.docType,
      issuer: issuerOf(document),
      failureCodes: [],
    };
  }
  return failed([], candidates[0]);
}

function issuerOf(document: DocumentResult): Decision['issuer'] {
  const issuer = document.issuer;
  if (!issuer) return undefined;
  return {
    subject: issuer.subject,
    ...(issuer.country ? { country: issuer.country } : {}),
    ...(issuer.anchor?.set ? { trustSet: issuer.anchor.set } : {}),
    ...(issuer.anchor ? { anchor: issuer.anchor.name } : {}),
  };
}
