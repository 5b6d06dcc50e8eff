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
  | 'device_authentication'
  | 'key_authorizations'
  | 'issuer_revocation'
  | 'status';

export type CheckStatus = 'pass' | 'fail' | 'not_run';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  /** Set when status is fail (the reason) or not_run (why it could not run). */
  code?: FailureCode;
  message?: string;
}

export interface IssuerInfo {
  /** The document signer's subject DN. */
  subject: string;
  /** ISO 3166 country of the document signer, when it has one. */
  country?: string;
  /** The trust anchor the chain ended at: its name from the trust store, set and subject. */
  anchor?: { name: string; set?: string; subject: string };
}

export interface ValidityInfo {
  signed: string;
  validFrom: string;
  validUntil: string;
  expectedUpdate?: string;
}

/** Element values by namespace, then element identifier. */
export type NameSpaceValues = Record<string, Record<string, unknown>>;

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
  checks: CheckResult[];
}

export interface VerificationError {
  code: FailureCode;
  message: string;
  /** Index of the document the error belongs to, when it belongs to one. */
  document?: number;
}

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
