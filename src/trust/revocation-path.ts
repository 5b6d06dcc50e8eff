/**
 * Certificate paths of the parties that sign trust material: VICAL signers, CRL issuers and
 * status-list signers. Their profiles differ from a document signer's (ISO 18013-5 Annex B), so
 * chain.ts does not apply; what they share is: every certificate valid at `at`, each one signed by
 * the next, every issuer a CA, and the path ending at a certificate the caller trusts for this job.
 * A trusted certificate may also be the signer itself (a pinned signer, e.g. a test VICAL whose
 * root is not published).
 */
import { KakuninError } from '../codes/error.js';
import { SIGNED_LIST_CODES, type SignedListKind } from '../codes/error-codes.js';
import { issuedBy, parseCertificate, type ParsedCertificate } from './certificate.js';

export const MAX_SIGNER_PATH = 5;

export interface SignerPathOptions {
  /** Which list's signer: its codes are SIGNED_LIST_CODES[kind] (VICAL_UNTRUSTED, CRL_EXPIRED, ...). */
  kind: SignedListKind;
  /** Extended key usage the signer must carry, when its profile names one. */
  eku?: string;
}

/** The certificates from a signer up to its trust anchor, as used to check a list's or a VICAL's signature. */
export interface SignerPath {
  signer: ParsedCertificate;
  /** Signer first, anchor last. */
  path: ParsedCertificate[];
  anchor: ParsedCertificate;
}

function parse(der: Uint8Array, kind: SignedListKind, what: string): ParsedCertificate {
  try {
    return parseCertificate(der);
  } catch {
    throw new KakuninError(SIGNED_LIST_CODES[kind].malformed, `${what} is not a readable X.509 certificate`);
  }
}

function sameCertificate(a: ParsedCertificate, b: ParsedCertificate): boolean {
  return a.subject === b.subject && a.spkiSha256 === b.spkiSha256;
}

function checkTime(c: ParsedCertificate, at: Date, kind: SignedListKind): void {
  const t = at.getTime();
  if (t < c.notBefore.getTime() || t > c.notAfter.getTime()) {
    throw new KakuninError(
      SIGNED_LIST_CODES[kind].expired,
      `certificate "${c.subject.replace(/\n/g, ', ')}" is valid ${c.notBefore.toISOString()}..${c.notAfter.toISOString()}, not at ${at.toISOString()}`,
    );
  }
}

/** `chain`: DER certificates as the signed object carries them, signer first. */
export function verifySignerPath(chain: Uint8Array[], anchors: Uint8Array[], at: Date, options: SignerPathOptions): SignerPath {
  const { kind } = options;
  if (chain.length === 0) throw new KakuninError(SIGNED_LIST_CODES[kind].untrusted, 'no signer certificate');
  if (chain.length > MAX_SIGNER_PATH) throw new KakuninError(SIGNED_LIST_CODES[kind].malformed, `certificate chain longer than ${MAX_SIGNER_PATH}`);
  const certs = chain.map((d, i) => parse(d, kind, `certificate ${i} of the chain`));
  const trusted = anchors.map((d, i) => parse(d, kind, `trusted certificate ${i}`));
  for (const [i, c] of certs.entries()) {
    if (c.unusable) throw new KakuninError(SIGNED_LIST_CODES[kind].untrusted, `certificate ${i} of the chain: ${c.unusable}`);
  }
  const signer = certs[0];
  if (options.eku && !(signer.extendedKeyUsage ?? []).includes(options.eku)) {
    throw new KakuninError(SIGNED_LIST_CODES[kind].untrusted, `signer certificate lacks extended key usage ${options.eku}`);
  }
  const path: ParsedCertificate[] = [signer];
  let current = signer;
  for (let depth = 0; depth <= MAX_SIGNER_PATH; depth++) {
    checkTime(current, at, kind);
    const pinned = trusted.find((t) => sameCertificate(t, current));
    if (pinned) return { signer, path, anchor: pinned };
    const anchor = trusted.find((t) => issuedBy(current, t));
    if (anchor) {
      if (!anchor.isCA) throw new KakuninError(SIGNED_LIST_CODES[kind].untrusted, 'the trusted issuer is not a CA');
      checkTime(anchor, at, kind);
      path.push(anchor);
      return { signer, path, anchor };
    }
    const next = certs.find((c) => !path.includes(c) && issuedBy(current, c));
    if (!next || !next.isCA) break;
    path.push(next);
    current = next;
  }
  throw new KakuninError(SIGNED_LIST_CODES[kind].untrusted, `signer certificate does not chain to a trusted certificate`);
}
