/**
 * The Annex C response: data.response = base64url(EncryptedResponse), with
 * EncryptedResponse = ["dcapi", {enc: bstr, cipherText: bstr}]. Accepts what the browser hands the
 * page (the DigitalCredential JSON, its `data`, or the bare string) so callers need not unwrap.
 */
import { asArray, asBytes, asMap, decodeCbor } from '../../cbor/index.js';
import { KakuninError } from '../../codes/error.js';
import { b64uDecode, ProtocolError } from '../errors.js';

export interface EncryptedResponse {
  enc: Uint8Array;
  cipherText: Uint8Array;
}

/** Digs the `response` string out of a DigitalCredential, its data, or takes the string itself. */
export function annexCResponseString(input: unknown): string {
  let v = input;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!t.startsWith('{')) return t;
    try {
      v = JSON.parse(t);
    } catch {
      throw new ProtocolError('RESPONSE_MALFORMED', 'response is neither base64url nor JSON');
    }
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.protocol !== undefined && o.protocol !== 'org-iso-mdoc') {
      throw new ProtocolError('PROTOCOL_UNSUPPORTED', `expected an org-iso-mdoc response, got ${typeof o.protocol === 'string' ? o.protocol.slice(0, 40) : typeof o.protocol}`);
    }
    const data = (o.data ?? o) as Record<string, unknown>;
    if (data && typeof data === 'object' && typeof data.response === 'string') return data.response;
  }
  throw new ProtocolError('RESPONSE_MALFORMED', 'no org-iso-mdoc response string found');
}

export function parseEncryptedResponse(b64: string): EncryptedResponse {
  try {
    const a = asArray(decodeCbor(b64uDecode(b64, 'response'), { maxDepth: 4 }), 'EncryptedResponse', 'RESPONSE_MALFORMED');
    if (a.length !== 2 || a[0] !== 'dcapi') throw new ProtocolError('RESPONSE_MALFORMED', 'EncryptedResponse must be ["dcapi", {...}]');
    const m = asMap(a[1], 'EncryptedResponseData', 'RESPONSE_MALFORMED');
    const enc = asBytes(m.get('enc'), 'enc', 'RESPONSE_MALFORMED');
    if (enc.length !== 65 || enc[0] !== 4) throw new ProtocolError('RESPONSE_MALFORMED', 'enc must be an uncompressed P-256 point');
    return { enc, cipherText: asBytes(m.get('cipherText'), 'cipherText', 'RESPONSE_MALFORMED') };
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('RESPONSE_MALFORMED', `EncryptedResponse: ${e instanceof KakuninError ? e.message : String(e)}`, { cause: e });
  }
}
