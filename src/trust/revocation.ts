/**
 * What the verification pipeline asks about revocation. Implementations answer from lists already
 * fetched and verified (CRLs, status lists): the hot path never waits on the network.
 */

export type RevocationStatus =
  | { status: 'good' }
  | { status: 'revoked'; message: string }
  /** No current, verified list could be had. The policy decides whether this fails the document. */
  | { status: 'unavailable'; message: string };

/**
 * Answers whether a certificate or an mdoc (by its status list entry) is revoked, from lists it has verified; `unavailable` when it has no current answer.
 */
export interface RevocationChecker {
  /** Is `certificate` (DER), issued by `issuer` (DER), revoked at `at`? */
  checkCertificate(certificate: Uint8Array, issuer: Uint8Array, at: Date): RevocationStatus;
  /** The MSO `status` entry (decoded CBOR map: status_list / identifier_list), at `at`. `anchor` is
   * the DER of the trust anchor the document chained to: only a list whose signer chains to that
   * same anchor may answer for it. */
  checkMsoStatus(status: Map<unknown, unknown>, at: Date, anchor: Uint8Array): RevocationStatus;
  /** When a list cannot be had: 'fail' reports STATUS_UNAVAILABLE as a failure, 'warn' as not_run. */
  readonly unavailablePolicy: 'fail' | 'warn';
}
