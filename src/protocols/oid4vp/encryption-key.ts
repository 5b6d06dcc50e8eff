/**
 * The per-request ephemeral response-encryption key (HAIP 1.0 §5.1: ephemeral, P-256, ECDH-ES,
 * passed in client_metadata.jwks). One key per request, so a response can be opened only by the
 * request state that made it, and the key's thumbprint binds the transcript to it.
 */
import { generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface ResponseEncryptionJwk extends JsonWebKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  use: 'enc';
  alg: 'ECDH-ES';
  kid: string;
}

export interface ResponseEncryptionKey {
  privateKey: KeyObject;
  publicJwk: ResponseEncryptionJwk;
}

export function createResponseEncryptionKey(): ResponseEncryptionKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKey,
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, use: 'enc', alg: 'ECDH-ES', kid: randomBytes(8).toString('hex') },
  };
}

/** HAIP 1.0: verifiers list both. */
export const ENCRYPTED_RESPONSE_ENC_VALUES = ['A128GCM', 'A256GCM'] as const;
