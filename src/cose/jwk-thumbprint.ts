/**
 * RFC 7638 JWK SHA-256 thumbprint, as raw 32 bytes: of the verifier's response-encryption key (the
 * OpenID4VP handovers carry it) and of a document's device key (the credential binding). Only the
 * required members take part, so `use`, `alg` and `kid` do not change it.
 */
import { hash } from 'node:crypto';
import type { Jwk } from './jwk.js';
import { KakuninError } from '../codes/error.js';

/** The required members of each key type, in lexicographic order (RFC 7638 §3.2, §3.3). */
const REQUIRED = new Map<unknown, readonly string[]>([
  ['EC', ['crv', 'kty', 'x', 'y']],
  ['OKP', ['crv', 'kty', 'x']],
  ['RSA', ['e', 'kty', 'n']],
]);

/** The thumbprint as raw bytes. */
export function jwkThumbprint(jwk: Jwk): Uint8Array {
  const digest = hash('sha256', thumbprintInput(jwk), 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** The thumbprint base64url-encoded, straight from the hash (no Buffer made on the way: this one
 * runs once per verification, for DocumentResult.deviceKeyThumbprint). */
export function jwkThumbprintBase64url(jwk: Jwk): string {
  return hash('sha256', thumbprintInput(jwk), 'base64url');
}

/** The JSON RFC 7638 hashes: the required members only, lexicographic, no whitespace. */
function thumbprintInput(jwk: Jwk): string {
  const members = REQUIRED.get(jwk.kty);
  if (!members) throw new KakuninError('KEY_INVALID', `no thumbprint for key type ${String(jwk.kty)}`);
  // Written member by member, each value through JSON.stringify so escaping is JSON's: building an
  // object to stringify cost more than the digest.
  let json = '{';
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') throw new KakuninError('KEY_INVALID', `JWK member ${name} missing`);
    json += `${json.length > 1 ? ',' : ''}"${name}":${JSON.stringify(value)}`;
  }
  return `${json}}`;
}
