/**
 * OpenID4VP 1.0 B.2.6.2, invocation through the Digital Credentials API:
 * Handover = ["OpenID4VPDCAPIHandover", SHA-256(CBOR([origin, nonce, jwkThumbprint | null]))].
 */
import { encodeCbor } from '../../cbor/index.js';
import { KakuninError } from '../../codes/error.js';
import { hashedHandover, onlineSessionTranscript } from './session-transcript.js';

export interface OpenID4VPDCAPIHandoverOptions {
  /** The origin the browser reported, without any `origin:` prefix. */
  origin: string;
  nonce: string;
  /** Thumbprint of the key in client_metadata for dc_api.jwt; null for dc_api (unencrypted). */
  jwkThumbprint: Uint8Array | null;
}

export function openID4VPDCAPIHandoverInfo(input: OpenID4VPDCAPIHandoverOptions): Uint8Array {
  if (input.origin.startsWith('origin:')) {
    throw new KakuninError('TRANSCRIPT_INVALID', 'the origin in OpenID4VPDCAPIHandoverInfo must not carry the origin: prefix');
  }
  return encodeCbor([input.origin, input.nonce, input.jwkThumbprint]);
}

export function openID4VPDCAPIHandover(input: OpenID4VPDCAPIHandoverOptions): Uint8Array {
  return hashedHandover('OpenID4VPDCAPIHandover', openID4VPDCAPIHandoverInfo(input));
}

export function openID4VPDCAPISessionTranscript(input: OpenID4VPDCAPIHandoverOptions): Uint8Array {
  return onlineSessionTranscript(openID4VPDCAPIHandover(input));
}
