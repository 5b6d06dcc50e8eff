/**
 * `kakunin verify RESPONSE --protocol P ...`: decrypts where needed and builds the SessionTranscript
 * from the protocol parameters the verifier used, then verifies through the core.
 *   --protocol org-iso-mdoc    --origin O --encryption-info B64URL --recipient-key FILE
 *   --protocol openid4vp-dcapi --origin O --nonce N [--recipient-key JWK-FILE]
 *   --protocol openid4vp       --client-id C --response-uri U --nonce N [--recipient-key JWK-FILE]
 * --recipient-key takes a PKCS8 (or SEC1) PEM or a JWK JSON file holding `d`.
 * Exit: 0 valid, 1 invalid (including a response that cannot be decrypted), 2 usage error.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KakuninError } from '../codes/error.js';
import { verifyProtocolResponse, type ProtocolResponseContext } from '../protocols/verify-protocol-response.js';
import { resultToJson, resultToText } from './format.js';
import { readFile, UsageError } from './input.js';
import { loadTrust, parseAt, parseSkew, type CliIo } from './options.js';

export const VERIFY_PROTOCOL_USAGE = `Usage: kakunin verify RESPONSE --protocol P [options]

  --protocol org-iso-mdoc     --origin O --encryption-info B64URL|FILE --recipient-key FILE
      RESPONSE: the DigitalCredential JSON the browser returned, its data, or the b64url EncryptedResponse
  --protocol openid4vp-dcapi  --origin O --nonce N [--recipient-key JWK-FILE]
      RESPONSE: the DigitalCredential JSON, {"response": JWE}, the JWE, or the vp_token JSON (dc_api)
  --protocol openid4vp        --client-id C --response-uri U --nonce N [--recipient-key JWK-FILE]
      RESPONSE: the direct_post(.jwt) body (form-encoded), the JWE, or the vp_token JSON
  --recipient-key FILE        PKCS8 PEM or JWK JSON with "d" (the key the response was encrypted to)
  --kid KID                   require this kid in the JWE header
  --trust PATH, --test-roots, --at RFC3339, --clock-skew S, --json   as for kakunin verify
Values that may start with "-" (base64url nonces) are safest as --nonce=VALUE.
Exit: 0 all documents valid, 1 invalid or undecryptable, 2 usage error or unreadable file.`;

const PROTOCOLS = ['org-iso-mdoc', 'openid4vp-dcapi', 'openid4vp'] as const;

/** A private key from PKCS8/SEC1 PEM or a JWK JSON file with `d`. */
export function readRecipientKey(path: string): KeyObject {
  const text = Buffer.from(readFile(path)).toString('utf8').trim();
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      if (typeof jwk.d !== 'string') throw new UsageError('the JWK has no "d"');
      const { kty, crv, x, y, d } = jwk as Record<string, string>;
      return createPrivateKey({ key: { kty, crv, x, y, d }, format: 'jwk' });
    }
    if (text.includes('-----BEGIN')) return createPrivateKey(text);
    throw new UsageError('neither PEM nor JWK JSON');
  } catch (e) {
    throw new UsageError(`${path}: not a private key (PKCS8 PEM or JWK with d): ${(e as Error).message}`);
  }
}

/** The RESPONSE file as the protocol layer takes it: text (JSON, base64url, JWE, form) or, for a
 * raw CBOR EncryptedResponse, its base64url. */
function readResponse(path: string): string {
  const data = readFile(path);
  if (data.length > 0 && data[0] >= 0x80) return Buffer.from(data).toString('base64url');
  return Buffer.from(data).toString('utf8').trim();
}

function required(v: Record<string, unknown>, name: string): string {
  const s = v[name];
  if (typeof s !== 'string' || !s) throw new UsageError(`--${name} is required for this protocol`);
  return s;
}

export async function runProtocolVerify(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        protocol: { type: 'string' },
        origin: { type: 'string' },
        'encryption-info': { type: 'string' },
        'recipient-key': { type: 'string' },
        nonce: { type: 'string' },
        'client-id': { type: 'string' },
        'response-uri': { type: 'string' },
        kid: { type: 'string' },
        trust: { type: 'string', multiple: true },
        'test-roots': { type: 'boolean' },
        at: { type: 'string' },
        'clock-skew': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${VERIFY_PROTOCOL_USAGE}`);
    return 2;
  }
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  if (v.help) {
    io.out(VERIFY_PROTOCOL_USAGE);
    return 0;
  }
  try {
    const protocol = v.protocol as string;
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}`);
    if (args.positionals.length !== 1) throw new UsageError('give exactly one RESPONSE file');
    const response = readResponse(args.positionals[0]);
    const key = typeof v['recipient-key'] === 'string' ? readRecipientKey(v['recipient-key']) : undefined;
    const kid = typeof v.kid === 'string' ? v.kid : undefined;
    let input: ProtocolResponseContext;
    if (protocol === 'org-iso-mdoc') {
      let encryptionInfo = required(v, 'encryption-info');
      if (!/^[A-Za-z0-9_-]+$/.test(encryptionInfo) && existsSync(encryptionInfo)) encryptionInfo = Buffer.from(readFile(encryptionInfo)).toString('utf8').trim();
      if (!key) throw new UsageError('--recipient-key is required for org-iso-mdoc');
      input = { protocol, origin: required(v, 'origin'), encryptionInfo, recipientPrivateKey: key };
    } else if (protocol === 'openid4vp-dcapi') {
      input = { protocol, origin: required(v, 'origin'), nonce: required(v, 'nonce'), recipientPrivateKey: key, kid };
    } else {
      input = { protocol: 'openid4vp', clientId: required(v, 'client-id'), responseUri: required(v, 'response-uri'), nonce: required(v, 'nonce'), recipientPrivateKey: key, kid };
    }
    const skew = parseSkew(v['clock-skew']);
    const trust = loadTrust(v.trust as string[] | undefined, v['test-roots'] === true, io);
    const at = parseAt(v.at as string | undefined);
    try {
      const result = await verifyProtocolResponse(response, input, { trust, at, clockSkewSeconds: skew });
      io.out(v.json ? JSON.stringify({ protocol: result.protocol, sessionTranscript: result.sessionTranscript, ...(resultToJson(result) as object) }, null, 2) : resultToText(result));
      return result.valid ? 0 : 1;
    } catch (e) {
      // The envelope failed (decryption, malformed, wrong protocol): an invalid response, not a usage error.
      if (!(e instanceof KakuninError)) throw e;
      if (v.json) io.out(JSON.stringify({ valid: false, protocol, documents: [], errors: [{ code: e.code, message: e.message }] }, null, 2));
      else io.out(`Response: INVALID\n  ${e.code}: ${e.message}`);
      return 1;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kakunin verify: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
