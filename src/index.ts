/**
 * kakunin as a library: the public API, grouped the way a verifier is built. Everything else in the
 * package is internal and may change without notice; test/library.test.ts pins this list, so a change
 * to it is a deliberate act.
 *
 * @example Verify a DeviceResponse (the pure core: bytes, trust and time in, a result out)
 * ```ts
 * import { loadTrustStore, verifyDeviceResponse } from 'kakunin';
 * declare const bytes: Uint8Array; // the DeviceResponse the wallet sent
 * declare const sessionTranscript: Uint8Array; // the SessionTranscript of the exchange, as CBOR
 * const trust = loadTrustStore(['./certs']);
 * const result = verifyDeviceResponse(bytes, { trust, at: new Date(), sessionTranscript });
 * if (!result.valid) console.log(result.errors.map((e) => e.code));
 * ```
 */
// The declarations name node's types (KeyObject, node:crypto): this brings in the user's @types/node
// even when their tsconfig lists none, TypeScript 7's default (`tsc --init` writes "types": []).
/// <reference types="node" preserve="true" />

// --- Verify a DeviceResponse ---------------------------------------------------------------------
export { verifyDeviceResponse, type VerifyDeviceResponseOptions } from './mdoc/verify.js';
export type {
  VerificationResult,
  DocumentResult,
  CheckResult,
  CheckName,
  CheckStatus,
  IssuerInfo,
  ValidityInfo,
  NameSpaceValues,
  NameSpaceIdentifiers,
  TestIdResult,
  VerificationError,
} from './mdoc/result.js';
export { FAILURE_CODES, type FailureCode } from './codes/failure-codes.js';
export { KakuninError } from './codes/error.js';
export type { KakuninCode, PolicyFailureCode, ProtocolFailureCode, CoseCode, TrustCode, ProximityErrorCode, ServiceCode, ServiceReasonCode, OperatorCode, SandboxCode } from './codes/error-codes.js';
export { FullDate, type EncodedCbor } from './cbor/types.js';

// --- Trust: anchors, VICALs, revocation ----------------------------------------------------------
export { TrustStore, type TrustAnchor, type TrustAnchorMeta } from './trust/store.js';
export type { ParsedCertificate, CertificateExtension } from './trust/certificate.js';
export { loadTrustStore, type LoadTrustStoreOptions } from './runtime/trust-folder.js';
export { verifyVical, type VerifyVicalOptions, type VerifiedVical, type ParsedVical, type Vical, type VicalCertificateInfo } from './trust/vical.js';
export type { SignerPath } from './trust/revocation-path.js';
export { importVical, type ImportVicalOptions, type VicalImportResult, type ImportedCertificate } from './runtime/vical-import.js';
export { RevocationLists, type RevocationListsOptions, type RevocationListKind, type RevocationListTarget, type RevocationListError, type RevocationListMetrics } from './trust/revocation-lists.js';
export type { RevocationChecker, RevocationStatus } from './trust/revocation.js';

// --- Requests and responses, every protocol ------------------------------------------------------
export type { PresentationRequest, RequestedDocument, RequestedElement } from './protocols/request/presentation-request.js';
export { buildPresentationRequest, type BuildPresentationRequestOptions } from './policy/presentation-request.js';
export { createDevelopmentIdentity, type VerifierIdentity, type ClientIdPrefix } from './protocols/keys/verifier-identity.js';
export { loadVerifierIdentity } from './runtime/verifier-identity-files.js';
export { MemoryRequestStateStore, type RequestStateStore } from './protocols/state/request-state-store.js';
export { ProtocolError } from './protocols/errors.js';
export type { VerifyProtocolResponseOptions, ProtocolVerificationResult, AnsweredVerificationResult, ProtocolName } from './protocols/verify-protocol-response.js';
export type { VerifierInfo } from './protocols/oid4vp/request-object.js';
// Digital Credentials API: org-iso-mdoc (Apple Wallet) and openid4vp-v1-signed (Google Wallet).
export { createDigitalCredentialRequest, type DcApiProtocol, type DigitalCredentialRequest, type DigitalCredentialRequestOptions } from './protocols/dcapi/digital-credential-request.js';
export { receiveDigitalCredentialResponse, type DigitalCredentialResponseOptions } from './protocols/dcapi/digital-credential-response.js';
// OpenID4VP 1.0 by QR code or link (direct_post.jwt).
export { createOpenID4VPRequest, getRequestObject, receiveDirectPost, type OpenID4VPRequest, type OpenID4VPRequestOptions, type DirectPostOptions } from './protocols/oid4vp/redirect-flow.js';
// ISO 18013-5 in person: engagement by QR or NFC, a session over NFC or BLE.
export { readMdoc, type ReadMdocOptions, type ReadMdocOutcome } from './protocols/proximity/read-mdoc.js';
export type { ReaderSessionOptions } from './protocols/proximity/reader-session.js';
export type { EphemeralKey, EphemeralCurve } from './protocols/proximity/session-keys.js';
export { parseQrEngagement, parseNfcEngagement, type Engagement } from './protocols/proximity/engagement.js';
export type { DeviceEngagement } from './protocols/proximity/device-engagement.js';
export type { DeviceRetrievalMethod, BleRetrieval, NfcRetrieval, WifiAwareRetrieval } from './protocols/proximity/retrieval-methods.js';
export type { ProximityHandover } from './protocols/transcript/iso-proximity.js';
export { buildItemsRequest, type ItemsRequest, type ReaderIdentity, type DeviceRequestInfo, type UseCase } from './protocols/request/device-request.js';
export type { SessionTransport } from './protocols/proximity/transport.js';
export { NfcSessionTransport } from './protocols/proximity/nfc-transport.js';
export type { ApduChannel } from './protocols/proximity/apdu.js';
export { openBleCentralClient, type BleCentralClientOptions } from './runtime/proximity/ble-central-client.js';

// --- Purposes and decisions ----------------------------------------------------------------------
export type { Purpose, Decision, DecisionValue, DocumentAsk, ElementRef, Channel } from './policy/purpose.js';
export type { AccountReference, CredentialBinder } from './policy/account-reference.js';
export type { FieldResult } from './policy/compare/field-result.js';
export { createAgeOverPurpose, type AgeOverOptions } from './policy/age-over.js';
export { createResidencyPurpose, type ResidencyOptions } from './policy/residency.js';
export { createKycPurpose, type KycOptions } from './policy/kyc.js';
export { loadPurposes } from './runtime/purposes-file.js';
export type { PresetOptions } from './policy/config.js';
export { reduceToDecision, type DecisionOptions } from './policy/reduce.js';
