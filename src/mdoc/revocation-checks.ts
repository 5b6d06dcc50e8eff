/**
 * Revocation, from lists the caller has already fetched (no I/O here): issuer_revocation (a CRL for
 * every certificate of the issuer's path) and status (the MSO's status list or identifier list).
 */
import type { RevocationChecker, RevocationStatus } from '../trust/revocation.js';
import { readMsoStatus } from '../trust/status-list.js';
import type { Checks } from './checks.js';
import type { IssuerChain } from './issuer-checks.js';
import type { MobileSecurityObject } from './mso.js';
import type { CheckName, CheckResult, FailureCode } from './result.js';

function report(checks: Checks, check: CheckName, outcome: RevocationStatus, revokedCode: FailureCode, policy: 'fail' | 'warn'): void {
  if (outcome.status === 'good') checks.pass(check);
  else if (outcome.status === 'revoked') checks.fail(check, revokedCode, outcome.message);
  else if (policy === 'fail') checks.fail(check, 'STATUS_UNAVAILABLE', outcome.message);
  else checks.notRun(check, 'STATUS_UNAVAILABLE', outcome.message);
}

/** issuer_revocation: no certificate of the path to the anchor is revoked. */
export function checkIssuerRevocation(chain: IssuerChain, rev: RevocationChecker, at: Date, checks: Checks): void {
  if (!chain.anchor) {
    checks.notRun('issuer_revocation', chain.chain?.code ?? 'ISSUER_CERT_UNTRUSTED', 'no chain to check');
    return;
  }
  if (chain.path.length < 2) {
    // A document signer trusted directly has no issuer to publish a CRL: no revocation answer
    // exists, which the policy treats as any other unavailable list.
    report(checks, 'issuer_revocation', { status: 'unavailable', message: 'the document signer is itself the trust anchor: no CRL covers it' }, 'ISSUER_CERT_REVOKED', rev.unavailablePolicy);
    return;
  }
  let outcome: RevocationStatus = { status: 'good' };
  for (let i = 0; i + 1 < chain.path.length && outcome.status === 'good'; i++) {
    outcome = rev.checkCertificate(chain.path[i].der, chain.path[i + 1].der, at);
  }
  report(checks, 'issuer_revocation', outcome, 'ISSUER_CERT_REVOKED', rev.unavailablePolicy);
}

/** status: the MSO's status reference, followed only when a trusted issuer signed it. */
export function checkMsoStatus(mso: MobileSecurityObject | undefined, chain: IssuerChain, issuerSigned: boolean, rev: RevocationChecker, at: Date, checks: Checks): void {
  if (!mso?.status) return;
  // The status URI comes from the MSO: following it for an unsigned mdoc would let it make the
  // verifier fetch a URL of its choosing.
  if (chain.anchor && !chain.chain && issuerSigned) {
    report(checks, 'status', rev.checkMsoStatus(mso.status, at, chain.anchor.certificate.der), 'STATUS_REVOKED', rev.unavailablePolicy);
  } else checks.notRun('status', 'ISSUER_SIGNATURE_INVALID', 'the MSO is not authenticated: its status reference is not followed');
}

/** The status check a caller without revocation lists did not run, when the MSO carries a reference. */
export function uncheckedMsoStatus(mso: MobileSecurityObject | undefined): CheckResult | undefined {
  if (!mso?.status) return undefined;
  let reference: string;
  try {
    const r = readMsoStatus(mso.status);
    reference = r.kind === 'status_list' ? `a status list reference (${r.uri}, index ${r.idx})` : `an identifier list reference (${r.uri})`;
  } catch (e) {
    reference = `a status reference that does not read (${(e as Error).message})`;
  }
  return { check: 'status', status: 'not_run', code: 'STATUS_UNAVAILABLE', message: `the MSO carries ${reference}; no revocation lists were given, so it was not checked` };
}
