/**
 * kakunin as a library. The verification core (pure: bytes + transcript + trust + time in, result
 * out), the trust store, and the protocol layer that builds wallet requests and opens responses.
 */
export { verifyDeviceResponse, DEFAULT_CLOCK_SKEW_SECONDS, type VerifyOptions } from './mdoc/verify.js';
export type {
  VerificationResult,
  DocumentResult,
  CheckResult,
  CheckName,
  CheckStatus,
  FailureCode,
  IssuerInfo,
  ValidityInfo,
  NameSpaceValues,
  VerificationError,
} from './mdoc/result.js';
export { TrustStore, type TrustAnchor, type TrustAnchorMeta } from './trust/store.js';
export { loadTrustStore, type LoadOptions } from './runtime/trust-folder.js';
export type { RevocationChecker, RevocationStatus } from './trust/revocation.js';
export { KakuninError, CborError } from './cbor/errors.js';
export { FullDate } from './cbor/types.js';
export * as protocols from './protocols/index.js';
