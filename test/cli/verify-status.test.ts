/**
 * `kakunin verify` fetches no revocation lists, so a document whose MSO carries a status reference
 * (a status list or an identifier list) cannot have it checked: the check is listed as skipped with
 * its reason, in text and JSON, as device authentication is without a transcript; it does not change
 * the verdict (the service checks the reference: KAKUNIN_REVOCATION).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/cli/verify.js';
import { encodeCbor } from '../../src/cbor/index.js';
import { createDeviceResponse, MDL_DOCTYPE } from '../../src/sandbox/index.js';
import { AT, issueSample, sandboxIssuer, type SandboxIssuer } from '../helpers/sandbox-issuer.js';

const dir = mkdtempSync(join(tmpdir(), 'kakunin-cli-status-'));
const TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPDCAPIHandover', new Uint8Array(32).fill(7)]]);
let issuer: SandboxIssuer;

async function responseFile(name: string, status?: Map<string, unknown>): Promise<string> {
  const mdoc = await issueSample(issuer.ds, MDL_DOCTYPE, status ? { status } : {});
  const file = join(dir, `${name}.cbor`);
  writeFileSync(file, createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] }));
  return file;
}

async function verify(file: string, json = false) {
  let out = '';
  const code = await runVerify([file, '--transcript', join(dir, 'transcript.cbor'), '--trust', join(dir, 'iaca.pem'), '--at', AT.toISOString(), ...(json ? ['--json'] : [])], {
    out: (s) => (out += s + '\n'),
    err: () => undefined,
  });
  return { code, out };
}

beforeAll(async () => {
  issuer = await sandboxIssuer();
  writeFileSync(join(dir, 'iaca.pem'), issuer.iaca.pem);
  writeFileSync(join(dir, 'transcript.cbor'), TRANSCRIPT);
}, 30_000);

describe('kakunin verify and an MSO status reference', () => {
  it('a status list reference: listed as skipped with its reason in text and JSON; the verdict is unchanged', async () => {
    const file = await responseFile(
      'status-list',
      new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', 7],
            ['uri', 'https://issuer.example/status/1'],
          ]),
        ],
      ]),
    );
    const text = await verify(file);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^DeviceResponse: VALID \(1 document\)/);
    expect(text.out).toContain(
      '  [skip] status STATUS_UNAVAILABLE: the MSO carries a status list reference (https://issuer.example/status/1, index 7); no revocation lists were given, so it was not checked',
    );
    const json = JSON.parse((await verify(file, true)).out);
    expect(json.valid).toBe(true);
    expect(json.errors).toEqual([]);
    expect(json.documents[0].checks.at(-1)).toEqual({
      check: 'status',
      status: 'not_run',
      code: 'STATUS_UNAVAILABLE',
      message: expect.stringContaining('status list reference (https://issuer.example/status/1, index 7)'),
    });
  });

  it('an identifier list reference likewise; a document without one lists no status check', async () => {
    const file = await responseFile(
      'identifier-list',
      new Map([
        [
          'identifier_list',
          new Map<string, unknown>([
            ['id', new Uint8Array([1, 2, 3])],
            ['uri', 'https://issuer.example/ids'],
          ]),
        ],
      ]),
    );
    expect((await verify(file)).out).toContain('  [skip] status STATUS_UNAVAILABLE: the MSO carries an identifier list reference (https://issuer.example/ids)');
    const plain = await verify(await responseFile('no-status'));
    expect(plain.code).toBe(0);
    expect(plain.out).not.toContain('status');
    expect(JSON.parse((await verify(await responseFile('no-status'), true)).out).documents[0].checks.map((c: { check: string }) => c.check)).not.toContain('status');
  });
});
