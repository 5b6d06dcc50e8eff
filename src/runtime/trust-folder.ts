/**
 * Trust stores from folders and files on disk. Layout: certs/<set>/<name>.pem (or .der/.crt/.cer)
 * with an optional side file <name>.json:
 *   {"name", "source", "sha256", "docTypes": [...], "documentSignerEku": [...], "country", "test", "notes"}
 * The sets `test` and `sandbox` hold test roots and load only when asked (`includeTest`).
 * A folder loads what it can: a file that is not a readable certificate, a certificate in a folder
 * that is not a CA, or a side file that does not read or match is skipped with a warning naming the
 * file (store.warnings), so one bad file never stops verification with the others.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KakuninError } from '../codes/error.js';
import { readCertificates } from '../trust/certificate.js';
import { anchorFrom, TEST_SETS, TrustStore, type TrustAnchor, type TrustAnchorMeta } from '../trust/store.js';
import { readFileAtMost } from './bounded-read.js';

/** The trust sets shipped with the package (certs/ at its root, from src/runtime or dist/runtime):
 * the default of every command, whatever the working directory. */
export const PACKAGE_CERTS_DIR = fileURLToPath(new URL('../../certs', import.meta.url));

/** Roots that sign VICALs, kept beside a set (certs/<set>/vical-signer-roots/): never IACAs. */
const NOT_ANCHORS = new Set(['vical-signer-roots']);
const CERT_EXTENSIONS = new Set(['.pem', '.der', '.crt', '.cer']);
/** Any file of a trust folder, a certificate bundle or a side file: a VICAL, the largest list of IACAs
 * kakunin reads, is at most 8 MiB (MAX_VICAL_BYTES), and its certificates in PEM about 4/3 of that.
 * A file past it is skipped with a warning, never read whole. */
export const MAX_TRUST_FILE_BYTES = 16 * 1024 * 1024;

function readSideFile(side: string): TrustAnchorMeta {
  if (!existsSync(side)) return {};
  try {
    const meta = JSON.parse(Buffer.from(readFileAtMost(side, MAX_TRUST_FILE_BYTES)).toString('utf8')) as TrustAnchorMeta;
    for (const key of ['docTypes', 'documentSignerEku'] as const) {
      const v = meta[key];
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new KakuninError('TRUST_STORE_INVALID', `${key} must be a list of strings`);
    }
    return meta;
  } catch (e) {
    const message = (e as Error).message;
    throw new KakuninError('TRUST_STORE_INVALID', message.includes(side) ? message : `${side}: ${message}`);
  }
}

/** Anchors of one file. `inFolder`: found by listing a folder, where only CA certificates are
 * anchors (a file named on its own may be a directly trusted document signer, as test issuers do). */
function loadFile(file: string, set: string, inFolder: boolean): TrustAnchor[] {
  const meta = readSideFile(file.slice(0, -extname(file).length) + '.json');
  let ders: Uint8Array[];
  try {
    ders = readCertificates(readFileAtMost(file, MAX_TRUST_FILE_BYTES));
  } catch (e) {
    throw new KakuninError('TRUST_STORE_INVALID', (e as Error).message);
  }
  if (ders.length === 0) throw new KakuninError('TRUST_STORE_INVALID', `${file}: no certificate found`);
  const name = basename(file, extname(file));
  // A side file's sha256 describes a single-certificate file; bundles are taken as they are.
  return ders.map((der) => {
    let anchor: TrustAnchor;
    try {
      anchor = anchorFrom(der, set, ders.length === 1 ? meta : { ...meta, sha256: undefined }, name);
    } catch (e) {
      throw new KakuninError('TRUST_STORE_INVALID', `${file}: ${(e as Error).message}`);
    }
    if (inFolder && !anchor.certificate.isCA) throw new KakuninError('TRUST_STORE_INVALID', `${file}: not a CA certificate, so not a trust anchor`);
    return anchor;
  });
}

/** Loads what it can; each file that fails is a warning naming it. */
function loadFileOrWarn(file: string, set: string, inFolder: boolean, warnings: string[]): TrustAnchor[] {
  try {
    return loadFile(file, set, inFolder);
  } catch (e) {
    const message = (e as Error).message;
    warnings.push(message.includes(file) ? message : `${file}: ${message}`);
    return [];
  }
}

function loadFolder(dir: string, set: string, options: LoadTrustStoreOptions, depth: number, warnings: string[]): TrustAnchor[] {
  const out: TrustAnchor[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (depth > 0 || NOT_ANCHORS.has(entry)) continue;
      if (TEST_SETS.has(entry) && !options.includeTest) continue;
      if (options.sets && !options.sets.includes(entry)) continue;
      out.push(...loadFolder(path, entry, options, depth + 1, warnings));
    } else if (CERT_EXTENSIONS.has(extname(entry).toLowerCase())) {
      out.push(...loadFileOrWarn(path, set, true, warnings));
    }
  }
  return out;
}

/**
 * Which trust sets to load from the folders (default: every production set), and whether test sets may be loaded.
 */
export interface LoadTrustStoreOptions {
  /** Load the `test` and `sandbox` sets too (sandbox or test mode only). */
  includeTest?: boolean;
  /** Load only these sets. */
  sets?: string[];
}

/** The test sets (`test`, `sandbox`) a trust folder is or holds: what loads only with `includeTest`. */
export function testSetsIn(path: string): string[] {
  if (!existsSync(path) || !statSync(path).isDirectory()) return [];
  if (TEST_SETS.has(basename(path))) return [basename(path)];
  return readdirSync(path)
    .filter((entry) => TEST_SETS.has(entry) && statSync(join(path, entry)).isDirectory())
    .sort();
}

/** The trust sets a trust folder holds (its subfolders; a folder without any is one set, its own name). */
export function trustSetsIn(path: string): string[] {
  if (!existsSync(path) || !statSync(path).isDirectory()) return [];
  const sets = readdirSync(path)
    .filter((entry) => statSync(join(path, entry)).isDirectory())
    .sort();
  return sets.length ? sets : [basename(path)];
}

/** Loads anchors from files and folders. A folder's subfolders are trust sets; certificate files
 * directly in a folder belong to a set named after the folder. Files that cannot be used are
 * skipped and listed in `warnings`; a path that does not exist is an error. *
 * @example
 * ```ts
 * import { loadTrustStore } from 'kakunin';
 * const trust = loadTrustStore(['./certs']);
 * console.log(trust.anchors.length, trust.warnings);
 * ```
 */
export function loadTrustStore(paths: string[], options: LoadTrustStoreOptions = {}): TrustStore {
  const anchors: TrustAnchor[] = [];
  const warnings: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new KakuninError('TRUST_STORE_INVALID', `${p}: no such file or folder`);
    if (statSync(p).isDirectory()) anchors.push(...loadFolder(p, basename(p), options, 0, warnings));
    else anchors.push(...loadFileOrWarn(p, basename(p, extname(p)), false, warnings));
  }
  return new TrustStore(anchors, warnings);
}
