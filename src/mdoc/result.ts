/**
 * The typed outcome of verifying a DeviceResponse. Every check that was attempted is listed with
 * pass, fail or not_run; codes are the stable failure codes of DESIGN.md.
 */

export type { FailureCode } from '../codes/failure-codes.js';
import type { FailureCode } from '../codes/failure-codes.js';

/** Names of the checks, in the order the pipeline runs them. */
export type CheckName =
  | 'document_structure'
  | 'issuer_certificate_chain'
  | 'issuer_certificate_profile'
  | 'issuer_signature'
  | 'mso_structure'
  | 'mso_doctype'
  | 'mso_validity'
  | 'mso_signed_within_certificate'
  | 'value_digests'
  | 'issuing_country'
  | 'device_authentication'
  | 'key_authorizations'
  | 'issuer_revocation'
  | 'status';

/** How a named check ended: passed, failed, or could not run (never reported as passed). */
export type CheckStatus = 'pass' | 'fail' | 'not_run';

/**
 * One check of the ISO 18013-5 list (issuer signature, chain, digests, validity, device authentication...) and how it ended.
 */
export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  /** Set when status is fail (the reason) or not_run (why it could not run). */
  code?: FailureCode;
  message?: string;
}

/**
 * Who signed a document: the document signer's subject and country, and the trust anchor and set it chains to.
 */
export interface IssuerInfo {
  /** The document signer's subject DN. */
  subject: string;
  /** ISO 3166 country of the document signer, when it has one. */
  country?: string;
  /** The trust anchor the chain ended at: its name from the trust store, set and subject. */
  anchor?: { name: string; set?: string; subject: string };
}

/**
 * The MSO's validity: when it was signed, valid from and valid until, and the expected update if given.
 */
export interface ValidityInfo {
  signed: string;
  validFrom: string;
  validUntil: string;
  expectedUpdate?: string;
}

/** Element values by namespace, then element identifier. */
export type NameSpaceValues = Record<string, Record<string, unknown>>;

/** Element identifiers by namespace. */
export type NameSpaceIdentifiers = Record<string, string[]>;

/**
 * An integrator test ID (mdoc/test-id.ts): reported only when VerifyDeviceResponseOptions.testIds asks, when its
 * digests matched and the device authenticated the session. No issuer vouches for `elements`.
 */
export interface TestIdResult {
  kind: 'apple';
  /** What pages and receipts show in place of an issuer: "Apple test ID (not an identity)". */
  label: string;
  /** The values whose digests the (unsigned) MSO lists. */
  elements: NameSpaceValues;
}

/**
 * One document of a DeviceResponse: its docType, issuer, validity, the checks it passed or failed, and the issuer-signed values that verified.
 */
export interface DocumentResult {
  docType: string;
  valid: boolean;
  issuer?: IssuerInfo;
  validity?: ValidityInfo;
  elements: {
    /** Only elements whose digest matched an MSO that a trusted issuer signed (issuer signature
     * valid, chain to an anchor allowed to sign the docType, possibly expired); empty otherwise. */
    issuerSigned: NameSpaceValues;
    /** Only present when device authentication passed and the device key was authorised for them. */
    deviceSigned: NameSpaceValues;
  };
  /** The identifiers (never the values) of every element the document carried, verified or not:
   * an element from an untrusted issuer, or whose digest failed, was sent, not missing. */
  presented?: NameSpaceIdentifiers;
  checks: CheckResult[];
  /**
   * Checks the caller chose not to run (no revocation lists given: the MSO's status reference), each
   * not_run with its reason, so that nothing is skipped silently. They leave `valid` as `checks` make
   * it, as turning revocation off does.
   */
  unchecked?: CheckResult[];
  /**
   * RFC 7638 SHA-256 thumbprint (base64url) of the MSO's device key, set only when the device
   * proved possession of that key for this session: the same wallet credential gives the same
   * value at every presentation, a re-issued one (new card, new phone) another. A stable
   * identifier of the credential: the policy turns it into a per-merchant keyed hash or drops it.
   */
  deviceKeyThumbprint?: string;
  /** Set for a recognised test ID when test IDs were asked for; the document is still not valid. */
  testId?: TestIdResult;
}

/**
 * A reason a verification failed: a code of the public contract (FailureCode), the document it concerns, and a message for people.
 */
export interface VerificationError {
  code: FailureCode;
  message: string;
  /** Index of the document the error belongs to, when it belongs to one. */
  document?: number;
}

/**
 * The result of verifying a DeviceResponse: `valid`, each document's checks and disclosed values, and every error with its code.
 */
export interface VerificationResult {
  valid: boolean;
  /** DeviceResponse.status (0 = OK). */
  status?: number;
  documents: DocumentResult[];
  /** documentErrors the wallet returned: docType -> error code. */
  documentErrors?: Record<string, number>;
  /** Every failed check's code, and failures that stopped parsing. */
  errors: VerificationError[];
}
