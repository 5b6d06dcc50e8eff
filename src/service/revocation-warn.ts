/**
 * KAKUNIN_REVOCATION=warn. The pipeline reports a revocation check that no current list could
 * answer as not run (STATUS_UNAVAILABLE), and a not-run check keeps a document from being valid.
 * Under `warn` the operator has chosen to let such a document through: this accepts a document
 * whose only shortfall is that, and nothing else. The checks stay in the result as not run (never
 * turned into passes); the caller counts and logs each acceptance.
 */
import type { CheckName, VerificationResult } from '../mdoc/result.js';

const REVOCATION_CHECKS: ReadonlySet<CheckName> = new Set<CheckName>(['issuer_revocation', 'status']);

export function acceptUnavailableRevocation(result: VerificationResult): { result: VerificationResult; accepted: number } {
  let accepted = 0;
  const lifted = new Set<number>();
  const documents = result.documents.map((d, i) => {
    if (d.valid) return d;
    const short = d.checks.filter((c) => c.status !== 'pass');
    const onlyUnavailable = short.length > 0 && short.every((c) => c.status === 'not_run' && c.code === 'STATUS_UNAVAILABLE' && REVOCATION_CHECKS.has(c.check));
    if (!onlyUnavailable) return d;
    accepted++;
    lifted.add(i);
    return { ...d, valid: true };
  });
  if (accepted === 0) return { result, accepted };
  const errors = result.errors.filter((e) => !(e.document !== undefined && lifted.has(e.document) && e.code === 'STATUS_UNAVAILABLE'));
  return { result: { ...result, documents, errors, valid: errors.length === 0 && documents.every((d) => d.valid) }, accepted };
}
