/**
 * From a verification result to the purpose's decision. The decision rests on the first document
 * that is of an accepted type, verified, and issued under an accepted trust set; everything else
 * the wallet sent is dropped here and never reaches the store, the receipt or a log.
 */
import type { DocumentResult, VerificationResult } from '../mdoc/result.js';
import type { Decision, PolicyFailureCode, Purpose } from './purpose.js';

/**
 * How the decision treats revocation that could not be checked (`warn` mode accepts it and says so).
 */
export interface DecisionOptions {
  /**
   * KAKUNIN_REVOCATION. Under `warn` a revocation check that no current list could answer
   * (not run, STATUS_UNAVAILABLE) does not stop a document; the decision says so
   * (`revocation: 'unavailable'`). Nothing else is ever excused. Default `fail`.
   */
  revocation?: 'fail' | 'warn' | 'off';
  /**
   * Decide on an integrator test ID (DocumentResult.testId) when no real document decided: outcome
   * `test`, never `verified`. The service sets it only in sandbox mode with KAKUNIN_APPLE_TEST_IDS.
   */
  testIds?: boolean;
}

/** What a test ID cannot pass for want of an issuer; every other check still has to pass. */
const ISSUER_CHECKS: ReadonlySet<string> = new Set([
  'issuer_certificate_chain',
  'issuer_certificate_profile',
  'issuer_signature',
  'mso_signed_within_certificate',
  'issuing_country',
  'issuer_revocation',
  'status',
]);

const REVOCATION_CHECKS: ReadonlySet<string> = new Set(['issuer_revocation', 'status']);

/**
 * Every finding against the document at `index`: each check that did not pass, each error about the
 * document (ELEMENT_NOT_REQUESTED and ELEMENT_MISSING from the element check live there, not in its
 * checks) and each error about the whole response. `excused` are the ones the revocation mode lets
 * through. This is the one place a document is judged.
 */
function findingsOf(result: VerificationResult, index: number, options: DecisionOptions, skipped: ReadonlySet<string> = new Set()): { blocking: string[]; excused: number } {
  const document = result.documents[index];
  const warn = options.revocation === 'warn';
  const blocking: string[] = [];
  // The error list repeats each check's code: a code of a check that was excused or skipped is
  // dropped from it as many times as such checks had it.
  const repeated = new Map<string, number>();
  const drop = (code: string | undefined) => code && repeated.set(code, (repeated.get(code) ?? 0) + 1);
  let excused = 0;
  for (const check of document.checks) {
    if (check.status === 'pass') continue;
    if (skipped.has(check.check)) drop(check.code);
    else if (warn && check.status === 'not_run' && check.code === 'STATUS_UNAVAILABLE' && REVOCATION_CHECKS.has(check.check)) {
      excused++;
      drop(check.code);
    } else blocking.push(check.code ?? 'VERIFICATION_FAILED');
  }
  for (const e of result.errors) {
    if (e.document !== undefined && e.document !== index) continue;
    const left = e.document === index ? (repeated.get(e.code) ?? 0) : 0;
    if (left > 0) repeated.set(e.code, left - 1);
    else blocking.push(e.code);
  }
  // A document called invalid for a reason nobody listed is still invalid.
  if (!document.valid && blocking.length === 0 && excused === 0 && skipped.size === 0) blocking.push('VERIFICATION_FAILED');
  return { blocking, excused };
}

/**
 * Reduces a verification result to the purpose's minimal decision: only issuer-signed elements decide, and a failed verification decides nothing.
 *
 * @example
 * ```ts
 * import { reduceToDecision, type Purpose, type VerificationResult } from 'kakunin';
 * declare const purpose: Purpose; // the purpose the request was built from
 * declare const result: VerificationResult; // verifyDeviceResponse, receiveDirectPost, ...
 * const decision = reduceToDecision(purpose, result, new Date());
 * if (decision.outcome === 'verified') console.log(decision.value); // e.g. { kind: 'age_over', threshold: 20, over: true }
 * ```
 */
export function reduceToDecision(purpose: Purpose, result: VerificationResult, at: Date, options: DecisionOptions = {}): Decision {
  const acceptedTypes = new Set(purpose.documents.map((d) => d.docType));
  const candidates = result.documents.map((document, index) => ({ document, index })).filter((c) => acceptedTypes.has(c.document.docType));
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

  for (const { document, index } of candidates) {
    const { blocking, excused } = findingsOf(result, index, options);
    if (blocking.length > 0) {
      for (const code of blocking) failures.add(code as PolicyFailureCode);
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
      ...(excused > 0 ? { revocation: 'unavailable' as const } : {}),
      failureCodes: [],
    };
  }
  if (options.testIds) {
    const decision = decideOnTestId(purpose, result, candidates, at, options);
    if (decision) return decision;
  }
  return failed([], candidates[0].document);
}

/** The first test ID that passed everything but what only an issuer can give, decided as `test`. */
function decideOnTestId(purpose: Purpose, result: VerificationResult, candidates: { document: DocumentResult; index: number }[], at: Date, options: DecisionOptions): Decision | undefined {
  for (const { document, index } of candidates) {
    const testId = document.testId;
    if (!testId || findingsOf(result, index, options, ISSUER_CHECKS).blocking.length > 0) continue;
    const value = purpose.decide({ ...document, elements: { issuerSigned: testId.elements, deviceSigned: {} } }, at);
    if ('missing' in value) continue;
    return { purpose: purpose.name, outcome: 'test', value, docType: document.docType, issuer: { subject: testId.label }, failureCodes: [] };
  }
  return undefined;
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
