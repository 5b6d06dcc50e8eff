/**
 * The verification failure codes: a public contract (DESIGN.md). Codes may be added, never renamed.
 * They live at the bottom of the layers so that every layer that reports one (trust, mdoc, policy,
 * the service, the pages) imports the same list.
 */
export const FAILURE_CODES = [
  'CBOR_MALFORMED',
  'DOCUMENT_MISSING',
  'DOCTYPE_MISMATCH',
  'ISSUER_CERT_MISSING',
  'ISSUER_CERT_UNTRUSTED',
  'ISSUER_CERT_EXPIRED',
  'ISSUER_CERT_PROFILE',
  'ISSUER_CERT_REVOKED',
  'ISSUER_SIGNATURE_INVALID',
  'MSO_INVALID',
  'MSO_NOT_YET_VALID',
  'MSO_EXPIRED',
  'MSO_SIGNED_OUTSIDE_CERT_VALIDITY',
  'DIGEST_MISMATCH',
  'DEVICE_AUTH_MISSING',
  'DEVICE_AUTH_INVALID',
  'DEVICE_KEY_NOT_AUTHORIZED',
  'STATUS_REVOKED',
  'STATUS_UNAVAILABLE',
  'ELEMENT_NOT_REQUESTED',
  'ELEMENT_MISSING',
  'TRANSCRIPT_MISSING',
  /** deviceMac needs the reader's ephemeral private key, and none was given. */
  'READER_KEY_MISSING',
  /** issuing_country or issuing_jurisdiction is not the document signer certificate's countryName or
   * stateOrProvinceName (ISO 18013-5 §9.3.3, Annex B). */
  'ISSUING_COUNTRY_MISMATCH',
] as const;

/**
 * A failure code of the public contract (FAILURE_CODES): stable, for programs and support; the message is for people.
 */
export type FailureCode = (typeof FAILURE_CODES)[number];
