/**
 * RFC 7638 JWK SHA-256 thumbprint, as raw 32 bytes: of the verifier's response-encryption key (the
 * OpenID4VP handovers carry it) and of a document's device key (the credential binding). Only the
 * required members take part, so `use`, `alg` and `kid` do not change it.
 */
import { createHash, type JsonWebKey } from 'node:crypto';
import { KakuninError } from '../codes/error.js';

export function jwkThumbprint(jwk: JsonWebKey): Uint8Array {
  let members: Record<string, unknown>;
  if (jwk.kty === 'EC') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  else if (jwk.kty === 'OKP') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  else if (jwk.kty === 'RSA') members = { e: jwk.e, kty: jwk.kty, n: jwk.n };
  else throw new KakuninError('KEY_INVALID', `no thumbprint for key type ${String(jwk.kty)}`);
  for (const [k, v] of Object.entries(members)) {
    if (typeof v !== 'string') throw new KakuninError('KEY_INVALID', `JWK member ${k} missing`);
  }
  // Members in lexicographic order, no whitespace (RFC 7638 §3.3); JSON.stringify keeps insertion order.
  return new Uint8Array(createHash('sha256').update(JSON.stringify(members), 'utf8').digest());
}
