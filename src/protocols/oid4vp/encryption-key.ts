/**
 * The per-request ephemeral response-encryption key (HAIP 1.0 §5.1: ephemeral, P-256, ECDH-ES,
 * passed in client_metadata.jwks). One key per request, so a response can be opened only by the
 * request state that made it, and the key's thumbprint binds the transcript to it.
 */
import { randomBytes } from 'node:crypto';
import type { Jwk } from '../../cose/jwk.js';
import { newJwkPair } from '../../cose/key-pair.js';

export interface ResponseEncryptionJwk extends Jwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  use: 'enc';
  alg: 'ECDH-ES';
  kid: string;
}

export interface ResponseEncryptionKey {
  /** Kept in the request state as JWK and imported when the answer comes: no KeyObject is made here. */
  privateJwk: Jwk;
  publicJwk: ResponseEncryptionJwk;
}

export function createResponseEncryptionKey(): ResponseEncryptionKey {
  const { privateJwk } = newJwkPair('P-256');
  return { privateJwk, publicJwk: responseEncryptionJwk(privateJwk, randomBytes(8).toString('hex')) };
}

/** The JWK client_metadata.jwks carries, from the key's coordinates (its private JWK has them too). */
export function responseEncryptionJwk(key: Jwk, kid: string): ResponseEncryptionJwk {
  return { kty: 'EC', crv: 'P-256', x: key.x!, y: key.y!, use: 'enc', alg: 'ECDH-ES', kid };
}

/** HAIP 1.0: verifiers list both. */
export const ENCRYPTED_RESPONSE_ENC_VALUES = ['A128GCM', 'A256GCM'] as const;
