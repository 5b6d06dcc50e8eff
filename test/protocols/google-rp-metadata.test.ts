/**
 * Google Wallet relying-party metadata: gw_rp_metadata_bytes read in either form, the certificate
 * extension 1.3.6.1.4.1.11129.10.1 (SHA-256 of RelyingPartyMetadataBytes in an OCTET STRING) read
 * from a stand-in certificate of the shape Google signs, and the service's check at start.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { compactVerify } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCbor, Tagged } from '../../src/cbor/index.js';
import { checkGoogleRpMetadata, GOOGLE_RP_METADATA_OID, googleRpMetadataDigest, parseGoogleRpMetadata } from '../../src/protocols/keys/google-rp-metadata.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import { startDemo } from '../../src/service/startup/serve.js';
import { ConfigError } from '../../src/service/startup/settings.js';
import { capturingLogger, freePort } from '../service/helpers.js';

const display = (name: string) =>
  new Map([
    ['display_name', name],
    ['logo_uri', 'https://shop.example/logo.png'],
    ['privacy_policy_uri', 'https://shop.example/privacy'],
  ]);
/** RelyingPartyMetadataBytes, encoded here independently of the code under test. */
function metadataBytes(name = 'Example Shop', aggregator?: string): Uint8Array {
  const m = new Map<string, unknown>([
    ['schema_version', 'v1'],
    ['display', display(name)],
  ]);
  if (aggregator) m.set('aggregator_info', display(aggregator));
  return encodeCbor(new Tagged(24, encodeCbor(m)));
}
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
/** The extension as Google's documentation describes it: DER OCTET STRING of SHA-256(RelyingPartyMetadataBytes). */
const extensionFor = (bytes: Uint8Array) => ({ oid: GOOGLE_RP_METADATA_OID, value: new Uint8Array([0x04, 0x20, ...createHash('sha256').update(bytes).digest()]) });

describe('gw_rp_metadata_bytes', () => {
  it('reads RelyingPartyMetadataBytes (#6.24) and the bare map alike', () => {
    const tagged = metadataBytes('Example Shop', 'Example IDV');
    const bare = encodeCbor(
      new Map<string, unknown>([
        ['schema_version', 'v1'],
        ['display', display('Example Shop')],
      ]),
    );
    expect(parseGoogleRpMetadata(b64u(tagged)).metadata).toEqual({
      schema_version: 'v1',
      display: { display_name: 'Example Shop', logo_uri: 'https://shop.example/logo.png', privacy_policy_uri: 'https://shop.example/privacy' },
      aggregator_info: { display_name: 'Example IDV', logo_uri: 'https://shop.example/logo.png', privacy_policy_uri: 'https://shop.example/privacy' },
    });
    expect(Buffer.from(parseGoogleRpMetadata(b64u(tagged)).bytes.tagged).equals(Buffer.from(tagged))).toBe(true);
    expect(Buffer.from(parseGoogleRpMetadata(b64u(bare)).bytes.bytes).equals(Buffer.from(bare))).toBe(true);
  });

  it('refuses what is not RelyingPartyMetadata, with INVALID_ARGUMENT', () => {
    for (const bad of [
      '',
      b64u(encodeCbor([1, 2])),
      b64u(encodeCbor(new Map([['schema_version', 'v1']]))),
      b64u(
        encodeCbor(
          new Map<string, unknown>([
            ['schema_version', 'v1'],
            ['display', new Map([['display_name', 1]])],
          ]),
        ),
      ),
    ]) {
      expect(() => parseGoogleRpMetadata(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('the certificate Google signs (stand-in of the same shape)', () => {
  it('matches its metadata, not another; a certificate without the extension has none', async () => {
    const bytes = metadataBytes();
    const signed = await createDevelopmentIdentity('localhost', new Date(), { extensions: [extensionFor(bytes)] });
    const plain = await createDevelopmentIdentity('localhost', new Date());
    expect(Buffer.from(googleRpMetadataDigest(signed.x5chain[0])!).equals(createHash('sha256').update(bytes).digest())).toBe(true);
    expect(googleRpMetadataDigest(plain.x5chain[0])).toBeUndefined();
    const parsed = parseGoogleRpMetadata(b64u(bytes)).bytes;
    expect(checkGoogleRpMetadata([plain.x5chain[0], signed.x5chain[0]], parsed)).toEqual({ withExtension: 1, matched: true });
    expect(checkGoogleRpMetadata([signed.x5chain[0]], parseGoogleRpMetadata(b64u(metadataBytes('Another Shop'))).bytes)).toEqual({ withExtension: 1, matched: false });
    expect(checkGoogleRpMetadata([plain.x5chain[0]], parsed)).toEqual({ withExtension: 0, matched: false });
  });

  it('an extension that is not an OCTET STRING of 32 bytes is an error', async () => {
    const odd = await createDevelopmentIdentity('localhost', new Date(), { extensions: [{ oid: GOOGLE_RP_METADATA_OID, value: new Uint8Array([0x04, 0x01, 0x00]) }] });
    expect(() => googleRpMetadataDigest(odd.x5chain[0])).toThrow(/OCTET STRING of 32 bytes/);
  });
});

describe('the service at start (KAKUNIN_GOOGLE_RP_METADATA)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-google-'));
  async function start(metadata: string, certBytes: Uint8Array = metadataBytes()) {
    const signed = await createDevelopmentIdentity('localhost', new Date(), { extensions: [extensionFor(certBytes)] });
    writeFileSync(join(dir, 'google.pem'), signed.leafPem);
    writeFileSync(join(dir, 'google.key.pem'), signed.keyPem);
    const { logger, lines } = capturingLogger('info');
    const svc = await startDemo(['--port', String(await freePort())], {
      env: {
        KAKUNIN_VERIFIER_EXTRA_CERT_FILES: join(dir, 'google.pem'),
        KAKUNIN_VERIFIER_EXTRA_KEY_FILES: join(dir, 'google.key.pem'),
        KAKUNIN_GOOGLE_RP_METADATA: metadata,
        KAKUNIN_REVOCATION: 'off',
      },
      quiet: true,
      logger,
    });
    await svc.close();
    return lines.map((l) => JSON.parse(l) as { msg: string; level: number; displayName?: string });
  }

  it('says the metadata matches the certificate Google signed, and what the wallet will show', async () => {
    const lines = await start(b64u(metadataBytes()));
    expect(lines.find((l) => l.msg.startsWith('Google relying-party metadata matches'))).toMatchObject({ displayName: 'Example Shop' });
  });

  it('warns when the two do not belong together', async () => {
    const lines = await start(b64u(metadataBytes('Another Shop')));
    expect(lines.find((l) => l.msg.includes('does not match the SHA-256'))?.level).toBe(40);
  });

  it('stops the start on metadata it cannot read', async () => {
    await expect(start(b64u(encodeCbor([1])))).rejects.toThrow(ConfigError);
  });
});

/**
 * Where one public verifier puts the metadata (stateofca/opencred, profiles/native-google-wallet.js):
 * client_metadata.gw_rp_metadata_bytes, base64url, inside the signed openid4vp-v1-signed request.
 * Google's own text on it was not reachable, so kakunin sends it only when asked to.
 */
describe('gw_rp_metadata_bytes in the signed request (KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-google-req-'));
  const configured = b64u(metadataBytes('Example Shop', 'Example IDV'));

  /** The openid4vp request of a fresh verification's DC API request, with the service started as `env` says. */
  async function dcApiOpenId4Vp(env: Record<string, string>): Promise<{ protocol: string; data: Record<string, any> }> {
    const signed = await createDevelopmentIdentity('localhost', new Date(), { extensions: [extensionFor(metadataBytes('Example Shop', 'Example IDV'))] });
    writeFileSync(join(dir, 'google.pem'), signed.leafPem);
    writeFileSync(join(dir, 'google.key.pem'), signed.keyPem);
    const svc = await startDemo(['--port', String(await freePort())], {
      env: { KAKUNIN_VERIFIER_CERT_FILE: join(dir, 'google.pem'), KAKUNIN_VERIFIER_KEY_FILE: join(dir, 'google.key.pem'), KAKUNIN_GOOGLE_RP_METADATA: configured, KAKUNIN_REVOCATION: 'off', ...env },
      quiet: true,
      logger: capturingLogger('info').logger,
    });
    try {
      const post = (path: string, body?: unknown) =>
        fetch(`${svc.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
          (r) => r.json() as Promise<Record<string, any>>,
        );
      const v = await post('/v1/verifications', { purpose: 'age_over' });
      const { dcapi } = await post(`/v1/verifications/${v.id}/dcapi-request`);
      return (dcapi.digital.requests as { protocol: string; data: Record<string, any> }[]).find((r) => r.protocol.startsWith('openid4vp'))!;
    } finally {
      await svc.close();
    }
  }

  it('off by default: the signed request carries no gw_rp_metadata_bytes', async () => {
    const r = await dcApiOpenId4Vp({});
    expect(r.protocol).toBe('openid4vp-v1-signed');
    const payload = JSON.parse(Buffer.from(r.data.request.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.client_metadata.jwks).toBeDefined();
    expect(payload.client_metadata).not.toHaveProperty('gw_rp_metadata_bytes');
  });

  it('on: client_metadata.gw_rp_metadata_bytes inside the signed request object, as configured, decoding to the metadata', async () => {
    const r = await dcApiOpenId4Vp({ KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST: 'true' });
    expect(r.protocol).toBe('openid4vp-v1-signed');
    // Signed: the signature over header and payload verifies under the x5c leaf's key.
    const [header, payloadB64] = r.data.request.split('.');
    const { x5c } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const { payload } = await compactVerify(r.data.request, new X509Certificate(Buffer.from(x5c[0], 'base64')).publicKey);
    expect(Buffer.from(payload).toString('base64url')).toBe(payloadB64);
    const claims = JSON.parse(Buffer.from(payload).toString('utf8'));
    expect(claims.client_metadata.gw_rp_metadata_bytes).toBe(configured);
    expect(parseGoogleRpMetadata(claims.client_metadata.gw_rp_metadata_bytes).metadata).toEqual(parseGoogleRpMetadata(configured).metadata);
  });

  it('on without KAKUNIN_GOOGLE_RP_METADATA stops the start', async () => {
    await expect(startDemo(['--port', String(await freePort())], { env: { KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST: 'true' }, quiet: true, logger: capturingLogger('info').logger })).rejects.toThrow(
      /KAKUNIN_GOOGLE_RP_METADATA_IN_REQUEST needs KAKUNIN_GOOGLE_RP_METADATA/,
    );
  });
});
