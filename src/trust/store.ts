/**
 * Trust anchors (IACA roots), grouped in named trust sets, loaded from a folder of PEM/DER files.
 *
 * Layout: certs/<set>/<name>.pem (or .der/.crt/.cer) with an optional side file <name>.json:
 *   {"name", "source", "sha256", "docTypes": [...], "country", "test", "notes"}
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
  country?: string;
  test?: boolean;
  notes?: string;
}

export interface TrustAnchor {
  name: string;
  set: string;
  certificate: ParsedCertificate;
  /** docTypes this anchor may sign; undefined means any. */
  docTypes?: string[];
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
  private readonly bySubject = new Map<string, TrustAnchor[]>();

  constructor(anchors: TrustAnchor[]) {
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
    return new TrustStore(this.anchors.filter((a) => sets.includes(a.set)));
  }

  get sets(): string[] {
    return [...new Set(this.anchors.map((a) => a.set))];
  }

  static fromCertificates(ders: Uint8Array[], meta: TrustAnchorMeta & { set?: string } = {}): TrustStore {
    return new TrustStore(ders.map((der) => anchorFrom(der, meta.set ?? 'default', meta)));
  }

  static merge(...stores: TrustStore[]): TrustStore {
    return new TrustStore(stores.flatMap((s) => [...s.anchors]));
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
    country: meta.country ?? certificate.country,
    source: meta.source,
    test: meta.test ?? TEST_SETS.has(set),
  };
}

function loadFile(file: string, set: string): TrustAnchor[] {
  const side = file.slice(0, -extname(file).length) + '.json';
  let meta: TrustAnchorMeta = {};
  if (existsSync(side)) {
    try {
      meta = JSON.parse(readFileSync(side, 'utf8')) as TrustAnchorMeta;
    } catch (e) {
      throw new KakuninError('TRUST_STORE_INVALID', `${side}: ${(e as Error).message}`);
    }
  }
  const ders = readCertificates(readFileSync(file));
  if (ders.length === 0) throw new KakuninError('TRUST_STORE_INVALID', `${file}: no certificate found`);
  const name = basename(file, extname(file));
  // A side file's sha256 describes a single-certificate file; bundles are taken as they are.
  return ders.map((der) => anchorFrom(der, set, ders.length === 1 ? meta : { ...meta, sha256: undefined }, name));
}

function loadFolder(dir: string, set: string, options: LoadOptions, depth: number): TrustAnchor[] {
  const out: TrustAnchor[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (depth > 0 || NOT_ANCHORS.has(entry)) continue;
      if (TEST_SETS.has(entry) && !options.includeTest) continue;
      if (options.sets && !options.sets.includes(entry)) continue;
      out.push(...loadFolder(path, entry, options, depth + 1));
    } else if (CERT_EXTENSIONS.has(extname(entry).toLowerCase())) {
      out.push(...loadFile(path, set));
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
 * directly in a folder belong to a set named after the folder. */
export function loadTrustStore(paths: string[], options: LoadOptions = {}): TrustStore {
  const anchors: TrustAnchor[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new KakuninError('TRUST_STORE_INVALID', `${p}: no such file or folder`);
    if (statSync(p).isDirectory()) anchors.push(...loadFolder(p, basename(p), options, 0));
    else anchors.push(...loadFile(p, basename(p, extname(p))));
  }
  return new TrustStore(anchors);
}
