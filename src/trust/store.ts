/**
 * Trust anchors (IACA roots), grouped in named trust sets, loaded from a folder of PEM/DER files.
 *
 * Layout: certs/<set>/<name>.pem (or .der/.crt/.cer) with an optional side file <name>.json:
 *   {"name", "source", "sha256", "docTypes": [...], "documentSignerEku": [...], "country", "test", "notes"}
 * A folder loads what it can: a file that is not a readable certificate, a certificate in a folder
 * that is not a CA, or a side file that does not read or match is skipped with a warning naming the
 * file (store.warnings), so one bad file never stops verification with the others.
 * The sets `test` and `sandbox` hold test roots and load only when asked (`includeTest`).
 * Anchors are matched by subject and key, never by file hash, so a re-encoded or re-issued copy of
 * the same root (same key, same name) is the same anchor.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { KakuninError } from '../cbor/errors.js';
import { parseCertificate, readCertificates, type ParsedCertificate } from './certificate.js';

export interface TrustAnchorMeta {
  name?: string;
  source?: string;
  sha256?: string;
  docTypes?: string[];
  /** Replaces the document-signer extended key usages accepted for documents under this anchor
   * (document-signer-profiles.ts), to follow a real issuer without a release. */
  documentSignerEku?: string[];
  country?: string;
  test?: boolean;
  notes?: string;
}

export interface TrustAnchor {
  name: string;
  set: string;
  certificate: ParsedCertificate;
  /** docTypes this anchor may sign; undefined or empty means any but the docTypes that belong to
   * one authority (SOLE_AUTHORITY_DOCTYPES), unless the anchor is a test anchor. */
  docTypes?: string[];
  documentSignerEku?: string[];
  country?: string;
  source?: string;
  test: boolean;
}

export const TEST_SETS = new Set(['test', 'sandbox']);
/** Roots that sign VICALs, kept beside a set (certs/<set>/vical-signer-roots/): never IACAs. */
const NOT_ANCHORS = new Set(['vical-signer-roots']);
const CERT_EXTENSIONS = new Set(['.pem', '.der', '.crt', '.cer']);

let storeCounter = 0;

export class TrustStore {
  /** Distinguishes stores in caches keyed by store (two stores never share verified chains). */
  readonly id = `store-${++storeCounter}`;
  readonly anchors: readonly TrustAnchor[];
  /** Files skipped while loading, each with the reason (names the file). */
  readonly warnings: readonly string[];
  private readonly bySubject = new Map<string, TrustAnchor[]>();

  constructor(anchors: TrustAnchor[], warnings: readonly string[] = []) {
    this.warnings = warnings;
    const unique = new Map<string, TrustAnchor>();
    for (const a of anchors) {
      const key = `${a.certificate.subject}\0${a.certificate.spkiSha256}`;
      if (!unique.has(key)) unique.set(key, a);
    }
    this.anchors = [...unique.values()];
    for (const a of this.anchors) {
      const list = this.bySubject.get(a.certificate.subject) ?? [];
      list.push(a);
      this.bySubject.set(a.certificate.subject, list);
    }
  }

  /** Anchors whose subject is `issuerName`. */
  candidates(issuerName: string): readonly TrustAnchor[] {
    return this.bySubject.get(issuerName) ?? [];
  }

  /** The anchor that is this very certificate (same subject and key), if any. */
  anchorFor(cert: ParsedCertificate): TrustAnchor | undefined {
    return this.candidates(cert.subject).find((a) => a.certificate.spkiSha256 === cert.spkiSha256);
  }

  /** A store with only the given sets (a purpose that accepts, say, only jp-jlis). */
  restrict(sets: readonly string[]): TrustStore {
    return new TrustStore(this.anchors.filter((a) => sets.includes(a.set)), this.warnings);
  }

  get sets(): string[] {
    return [...new Set(this.anchors.map((a) => a.set))];
  }

  static fromCertificates(ders: Uint8Array[], meta: TrustAnchorMeta & { set?: string } = {}): TrustStore {
    return new TrustStore(ders.map((der) => anchorFrom(der, meta.set ?? 'default', meta)));
  }

  static merge(...stores: TrustStore[]): TrustStore {
    return new TrustStore(stores.flatMap((s) => [...s.anchors]), stores.flatMap((s) => [...s.warnings]));
  }
}

function anchorFrom(der: Uint8Array, set: string, meta: TrustAnchorMeta, fallbackName?: string): TrustAnchor {
  const certificate = parseCertificate(der);
  if (meta.sha256 && meta.sha256.toLowerCase() !== certificate.sha256) {
    throw new KakuninError('TRUST_STORE_INVALID', `${fallbackName ?? set}: sha256 in the side file does not match the certificate`);
  }
  return {
    name: meta.name ?? fallbackName ?? certificate.subject.replace(/\n/g, ', '),
    set,
    certificate,
    docTypes: meta.docTypes,
    documentSignerEku: meta.documentSignerEku,
    country: meta.country ?? certificate.country,
    source: meta.source,
    test: meta.test ?? TEST_SETS.has(set),
  };
}

function readSideFile(side: string): TrustAnchorMeta {
  if (!existsSync(side)) return {};
  try {
    const meta = JSON.parse(readFileSync(side, 'utf8')) as TrustAnchorMeta;
    for (const key of ['docTypes', 'documentSignerEku'] as const) {
      const v = meta[key];
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new Error(`${key} must be a list of strings`);
    }
    return meta;
  } catch (e) {
    throw new KakuninError('TRUST_STORE_INVALID', `${side}: ${(e as Error).message}`);
  }
}

/** Anchors of one file. `inFolder`: found by listing a folder, where only CA certificates are
 * anchors (a file named on its own may be a directly trusted document signer, as test issuers do). */
function loadFile(file: string, set: string, inFolder: boolean): TrustAnchor[] {
  const meta = readSideFile(file.slice(0, -extname(file).length) + '.json');
  const ders = readCertificates(readFileSync(file));
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

function loadFolder(dir: string, set: string, options: LoadOptions, depth: number, warnings: string[]): TrustAnchor[] {
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

export interface LoadOptions {
  /** Load the `test` and `sandbox` sets too (sandbox or test mode only). */
  includeTest?: boolean;
  /** Load only these sets. */
  sets?: string[];
}

/** Loads anchors from files and folders. A folder's subfolders are trust sets; certificate files
 * directly in a folder belong to a set named after the folder. Files that cannot be used are
 * skipped and listed in `warnings`; a path that does not exist is an error. */
export function loadTrustStore(paths: string[], options: LoadOptions = {}): TrustStore {
  const anchors: TrustAnchor[] = [];
  const warnings: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new KakuninError('TRUST_STORE_INVALID', `${p}: no such file or folder`);
    if (statSync(p).isDirectory()) anchors.push(...loadFolder(p, basename(p), options, 0, warnings));
    else anchors.push(...loadFileOrWarn(p, basename(p, extname(p)), false, warnings));
  }
  return new TrustStore(anchors, warnings);
}
