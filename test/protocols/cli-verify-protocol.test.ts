/**
 * `kakunin verify RESPONSE --protocol ...`: the CLI verifies an encrypted DC API response, for each
 * protocol, from files only.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProtocolVerify } from '../../src/cli/verify-protocol.js';
import { createResponseEncryptionKey } from '../../src/protocols/oid4vp/encryption-key.js';
import { authorizationRequestObject } from '../../src/protocols/oid4vp/request-object.js';
import { createOpenID4VPRequest, getRequestObject } from '../../src/protocols/oid4vp/redirect-flow.js';
import { answerOpenID4VPOverDcApi, answerOpenID4VPRedirect } from '../../src/sandbox/wallet-openid4vp.js';
import { MDL_DOCTYPE, MNC_DOCTYPE } from '../../src/sandbox/index.js';
import { AGE_AND_RESIDENCE, ORIGIN, world } from './fixtures.js';

const vectors = fileURLToPath(new URL('../vectors/', import.meta.url));
const DIR = `${vectors}dcapi-annexC-real-captures-universal-verify/`;
const MULTIPAZ = `${vectors}iaca-google-wallet-idpass-and-multipaz-test/owf_multipaz_test_iaca_verifier_server.pem`;

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runProtocolVerify(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'kakunin-cli-'));
}

describe('kakunin verify --protocol org-iso-mdoc', () => {
  const params = JSON.parse(readFileSync(`${DIR}android_params.json`, 'utf8'));
  it('verifies the real Android capture from its DigitalCredential JSON and the published JWK', async () => {
    const d = tmp();
    writeFileSync(join(d, 'key.jwk'), JSON.stringify(params.jwk));
    const r = await run([
      `${DIR}android_credential.json`,
      '--protocol',
      'org-iso-mdoc',
      '--origin',
      params.origin,
      '--encryption-info',
      `${DIR}android_derived_encryptionInfo.b64u`,
      '--recipient-key',
      join(d, 'key.jwk'),
      '--trust',
      MULTIPAZ,
      '--test-roots',
      '--at',
      '2025-08-20T12:00:00Z',
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.valid).toBe(true);
    expect(json.protocol).toBe('org-iso-mdoc');
    expect(json.sessionTranscript).toBe(Buffer.from(readFileSync(`${DIR}android_derived_sessionTranscript.cbor`)).toString('hex'));
  });

  it('the raw CBOR EncryptedResponse works too; a wrong origin exits 1 with RESPONSE_DECRYPTION_FAILED', async () => {
    const d = tmp();
    writeFileSync(join(d, 'key.jwk'), JSON.stringify(params.jwk));
    const base = [
      '--protocol',
      'org-iso-mdoc',
      '--encryption-info',
      `${DIR}android_derived_encryptionInfo.b64u`,
      '--recipient-key',
      join(d, 'key.jwk'),
      '--trust',
      MULTIPAZ,
      '--at',
      '2025-08-20T12:00:00Z',
    ];
    expect((await run([`${DIR}android_response.cbor`, ...base, '--origin', params.origin])).code).toBe(0);
    const bad = await run([`${DIR}android_response.cbor`, ...base, '--origin', 'https://evil.example']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('RESPONSE_DECRYPTION_FAILED');
  });

  it('usage errors exit 2', async () => {
    expect((await run([`${DIR}android_response.cbor`, '--protocol', 'org-iso-mdoc', '--origin', 'x'])).code).toBe(2);
    expect((await run([`${DIR}android_response.cbor`, '--protocol', 'carrier-pigeon'])).code).toBe(2);
    expect((await run([`${DIR}android_response.cbor`, '--protocol', 'openid4vp', '--bogus'])).code).toBe(2);
    const d = tmp();
    writeFileSync(join(d, 'key.jwk'), '{"kty":"EC"}');
    expect((await run([`${DIR}android_response.cbor`, '--protocol', 'openid4vp-dcapi', '--origin', 'o', '--nonce', 'n', '--recipient-key', join(d, 'key.jwk')])).code).toBe(2);
  });
});

describe('kakunin verify --protocol openid4vp-dcapi / openid4vp (sandbox wallet answers)', () => {
  it('decrypts a dc_api.jwt JWE with a JWK file and verifies', async () => {
    const w = await world();
    const key = createResponseEncryptionKey();
    const nonce = 'cli-nonce-1';
    const data = authorizationRequestObject({ request: AGE_AND_RESIDENCE, nonce, responseMode: 'dc_api.jwt', encryptionJwk: key.publicJwk });
    const answer = await answerOpenID4VPOverDcApi(w.wallet(), 'openid4vp-v1-unsigned', { ...data }, ORIGIN);
    const d = tmp();
    writeFileSync(join(d, 'response.json'), JSON.stringify(answer));
    writeFileSync(join(d, 'key.jwk'), JSON.stringify(key.privateJwk));
    writeFileSync(join(d, 'iaca.der'), w.iacaDer);
    // The sandbox IACA stands in for J-LIS: its side file lists the My Number Card.
    writeFileSync(join(d, 'iaca.json'), JSON.stringify({ docTypes: [MNC_DOCTYPE, MDL_DOCTYPE] }));
    // --name=value: base64url values may start with "-", which parseArgs would take for an option.
    const args = [
      join(d, 'response.json'),
      '--protocol',
      'openid4vp-dcapi',
      '--origin',
      ORIGIN,
      `--nonce=${nonce}`,
      '--recipient-key',
      join(d, 'key.jwk'),
      '--trust',
      join(d, 'iaca.der'),
      `--kid=${key.publicJwk.kid}`,
    ];
    const r = await run(args);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('VALID');
    // Another nonce: the transcript differs, device authentication fails, exit 1.
    const wrong = await run([...args.slice(0, 5), '--nonce=other-nonce', ...args.slice(6)]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('DEVICE_AUTH_INVALID');
  });

  it('decrypts a direct_post.jwt body with a PKCS8 key and verifies', async () => {
    const w = await world();
    const req = await createOpenID4VPRequest({
      request: AGE_AND_RESIDENCE,
      identity: w.identity,
      requestUri: (id) => `https://verifier.example/request/${id}`,
      responseUri: (id) => `https://verifier.example/response/${id}`,
      at: w.at,
      store: w.store,
    });
    const posted = await answerOpenID4VPRedirect(w.wallet(), req.walletUrl, async (u) => getRequestObject(w.store, u.split('/').pop()!, w.at, { identity: w.identity }));
    const state = JSON.parse((await w.store.get(req.id))!);
    const d = tmp();
    writeFileSync(join(d, 'body.txt'), posted.body);
    writeFileSync(join(d, 'key.pem'), createPrivateKey({ key: state.oid4vp.encryptionKey, format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(d, 'iaca.der'), w.iacaDer);
    // The sandbox IACA stands in for J-LIS: its side file lists the My Number Card.
    writeFileSync(join(d, 'iaca.json'), JSON.stringify({ docTypes: [MNC_DOCTYPE, MDL_DOCTYPE] }));
    const r = await run([
      join(d, 'body.txt'),
      '--protocol',
      'openid4vp',
      `--client-id=${state.oid4vp.clientId}`,
      `--response-uri=${state.oid4vp.responseUri}`,
      `--nonce=${state.oid4vp.nonce}`,
      '--recipient-key',
      join(d, 'key.pem'),
      '--trust',
      join(d, 'iaca.der'),
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).valid).toBe(true);
  });
});
