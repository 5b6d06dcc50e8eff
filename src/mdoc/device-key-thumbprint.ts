/**
 * The RFC 7638 thumbprint of a document's device key (MSO deviceKeyInfo.deviceKey, a COSE_Key),
 * base64url: what identifies the wallet credential across presentations without its data.
 */
import type { JsonWebKey } from 'node:crypto';
import { jwkThumbprint } from '../cose/jwk-thumbprint.js';
import { coseKeyToKeyObject } from '../cose/key.js';

export function deviceKeyThumbprint(coseKey: unknown): string {
  const jwk = coseKeyToKeyObject(coseKey).export({ format: 'jwk' }) as JsonWebKey;
  return Buffer.from(jwkThumbprint(jwk)).toString('base64url');
}
