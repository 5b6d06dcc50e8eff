/**
 * The size limits of the files trust comes from, at the limit and one past it, never read whole
 * past it: a VICAL given to `kakunin trust import-vical` (MAX_VICAL_BYTES, refused as the VICAL
 * reader refuses it: exit 1, VICAL_MALFORMED) and every file of a trust folder (MAX_TRUST_FILE_BYTES:
 * skipped with a warning naming it, the others loaded). A 3 GiB hole stands for a file that must not
 * be read: readFile refuses anything past 2 GiB with an error of its own, and would read all below.
 */
import 'reflect-metadata';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrust } from '../../src/cli/trust.js';
import { loadTrustStore, MAX_TRUST_FILE_BYTES } from '../../src/runtime/trust-folder.js';
import { MAX_VICAL_BYTES } from '../../src/trust/vical.js';
import { coseOfSize } from './helpers/lists.js';

const VEC = join(import.meta.dirname, '../vectors/vicals-multipaz-parser-test');
const CERTS = join(import.meta.dirname, '../../certs');
const HOLE = 3 * 1024 ** 3;

function hole(path: string): string {
  writeFileSync(path, '');
  truncateSync(path, HOLE);
  return path;
}

describe(`kakunin trust import-vical: a VICAL of ${MAX_VICAL_BYTES} bytes`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kakunin-vical-limit-'));
  const vical = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const atLimit = coseOfSize(new Uint8Array(readFileSync(join(VEC, 'aamva_vical_2024-09-24.cbor'))), MAX_VICAL_BYTES);
  const run = async (file: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const args = ['import-vical', file, '--root', join(VEC, 'aamva_dts_root.pem'), '--into', 'us-aamva', '--certs', join(dir, 'certs'), '--at', '2024-09-24T18:00:00Z'];
    const code = await runTrust(args, { out: (s) => void out.push(s), err: (s) => void err.push(s) });
    return { code, out, err };
  };

  it('exactly at the limit: verified and imported', async () => {
    const r = await run(vical('at.cbor', atLimit));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[1]).toBe('3 IACAs written to us-aamva, 0 removed');
  });

  it('one byte more, or a 3 GiB file: rejected with VICAL_MALFORMED (exit 1), the file not read past the limit', async () => {
    const past = new Uint8Array(MAX_VICAL_BYTES + 1);
    past.set(atLimit);
    for (const file of [vical('past.cbor', past), hole(join(dir, 'hole.cbor'))]) {
      expect(await run(file)).toEqual({ code: 1, out: [], err: [`kakunin trust: VICAL rejected: VICAL_MALFORMED: VICAL larger than ${MAX_VICAL_BYTES} bytes`] });
    }
  });
});

describe(`trust folders: files of ${MAX_TRUST_FILE_BYTES} bytes`, () => {
  const root = readFileSync(join(CERTS, 'jp-jlis/mncmdocRootCA.pem'), 'latin1');
  /** The J-LIS root in a PEM file of exactly `size` bytes (text before a PEM block is allowed and ignored). */
  const pemOfSize = (size: number) => '#'.repeat(size - root.length - 1) + '\n' + root;

  it('a certificate file and a side file of exactly the limit load; one byte more, or a 3 GiB file, is skipped with a warning naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-trust-limit-'));
    const set = join(dir, 'limits');
    mkdirSync(set);
    writeFileSync(join(set, 'at.pem'), pemOfSize(MAX_TRUST_FILE_BYTES));
    const side = JSON.stringify({ name: 'side at the limit', docTypes: ['org.iso.23220.1.jp.mnc'] });
    writeFileSync(join(set, 'at.json'), side + ' '.repeat(MAX_TRUST_FILE_BYTES - side.length));
    writeFileSync(join(set, 'past.pem'), pemOfSize(MAX_TRUST_FILE_BYTES + 1));
    copyFileSync(join(CERTS, 'jp-jlis/mncmdocRootCA.pem'), join(set, 'sidepast.pem'));
    writeFileSync(join(set, 'sidepast.json'), side + ' '.repeat(MAX_TRUST_FILE_BYTES + 1 - side.length));
    hole(join(set, 'zhole.pem'));

    const store = loadTrustStore([dir]);
    expect(store.anchors.map((a) => a.name)).toEqual(['side at the limit']);
    expect(store.warnings).toEqual([
      `${join(set, 'past.pem')}: larger than ${MAX_TRUST_FILE_BYTES} bytes`,
      // A side file's warning names the certificate it describes, then itself.
      `${join(set, 'sidepast.pem')}: ${join(set, 'sidepast.json')}: larger than ${MAX_TRUST_FILE_BYTES} bytes`,
      `${join(set, 'zhole.pem')}: larger than ${MAX_TRUST_FILE_BYTES} bytes`,
    ]);
  });
});
