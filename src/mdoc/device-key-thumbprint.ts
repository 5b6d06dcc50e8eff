/**
 * The RFC 7638 thumbprint of a document's device key (MSO deviceKeyInfo.deviceKey, a COSE_Key),
 * base64url: what identifies the wallet credential across presentations without its data. Read from
 * the COSE_Key's members, not through a second import: device authentication already imported and
 * used this key.
 */
import { jwkThumbprintBase64url } from '../cose/jwk-thumbprint.js';
import { cosePublicJwk } from '../cose/key.js';

export function deviceKeyThumbprint(coseKey: unknown): string {
  return jwkThumbprintBase64url(cosePublicJwk(coseKey));
}
