/**
 * How far apart the verifier's clock and an issuer's may be when trust material (CRL thisUpdate,
 * status list iat, VICAL date) claims to be issued "now": five minutes, the usual NTP-less drift.
 * Kept here because trust/ must not depend on mdoc/, which has its own default for MSO validity.
 */
export const TRUST_CLOCK_SKEW_SECONDS = 300;
