/**
 * What the service needs from the protocol layer (src/protocols/), in the service's own terms: make
 * the wallet requests for a session, serve the signed request object, and open a wallet's answer
 * into DeviceResponse bytes and the SessionTranscript to verify them with. The implementation
 * (protocol-adapter.ts) is the only service file that knows protocol details.
 */
import type { VerificationResult } from '../mdoc/result.js';
import type { DocumentAsk } from '../policy/index.js';

export interface PrepareInput {
  /** What the purpose asks for. */
  documents: DocumentAsk[];
  /** request_uri for OpenID4VP by QR / redirect. */
  requestUri: string;
  /** response_uri for direct_post.jwt. */
  responseUri: string;
  /** The web origin the DC API call will come from (the page's origin). */
  origin: string;
}

export interface PreparedRequest {
  /** JSON-serialisable state to keep in the session: nonces, ephemeral private keys as JWK, etc. */
  secrets: Record<string, unknown>;
  /** What the QR code carries: openid4vp://?client_id=...&request_uri=... */
  qrUri: string;
  /** The argument for navigator.credentials.get. */
  dcapi: unknown;
}

export interface OpenedResponse {
  deviceResponse: Uint8Array;
  /** SessionTranscript CBOR bytes. */
  sessionTranscript: Uint8Array;
  /** After verification: flags elements not requested and requested elements missing. */
  checkElements?: (result: VerificationResult) => VerificationResult;
}

export interface WalletProtocols {
  prepare(input: PrepareInput): Promise<PreparedRequest>;
  /** The signed request object (JAR) for request_uri; `walletNonce` from a POST to request_uri. */
  requestObject(secrets: Record<string, unknown>, walletPost?: { walletNonce?: string }): Promise<string>;
  /** Opens a direct_post.jwt body (form fields). */
  openDirectPost(secrets: Record<string, unknown>, form: Record<string, string>): Promise<OpenedResponse>;
  /** Opens what navigator.credentials.get returned ({protocol, data}), as received by the page. */
  openDcapi(secrets: Record<string, unknown>, credential: { protocol: string; data: unknown }): Promise<OpenedResponse>;
}
