/**
 * OpenID4VP 1.0 B.2.6.1, invocation by redirect or QR code (response_uri / redirect_uri):
 * Handover = ["OpenID4VPHandover", SHA-256(CBOR([client_id, nonce, jwkThumbprint | null, response_uri]))].
 */
import { encodeCbor } from '../../cbor/index.js';
import { hashedHandover, onlineSessionTranscript } from './session-transcript.js';

export interface OpenID4VPHandoverOptions {
  /** The full client_id, prefix included (e.g. `x509_hash:...`). */
  clientId: string;
  nonce: string;
  /** RFC 7638 thumbprint of the response-encryption key; null when the response is not encrypted. */
  jwkThumbprint: Uint8Array | null;
  /** response_uri (direct_post, direct_post.jwt) or redirect_uri. */
  responseUri: string;
}

export function openID4VPHandoverInfo(input: OpenID4VPHandoverOptions): Uint8Array {
  return encodeCbor([input.clientId, input.nonce, input.jwkThumbprint, input.responseUri]);
}

export function openID4VPHandover(input: OpenID4VPHandoverOptions): Uint8Array {
  return hashedHandover('OpenID4VPHandover', openID4VPHandoverInfo(input));
}

/** SessionTranscript CBOR bytes (not wrapped in tag 24). */
export function openID4VPSessionTranscript(input: OpenID4VPHandoverOptions): Uint8Array {
  return onlineSessionTranscript(openID4VPHandover(input));
}
