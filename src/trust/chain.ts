/**
 * Document signer chain: from the x5chain of an issuerAuth to a trust anchor, with the ISO 18013-5
 * Annex B profile checks.
 *
 * What is cached, and why it is safe: the path (which certificates, which anchor), the signature
 * checks along it and the profile verdict depend only on the certificate bytes and the trust store,
 * so they are cached under (store id, exact x5chain bytes). Everything that depends on the time
 * (validity of each link) and on the document (docType the anchor may sign) is checked on every call.
 */
import { KakuninError } from '../cbor/errors.js';
import type { FailureCode } from '../mdoc/result.js';
import { EKU_MDL_DS, issuedBy, KEY_USAGE, parseCertificate, type ParsedCertificate } from './certificate.js';
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
  /** Failure of the Annex B profile, if any. */
  profile?: Finding;
}

/** Everything about a path that does not depend on the time or the document. */
type CachedPath = IssuerChain;

const cache = new Map<string, CachedPath>();
const CACHE_MAX = 1024;

function fail(code: FailureCode, message: string): Finding {
  return { code, message };
}

function describe(c: ParsedCertificate): string {
  return `"${c.subject.replace(/\n/g, ', ')}"`;
}

function buildPath(x5chain: Uint8Array[], store: TrustStore): CachedPath {
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
  let certs: ParsedCertificate[];
  try {
    certs = x5chain.map(parseCertificate);
  } catch (e) {
    return { path: [], chain: fail('ISSUER_CERT_MISSING', (e as KakuninError).message) };
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
  return { ds, path, anchor, profile: checkProfile(path, anchor) };
}

/** ISO 18013-5 Annex B: the DS is an end-entity signing key for mdocs, every issuer above it is a CA
 * allowed to sign certificates, and the DS is in the IACA's country. */
function checkProfile(path: ParsedCertificate[], anchor: TrustAnchor): Finding | undefined {
  const [ds, ...issuers] = path;
  if (ds.isCA) return fail('ISSUER_CERT_PROFILE', 'document signer certificate is a CA');
  if (ds.keyUsage === undefined || !(ds.keyUsage & KEY_USAGE.digitalSignature)) {
    return fail('ISSUER_CERT_PROFILE', 'document signer certificate lacks keyUsage digitalSignature');
  }
  if (!ds.extendedKeyUsage?.includes(EKU_MDL_DS)) {
    return fail('ISSUER_CERT_PROFILE', `document signer certificate lacks extendedKeyUsage ${EKU_MDL_DS}`);
  }
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

function cacheKey(x5chain: Uint8Array[], store: TrustStore): string {
  let key = store.id;
  // latin1 maps each byte to one char: the cheapest exact-bytes key.
  for (const c of x5chain) key += '|' + Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('latin1');
  return key;
}

/**
 * Checks the issuer's chain at time `at` for a document of `docType`.
 */
export function verifyIssuerChain(x5chain: Uint8Array[], store: TrustStore, at: Date, docType?: string): IssuerChain {
  const key = cacheKey(x5chain, store);
  let cached = cache.get(key);
  if (!cached) {
    cached = buildPath(x5chain, store);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, cached);
  }
  const result: IssuerChain = { ...cached };
  if (result.chain || !result.anchor) return result;
  const t = at.getTime();
  for (const c of cached.path) {
    if (t < c.notBefore.getTime()) {
      result.chain = fail('ISSUER_CERT_EXPIRED', `certificate ${describe(c)} is not valid before ${c.notBefore.toISOString()}`);
      return result;
    }
    if (t > c.notAfter.getTime()) {
      result.chain = fail('ISSUER_CERT_EXPIRED', `certificate ${describe(c)} expired ${c.notAfter.toISOString()}`);
      return result;
    }
  }
  const allowed = result.anchor.docTypes;
  if (docType !== undefined && allowed && allowed.length > 0 && !allowed.includes(docType)) {
    result.chain = fail('ISSUER_CERT_UNTRUSTED', `trust anchor "${result.anchor.name}" may not sign ${docType}`);
  }
  return result;
}
