/**
 * OpenID4VP 1.0 Authorization Response for mso_mdoc: an encrypted JWT (§8.3, direct_post.jwt /
 * dc_api.jwt) or, for dc_api, the plain parameters. The JWE must use exactly what the request
 * offered: the request's key (kid), alg ECDH-ES and an enc from encrypted_response_enc_values_supported.
 */
import type { KeyObject } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { b64uDecode, ProtocolError } from '../errors.js';
import { ENCRYPTED_RESPONSE_ENC_VALUES } from './encryption-key.js';

export interface DecryptExpectations {
  privateKey: KeyObject;
  /** The kid put in client_metadata; when set, the JWE header must carry it. */
  kid?: string;
  encValues?: readonly string[];
}

const JWE_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Opens the `response` JWE and returns its JSON payload. */
export async function decryptAuthorizationResponse(jwe: string, expect: DecryptExpectations): Promise<Record<string, unknown>> {
  if (!JWE_COMPACT.test(jwe)) throw new ProtocolError('RESPONSE_MALFORMED', 'response is not a JWE in compact serialization');
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwe) as Record<string, unknown>;
  } catch (e) {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the JWE protected header cannot be read', { cause: e });
  }
  const encValues: readonly string[] = expect.encValues ?? ENCRYPTED_RESPONSE_ENC_VALUES;
  if (header.alg !== 'ECDH-ES') throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', `JWE alg ${String(header.alg)} is not the ECDH-ES the request offered`);
  if (typeof header.enc !== 'string' || !encValues.includes(header.enc)) {
    throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', `JWE enc ${String(header.enc)} was not offered`);
  }
  if (expect.kid !== undefined && header.kid !== expect.kid) {
    throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', 'the JWE kid is not the key this request offered');
  }
  let plaintext: Uint8Array;
  try {
    const out = await compactDecrypt(jwe, expect.privateKey, {
      keyManagementAlgorithms: ['ECDH-ES'],
      contentEncryptionAlgorithms: [...encValues],
    });
    plaintext = out.plaintext;
  } catch (e) {
    throw new ProtocolError('RESPONSE_DECRYPTION_FAILED', 'the JWE could not be decrypted with this request\'s key', { cause: e });
  }
  try {
    const payload = JSON.parse(Buffer.from(plaintext).toString('utf8')) as unknown;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('not an object');
    return payload as Record<string, unknown>;
  } catch (e) {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the decrypted response is not a JSON object', { cause: e });
  }
}

/** vp_token for mso_mdoc: {credential query id: [b64url DeviceResponse, ...]} -> bytes per id. */
export function parseVpToken(params: Record<string, unknown>): Map<string, Uint8Array[]> {
  if (typeof params.error === 'string') {
    throw new ProtocolError('WALLET_ERROR', `the wallet answered with error ${params.error.slice(0, 64)}`);
  }
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
    out.set(id, value.map((v, i) => b64uDecode(v, `vp_token.${id.slice(0, 40)}[${i}]`)));
  }
  if (out.size === 0) throw new ProtocolError('RESPONSE_MALFORMED', 'vp_token is empty');
  return out;
}
