/**
 * Document signer chain: from the x5chain of an issuerAuth to a trust anchor, with the document
 * signer profile of the docType (ISO 18013-5 Annex B for the mDL, ISO/IEC 23220-4 for the others:
 * document-signer-profiles.ts) and RFC 5280's rule on critical extensions.
 *
 * What is cached, and why it is safe: the path (which certificates, which anchor) and the signature
 * checks along it depend only on the certificate bytes and the trust store, so a path that reached
 * an anchor is kept for that store (bounded in bytes, gone with the store), with the exact x5chain
 * bytes it was built from: a lookup finds it by a short fingerprint and uses it only when every
 * certificate is the same, byte for byte. Paths that did not reach an anchor are never kept: anyone
 * can send those, and keeping them would let answers grow memory. Everything that depends on the
 * time (validity of each link) is checked on every call; the signer profile, which depends on the
 * path and the document's docType only, is kept for the last docType seen, and the docTypes the
 * anchor may sign are checked on every call.
 */
import { LRUCache } from 'lru-cache';
import type { KakuninError } from '../codes/error.js';
import type { FailureCode } from '../codes/failure-codes.js';
import { issuedBy, KEY_USAGE, parseCertificate, type ParsedCertificate } from './certificate.js';
import { documentSignerUsages, EKU, SOLE_AUTHORITY_DOCTYPES } from './document-signer-profiles.js';
import type { TrustAnchor, TrustStore } from './store.js';

/** Longest x5chain accepted (DS + intermediates). */
export const MAX_CHAIN_LENGTH = 5;

export interface Finding {
  code: FailureCode;
  message: string;
}

export interface IssuerChain {
  /** The document signer certificate (x5chain[0]), when it could be read. */
  ds?: ParsedCertificate;
  /** DS, intermediates, anchor certificate: every link that was checked. */
  path: ParsedCertificate[];
  anchor?: TrustAnchor;
  /** Failure of path building (missing, untrusted, expired), if any. */
  chain?: Finding;
  /** Failure of the document signer profile, if any. */
  profile?: Finding;
}

/** Bytes of verified paths kept per trust store (each entry costs about 4x its certificates' DER). */
export const CHAIN_CACHE_BYTES = 8 * 1024 * 1024;

/** A verified path with the x5chain it was built from (copies) and the profile finding of the last docType. */
interface CachedPath {
  x5chain: Uint8Array[];
  path: IssuerChain;
  docType?: string;
  profile?: Finding;
  profiled: boolean;
}

/** Paths that reached an anchor, one cache per trust store: it lives and dies with the store. */
const pathsByStore = new WeakMap<TrustStore, LRUCache<string, CachedPath>>();

function pathsOf(store: TrustStore): LRUCache<string, CachedPath> {
  let cache = pathsByStore.get(store);
  if (!cache) {
    cache = new LRUCache<string, CachedPath>({
      maxSize: CHAIN_CACHE_BYTES,
      sizeCalculation: (value, key) => key.length + value.x5chain.reduce((n, c) => n + c.length, 0) + 4 * value.path.path.reduce((n, c) => n + c.der.length, 0) + 256,
    });
    pathsByStore.set(store, cache);
  }
  return cache;
}

/** How many verified paths are kept for `store` (for tests and metrics). */
export function cachedPathCount(store: TrustStore): number {
  return pathsByStore.get(store)?.size ?? 0;
}

function fail(code: FailureCode, message: string): Finding {
  return { code, message };
}

function describe(c: ParsedCertificate): string {
  return `"${c.subject.replace(/\n/g, ', ')}"`;
}

function buildPath(x5chain: Uint8Array[], store: TrustStore): IssuerChain {
  if (x5chain.length === 0) return { path: [], chain: fail('ISSUER_CERT_MISSING', 'issuerAuth carries no x5chain certificate') };
  if (x5chain.length > MAX_CHAIN_LENGTH) {
    // Still read the DS so that the issuer signature can be checked and reported on its own.
    let ds: ParsedCertificate | undefined;
    try {
      ds = parseCertificate(x5chain[0]);
    } catch {
      ds = undefined;
    }
    return { ds, path: ds ? [ds] : [], chain: fail('ISSUER_CERT_UNTRUSTED', `x5chain has ${x5chain.length} certificates, more than ${MAX_CHAIN_LENGTH}`) };
  }
  const certs: ParsedCertificate[] = [];
  for (const [i, der] of x5chain.entries()) {
    try {
      certs.push(parseCertificate(der));
    } catch (e) {
      // The certificate was sent: it is unreadable, not missing.
      const ds = certs[0];
      return { ds, path: ds ? [ds] : [], chain: fail('ISSUER_CERT_PROFILE', `x5chain certificate ${i + 1}: ${(e as KakuninError).message}`) };
    }
  }
  const ds = certs[0];
  const path: ParsedCertificate[] = [ds];
  let current = ds;
  let anchor: TrustAnchor | undefined;
  const unused = certs.slice(1);
  for (let hops = 0; hops <= MAX_CHAIN_LENGTH && !anchor; hops++) {
    // The current certificate may itself be an anchor: issuers send the IACA in x5chain, and test
    // issuers' self-made DS certificates are trusted directly (the profile check still applies).
    const self = store.anchorFor(current);
    if (self) {
      anchor = self;
      break;
    }
    const byAnchor = store.candidates(current.issuer).find((a) => issuedBy(current, a.certificate));
    if (byAnchor) {
      anchor = byAnchor;
      path.push(byAnchor.certificate);
      break;
    }
    const next = unused.findIndex((c) => issuedBy(current, c));
    if (next < 0) break;
    current = unused.splice(next, 1)[0];
    path.push(current);
  }
  if (!anchor) {
    return { ds, path, chain: fail('ISSUER_CERT_UNTRUSTED', `no trust anchor issued ${describe(path[path.length - 1])}`) };
  }
  return { ds, path, anchor };
}

const READER_AUTH = new Set<string>([EKU.MDL_READER_AUTH, EKU.MDOC_READER_AUTH]);

/** The document signer's extended key usage for `docType` (document-signer-profiles.ts). */
function checkDocumentSignerUsage(ds: ParsedCertificate, anchor: TrustAnchor, docType: string | undefined): Finding | undefined {
  const accepted = documentSignerUsages(docType, anchor.documentSignerEku);
  const found = ds.extendedKeyUsage ?? [];
  if (found.some((u) => accepted.includes(u))) return undefined;
  const what = docType ?? 'this document';
  const has = ds.malformed.includes('2.5.29.37')
    ? 'its extendedKeyUsage extension is malformed'
    : found.length
      ? `it has ${found.join(', ')}${found.some((u) => READER_AUTH.has(u)) ? ' (reader authentication, which never signs documents)' : ''}`
      : 'it has no extendedKeyUsage';
  return fail('ISSUER_CERT_PROFILE', `document signer for ${what} needs extendedKeyUsage ${accepted.join(' or ')}; ${has}`);
}

/** The DS is an end-entity signing key for mdocs of `docType`, every issuer above it is a CA
 * allowed to sign certificates, no link carries a critical extension this verifier does not
 * process (RFC 5280 §4.2), and the DS is in the IACA's country (Annex B). */
function checkProfile(path: ParsedCertificate[], anchor: TrustAnchor, docType: string | undefined): Finding | undefined {
  const [ds, ...issuers] = path;
  // The anchor itself is trusted by configuration: RFC 5280 does not process its extensions.
  for (const c of path) {
    if (c !== anchor.certificate && c.unusable) return fail('ISSUER_CERT_PROFILE', `certificate ${describe(c)}: ${c.unusable}`);
  }
  if (ds.isCA) return fail('ISSUER_CERT_PROFILE', 'document signer certificate is a CA');
  if (ds.keyUsage === undefined || !(ds.keyUsage & KEY_USAGE.digitalSignature)) {
    const why = ds.malformed.includes('2.5.29.15') ? ' (its keyUsage extension is malformed)' : '';
    return fail('ISSUER_CERT_PROFILE', `document signer certificate lacks keyUsage digitalSignature${why}`);
  }
  const usage = checkDocumentSignerUsage(ds, anchor, docType);
  if (usage) return usage;
  for (const [i, ca] of issuers.entries()) {
    if (!ca.isCA) return fail('ISSUER_CERT_PROFILE', `issuer ${describe(ca)} is not a CA`);
    // issuers[i] has i intermediate CAs below it on this path.
    if (ca.pathLength !== undefined && i > ca.pathLength) {
      return fail('ISSUER_CERT_PROFILE', `issuer ${describe(ca)} allows ${ca.pathLength} intermediate CAs below it, the path has ${i}`);
    }
    if (ca.keyUsage !== undefined && !(ca.keyUsage & KEY_USAGE.keyCertSign)) {
      return fail('ISSUER_CERT_PROFILE', `issuer ${describe(ca)} lacks keyUsage keyCertSign`);
    }
  }
  const iacaCountry = anchor.certificate.country ?? anchor.country;
  if (iacaCountry && ds.country !== iacaCountry) {
    return fail('ISSUER_CERT_PROFILE', `document signer country ${ds.country ?? '(none)'} differs from the IACA's ${iacaCountry}`);
  }
  return undefined;
}

/** May this anchor sign `docType`? Its side file's list when it has one; a docType that belongs to
 * one authority only from an anchor that lists it. Test anchors (the `test` and `sandbox` sets,
 * loaded only in sandbox or test mode) stand in for every issuer, that one included. */
function checkDocType(anchor: TrustAnchor, docType: string | undefined): Finding | undefined {
  if (docType === undefined) return undefined;
  const allowed = anchor.docTypes ?? [];
  if (allowed.length > 0) {
    return allowed.includes(docType) ? undefined : fail('ISSUER_CERT_UNTRUSTED', `trust anchor "${anchor.name}" may not sign ${docType}`);
  }
  const sole = SOLE_AUTHORITY_DOCTYPES[docType];
  if (sole && !anchor.test) {
    return fail('ISSUER_CERT_UNTRUSTED', `${docType} is issued only by ${sole.authority}; trust anchor "${anchor.name}" does not list it`);
  }
  return undefined;
}

/** Bytes of each certificate's end that go into its fingerprint: its signature's last bytes. */
const FINGERPRINT_BYTES = 24;

/**
 * A short fingerprint of the x5chain: each certificate's length and last bytes (the end of its
 * signature). It only finds a candidate: a hit is used when every certificate equals the cached one
 * byte for byte, so two chains with one fingerprint only cost a miss, and since only paths that
 * reached an anchor are stored, a chain made to collide cannot push a trusted one out. Building a
 * key of the whole DER (about 600 bytes per certificate) and hashing it cost more than the rest of
 * the cache hit.
 */
function fingerprint(x5chain: Uint8Array[]): string {
  let key = '';
  for (const c of x5chain) {
    const from = Math.max(0, c.byteLength - FINGERPRINT_BYTES);
    // latin1 maps each byte to one char.
    key += `|${c.byteLength}:` + Buffer.from(c.buffer, c.byteOffset + from, c.byteLength - from).toString('latin1');
  }
  return key;
}

function sameChain(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].byteLength !== b[i].byteLength || Buffer.compare(a[i], b[i]) !== 0) return false;
  return true;
}

/**
 * Checks the issuer's chain at time `at` for a document of `docType`.
 */
export function verifyIssuerChain(x5chain: Uint8Array[], store: TrustStore, at: Date, docType?: string): IssuerChain {
  const key = fingerprint(x5chain);
  const cache = pathsOf(store);
  let cached = cache.get(key);
  if (cached && !sameChain(cached.x5chain, x5chain)) cached = undefined;
  let path: IssuerChain;
  if (cached) path = cached.path;
  else {
    path = buildPath(x5chain, store);
    if (path.anchor && !path.chain) {
      cached = { x5chain: x5chain.map((c) => new Uint8Array(c)), path, profiled: false };
      cache.set(key, cached);
    }
  }
  const result: IssuerChain = { ds: path.ds, path: path.path, anchor: path.anchor, chain: path.chain };
  if (result.chain || !result.anchor) return result;
  if (cached?.profiled && cached.docType === docType) result.profile = cached.profile;
  else {
    result.profile = checkProfile(result.path, result.anchor, docType);
    if (cached) {
      cached.docType = docType;
      cached.profile = result.profile;
      cached.profiled = true;
    }
  }
  const t = at.getTime();
  for (const c of result.path) {
    if (t < c.notBefore.getTime()) {
      result.chain = fail('ISSUER_CERT_EXPIRED', `certificate ${describe(c)} is not valid before ${c.notBefore.toISOString()}`);
      return result;
    }
    if (t > c.notAfter.getTime()) {
      result.chain = fail('ISSUER_CERT_EXPIRED', `certificate ${describe(c)} expired ${c.notAfter.toISOString()}`);
      return result;
    }
  }
  result.chain = checkDocType(result.anchor, docType);
  return result;
}
