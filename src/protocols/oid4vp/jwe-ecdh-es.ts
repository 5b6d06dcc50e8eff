/**
 * Decryption of a compact JWE with alg ECDH-ES (direct key agreement) and enc A128GCM / A256GCM,
 * the only form HAIP 1.0 §5.1 lets a wallet answer in (RFC 7516 §5.2, RFC 7518 §4.6 and §5.3).
 *
 * Why by hand and not jose's compactDecrypt: jose 6 runs every step through WebCrypto, which in Node
 * imports both keys again and sends the key agreement, the digest and the cipher each to the libuv
 * thread pool: about three times the CPU per response of node:crypto (figures in
 * docs/architecture.md, "The service's cost per flow"). The verifier opens one per verification. What is done here is small and fully specified: read the
 * header, refuse anything but exactly ECDH-ES + AES-GCM with an empty encrypted key, derive the
 * content key with the Concat KDF, open AES-GCM with the header as AAD. jose stays the second
 * opinion in the tests (test/protocols/jwe-ecdh-es.test.ts) and encrypts in the sandbox wallet.
 */
import { createDecipheriv, createHash, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { b64uDecode, ProtocolError } from '../errors.js';

const KEY_BYTES: Record<string, number> = { A128GCM: 16, A256GCM: 32 };
const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)$/;
/** Header members that would change how to decrypt: refused, not ignored (jose refuses them too). */
const REFUSED = ['zip', 'crit'];

export interface OpenedJwe {
  header: Record<string, unknown>;
  plaintext: Buffer;
}

/** The five parts, and the protected header read as JSON. */
function split(jwe: string): { header: Record<string, unknown>; parts: string[] } {
  const m = COMPACT.exec(jwe);
  if (!m) throw new ProtocolError('RESPONSE_MALFORMED', 'response is not a JWE in compact serialization');
  const headerBytes = b64uDecode(m[1], 'the JWE protected header');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerBytes).toString('utf8'));
  } catch (e) {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the JWE protected header cannot be read', { cause: e });
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new ProtocolError('RESPONSE_MALFORMED', 'the JWE protected header is not a JSON object');
  return { header: header as Record<string, unknown>, parts: m.slice(1) };
}

/**
 * Opens `jwe` with the recipient's private key; `kid`, when given, must be the header's. Every
 * failure after the header checks (a foreign key, a bad ephemeral key, a changed byte) is
 * RESPONSE_DECRYPTION_FAILED, with no detail an attacker could steer by.
 */
export function decryptEcdhEsJwe(jwe: string, recipient: { privateKey: KeyObject; encValues: readonly string[]; kid?: string }): OpenedJwe {
  const { header, parts } = split(jwe);
  const [protectedB64, encryptedKey, ivB64, ciphertextB64, tagB64] = parts;
  const enc = header.enc;
  if (header.alg !== 'ECDH-ES') throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', `JWE alg ${String(header.alg).slice(0, 40)} is not ECDH-ES`);
  if (typeof enc !== 'string' || !recipient.encValues.includes(enc) || !KEY_BYTES[enc]) throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', `JWE enc ${String(enc).slice(0, 40)} was not offered`);
  if (recipient.kid !== undefined && header.kid !== recipient.kid) throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', 'the JWE kid is not the key this request offered');
  const refused = REFUSED.find((name) => Object.hasOwn(header, name));
  if (refused) throw new ProtocolError('RESPONSE_MALFORMED', `the JWE header carries ${refused}, which this verifier does not accept`);
  // Direct key agreement: the content key is the agreed key itself, nothing is wrapped (RFC 7518 §4.6).
  if (encryptedKey !== '') throw new ProtocolError('RESPONSE_MALFORMED', 'an ECDH-ES JWE must have an empty encrypted key');
  const iv = b64uDecode(ivB64, 'the JWE IV');
  const tag = b64uDecode(tagB64, 'the JWE tag');
  const ciphertext = b64uDecode(ciphertextB64, 'the JWE ciphertext');
  const apu = partyInfo(header.apu, 'apu');
  const apv = partyInfo(header.apv, 'apv');
  try {
    const epk = ephemeralPublicKey(header.epk);
    const z = diffieHellman({ privateKey: recipient.privateKey, publicKey: epk });
    const cek = concatKdf(z, enc, apu, apv, KEY_BYTES[enc]);
    if (iv.length !== 12 || tag.length !== 16) throw new ProtocolError('RESPONSE_MALFORMED', 'AES-GCM needs a 96-bit IV and a 128-bit tag');
    const decipher = createDecipheriv(enc === 'A128GCM' ? 'aes-128-gcm' : 'aes-256-gcm', cek, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(protectedB64, 'ascii'));
    decipher.setAuthTag(tag);
    return { header, plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) };
  } catch (e) {
    throw new ProtocolError('RESPONSE_DECRYPTION_FAILED', "the JWE could not be decrypted with this request's key", { cause: e });
  }
}

/** `epk`: a public P-256 JWK. OpenSSL refuses a point that is not on the curve when it imports it. */
function ephemeralPublicKey(epk: unknown): KeyObject {
  const jwk = epk as Record<string, unknown> | undefined;
  if (!jwk || typeof jwk !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
    throw new ProtocolError('RESPONSE_MALFORMED', 'epk must be a public EC P-256 JWK');
  }
  if (b64uDecode(jwk.x, 'epk.x').length !== 32 || b64uDecode(jwk.y, 'epk.y').length !== 32) throw new ProtocolError('RESPONSE_MALFORMED', 'epk coordinates must be 32 bytes each');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
}

function partyInfo(value: unknown, what: string): Uint8Array {
  return value === undefined ? new Uint8Array(0) : b64uDecode(value, what);
}

/** RFC 7518 §4.6.2: one SHA-256 round covers the 128 or 256 bits asked for (NIST SP 800-56A Concat KDF). */
function concatKdf(z: Buffer, enc: string, apu: Uint8Array, apv: Uint8Array, keyBytes: number): Buffer {
  const u32 = (n: number) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(n, 0);
    return out;
  };
  const algorithmId = Buffer.from(enc, 'ascii');
  return createHash('sha256')
    .update(u32(1))
    .update(z)
    .update(u32(algorithmId.length))
    .update(algorithmId)
    .update(u32(apu.length))
    .update(apu)
    .update(u32(apv.length))
    .update(apv)
    .update(u32(keyBytes * 8))
    .digest()
    .subarray(0, keyBytes);
}
