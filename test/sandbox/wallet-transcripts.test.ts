/**
 * The sandbox wallet computes its SessionTranscripts on its own (value encoding, jose thumbprints)
 * rather than with the verifier's builders. Pin it to the same published vectors, so the round
 * trips prove agreement with the specs and not only with ourselves.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/cbor/index.js';
import { walletAnnexCTranscriptValue } from '../../src/sandbox/wallet-annex-c.js';
import { walletDcApiTranscript, walletRedirectTranscript } from '../../src/sandbox/wallet-openid4vp.js';

const V = fileURLToPath(new URL('../vectors/', import.meta.url));
const spec = JSON.parse(readFileSync(`${V}oid4vp-1.0-session-transcript-spec-vectors/computed_check.json`, 'utf8'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sandbox wallet SessionTranscripts against published vectors', () => {
  it('OpenID4VP 1.0 B.2.6 redirect and DC API, with a jose-computed thumbprint', async () => {
    const thumb = new Uint8Array(
      Buffer.from(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'DxiH5Q4Yx3UrukE2lWCErq8N8bqC9CHLLrAwLz5BmE0', y: 'XtLM4-3h5o3HUH0MHVJV0kyq0iBlrBwlh8qEDMZ4-Pc' }, 'sha256'), 'base64url'),
    );
    const r = spec.redirect.inputs;
    expect(hex(walletRedirectTranscript(r.client_id, r.nonce, thumb, r.response_uri))).toBe(spec.redirect.SessionTranscript_hex);
    expect(hex(walletDcApiTranscript(spec.dc_api.inputs.origin, spec.dc_api.inputs.nonce, thumb))).toBe(spec.dc_api.SessionTranscript_hex);
  });

  it('Annex C: the real captures and the EU AV example', () => {
    const D = `${V}dcapi-annexC-real-captures-universal-verify/`;
    for (const plat of ['android', 'ios']) {
      const origin = JSON.parse(readFileSync(`${D}${plat}_params.json`, 'utf8')).origin;
      const info = readFileSync(`${D}${plat}_derived_encryptionInfo.b64u`, 'utf8').trim();
      expect(hex(encodeCbor(walletAnnexCTranscriptValue(info, origin)))).toBe(hex(readFileSync(`${D}${plat}_derived_sessionTranscript.cbor`)));
    }
    const AV = `${V}eu-av-spec-annexA-dcapi-example/`;
    const expected = readFileSync(`${AV}newer_spec_version_via_tessio_expected.txt`, 'utf8').match(/SessionTranscript hex=([0-9a-f]+)/)![1];
    const info = readFileSync(`${AV}newer_spec_version_via_tessio_encryptionInfo.b64u`, 'utf8').trim();
    expect(hex(encodeCbor(walletAnnexCTranscriptValue(info, 'https://verifier.ageverification.dev')))).toBe(expected);
  });
});
