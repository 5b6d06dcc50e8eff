/**
 * Trust anchors (IACA roots), grouped in named trust sets. Loading them from folders on disk is the
 * runtime layer's (src/runtime/trust-folder.ts); this file is pure.
 *
 * Anchors are matched by subject and key, never by file hash, so a re-encoded or re-issued copy of
 * the same root (same key, same name) is the same anchor.
 */
import { KakuninError } from '../codes/error.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';

/**
 * What a side file (or the caller) says about an anchor: name, source, the docTypes it may sign, the document-signer usages it requires, test or not.
 */
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

/**
 * One trusted root (IACA) as loaded: its certificate, set, name, the docTypes it may sign and whether it is a test anchor.
 */
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

/**
 * The trust anchors (IACAs) a verifier accepts, in named sets, with what each may sign. Immutable; build one with loadTrustStore or TrustStore.fromCertificates.
 *
 * @example
 * ```ts
 * import { loadTrustStore, TrustStore } from 'kakunin';
 * declare const iacaDer: Uint8Array; // one more IACA certificate, DER
 * const trust = TrustStore.merge(loadTrustStore(['./certs']), TrustStore.fromCertificates([iacaDer], { set: 'partner' }));
 * const jlisOnly = trust.restrict(['jp-jlis']); // a purpose that accepts only the My Number Card's issuer
 * console.log(trust.sets, jlisOnly.anchors.length);
 * ```
 */
export class TrustStore {
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
    return new TrustStore(
      this.anchors.filter((a) => sets.includes(a.set)),
      this.warnings,
    );
  }

  get sets(): string[] {
    return [...new Set(this.anchors.map((a) => a.set))];
  }

  static fromCertificates(ders: Uint8Array[], meta: TrustAnchorMeta & { set?: string } = {}): TrustStore {
    return new TrustStore(ders.map((der) => anchorFrom(der, meta.set ?? 'default', meta)));
  }

  static merge(...stores: TrustStore[]): TrustStore {
    return new TrustStore(
      stores.flatMap((s) => [...s.anchors]),
      stores.flatMap((s) => [...s.warnings]),
    );
  }
}

/** A trust anchor from a DER certificate and its side file's metadata. Throws TRUST_STORE_INVALID
 * when the side file's sha256 does not match. */
export function anchorFrom(der: Uint8Array, set: string, meta: TrustAnchorMeta, fallbackName?: string): TrustAnchor {
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
