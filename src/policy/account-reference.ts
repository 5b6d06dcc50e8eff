/**
 * What a merchant gives account_match to compare with, and how a credential's binding is made.
 */

/** The merchant's reference for one account (POST /v1/verifications `account`). */
export interface AccountReference {
  /** The merchant's own opaque account id (at most 128 characters). */
  id: string;
  name: string;
  /** YYYY-MM-DD. */
  birth_date: string;
  address?: string;
  /** The `binding` an earlier account_match returned: compared as `same_credential`. */
  binding?: string;
  /** Ask for this credential's binding (at onboarding), returned as `binding`. */
  bind?: boolean;
}

/**
 * The per-merchant keyed hash of a device key thumbprint (the service holds the key): the same
 * credential gives the same binding to one merchant and unrelated ones to two merchants.
 */
export type CredentialBinder = (deviceKeyThumbprint: string) => string;
