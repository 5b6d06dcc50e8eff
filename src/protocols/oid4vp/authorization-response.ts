/**
 * OpenID4VP 1.0 Authorization Response for mso_mdoc: an encrypted JWT (§8.3, direct_post.jwt /
 * dc_api.jwt) or, for dc_api, the plain parameters. The JWE must use exactly what the request
 * offered: the request's key (kid), alg ECDH-ES and an enc from encrypted_response_enc_values_supported.
 */
import type { KeyObject } from 'node:crypto';
import { b64uDecode, ProtocolError, WalletErrorResponse } from '../errors.js';
import { ENCRYPTED_RESPONSE_ENC_VALUES } from './encryption-key.js';
import { decryptEcdhEsJwe } from './jwe-ecdh-es.js';

export interface DecryptExpectations {
  privateKey: KeyObject;
  /** The kid put in client_metadata; when set, the JWE header must carry it. */
  kid?: string;
  encValues?: readonly string[];
}

/** Opens the `response` JWE and returns its JSON payload. */
export async function decryptAuthorizationResponse(jwe: string, expect: DecryptExpectations): Promise<Record<string, unknown>> {
  const { plaintext } = decryptEcdhEsJwe(jwe, { privateKey: expect.privateKey, encValues: expect.encValues ?? ENCRYPTED_RESPONSE_ENC_VALUES, kid: expect.kid });
  try {
    const payload = JSON.parse(plaintext.toString('utf8')) as unknown;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new ProtocolError('RESPONSE_MALFORMED', 'not an object');
    return payload as Record<string, unknown>;
  } catch (e) {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the decrypted response is not a JSON object', { cause: e });
  }
}

/** vp_token for mso_mdoc: {credential query id: [b64url DeviceResponse, ...]} -> bytes per id. */
export function parseVpToken(params: Record<string, unknown>): Map<string, Uint8Array[]> {
  if (typeof params.error === 'string') throw new WalletErrorResponse(params.error);
  let token = params.vp_token;
  if (typeof token === 'string') {
    try {
      token = JSON.parse(token);
    } catch {
      throw new ProtocolError('RESPONSE_MALFORMED', 'vp_token is a string but not JSON');
    }
  }
  if (!token || typeof token !== 'object' || Array.isArray(token)) throw new ProtocolError('RESPONSE_MALFORMED', 'vp_token must be a JSON object');
  const out = new Map<string, Uint8Array[]>();
  for (const [id, value] of Object.entries(token as Record<string, unknown>)) {
    if (!Array.isArray(value) || value.length === 0) throw new ProtocolError('RESPONSE_MALFORMED', `vp_token.${id.slice(0, 40)} must be a non-empty array`);
    out.set(
      id,
      value.map((v, i) => b64uDecode(v, `vp_token.${id.slice(0, 40)}[${i}]`)),
    );
  }
  if (out.size === 0) throw new ProtocolError('RESPONSE_MALFORMED', 'vp_token is empty');
  return out;
}
