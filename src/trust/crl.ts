/**
 * X.509 CRLs (RFC 5280 §5) for IACAs and document signers. @peculiar/x509 reads the structure;
 * the signature is checked by node:crypto over the tbsCertList bytes exactly as received.
 */
import { verify } from 'node:crypto';
import * as x509 from './x509.js';
import { KakuninError } from '../cbor/errors.js';
import type { ParsedCertificate } from './certificate.js';
import { TRUST_CLOCK_SKEW_SECONDS } from './clock-skew.js';

export const MAX_CRL_BYTES = 10 * 1024 * 1024;

export interface ParsedCrl {
  der: Uint8Array;
  /** Issuer DN as node:crypto prints a certificate subject (one RDN per line). */
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers (lower-case hex, no leading zeros) -> revocation date. */
  revoked: Map<string, Date>;
  crlNumber?: string;
}

function bad(message: string): never {
  throw new KakuninError('CRL_MALFORMED', message);
}

/** Length and header size of the DER element at `pos`. */
function derElement(der: Uint8Array, pos: number): { start: number; end: number } {
  if (pos + 2 > der.length) bad('truncated');
  let len = der[pos + 1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + 2 + n > der.length) bad('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[pos + 2 + i];
    head += n;
  }
  const end = pos + head + len;
  if (end > der.length) bad('truncated');
  return { start: pos + head, end };
}

/** CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }. */
function tbsOf(der: Uint8Array): Uint8Array {
  if (der[0] !== 0x30) bad('not a DER SEQUENCE');
  const outer = derElement(der, 0);
  if (outer.end !== der.length) bad('trailing bytes');
  if (der[outer.start] !== 0x30) bad('tbsCertList is not a SEQUENCE');
  const tbs = derElement(der, outer.start);
  return der.subarray(outer.start, tbs.end);
}

/** Serial numbers compare as lower-case hex without leading zeros (CRLs, certificates and VICALs
 * each print them their own way). */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

function unsupported(message: string): never {
  throw new KakuninError('CRL_UNSUPPORTED', message);
}

const OID = { crlNumber: '2.5.29.20', authorityKeyIdentifier: '2.5.29.35', deltaCrlIndicator: '2.5.29.27', issuingDistributionPoint: '2.5.29.28' } as const;
/** CRL extensions whose meaning this verifier takes into account. */
const UNDERSTOOD = new Set<string>([OID.crlNumber, OID.authorityKeyIdentifier, OID.issuingDistributionPoint]);

/**
 * IssuingDistributionPoint (RFC 5280 §5.2.5): a CRL that covers only CA certificates, only some
 * revocation reasons, or other issuers' certificates (indirect) says nothing complete about a
 * document signer, so an absent serial would wrongly read as "good". Such a CRL is refused; one
 * partitioned only by distribution point name or to end-entity certificates is complete for a DS
 * whose distribution point led to it.
 */
function checkIssuingDistributionPoint(value: Uint8Array): void {
  if (value[0] !== 0x30) bad('IssuingDistributionPoint is not a SEQUENCE');
  const seq = derElement(value, 0);
  if (seq.end !== value.length) bad('IssuingDistributionPoint has trailing bytes');
  let pos = seq.start;
  while (pos < seq.end) {
    const tag = value[pos];
    const el = derElement(value, pos);
    const isTrue = el.end - el.start === 1 && value[el.start] !== 0;
    if (tag === 0x82 && isTrue) unsupported('CRL covers only CA certificates (onlyContainsCACerts)');
    if (tag === 0x83) unsupported('CRL covers only some revocation reasons (onlySomeReasons)');
    if (tag === 0x84 && isTrue) unsupported('indirect CRL (indirectCRL)');
    if (tag === 0x85 && isTrue) unsupported('CRL covers only attribute certificates (onlyContainsAttributeCerts)');
    pos = el.end;
  }
}

/** Accepts DER or PEM. */
export function parseCrl(input: Uint8Array): ParsedCrl & { signature: Uint8Array; tbs: Uint8Array; algorithm: x509.HashedAlgorithm } {
  if (input.length > MAX_CRL_BYTES) bad(`CRL larger than ${MAX_CRL_BYTES} bytes`);
  let der = input;
  const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
  if (head.includes('-----BEGIN')) {
    const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(Buffer.from(input).toString('latin1'));
    if (!m) bad('PEM without an X509 CRL block');
    der = new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  }
  const tbs = tbsOf(der);
  let crl: x509.X509Crl;
  try {
    // asn1js stops at 10,000 nodes by default, about 2,000 revoked entries: too few for a real
    // CRL. Every node takes at least two bytes, so half the size bounds it without a real limit lost.
    crl = new x509.X509Crl(new Uint8Array(der), { berOptions: { maxNodes: Math.ceil(der.length / 2) + 16, maxDepth: 32 } });
  } catch (e) {
    bad(`unreadable CRL: ${(e as Error).message}`);
  }
  for (const ext of crl.extensions) {
    if (ext.type === OID.deltaCrlIndicator) unsupported('delta CRL: not a complete list');
    if (ext.type === OID.issuingDistributionPoint) checkIssuingDistributionPoint(new Uint8Array(ext.value));
    else if (ext.critical && !UNDERSTOOD.has(ext.type)) unsupported(`unknown critical CRL extension ${ext.type}`);
  }
  const revoked = new Map<string, Date>();
  for (const entry of crl.entries) {
    // A critical entry extension (certificateIssuer of an indirect CRL, say) changes whose serial it is.
    const critical = entry.extensions.find((e) => e.critical);
    if (critical) unsupported(`critical CRL entry extension ${critical.type}`);
    revoked.set(normalizeSerial(entry.serialNumber), entry.revocationDate);
  }
  const number = crl.getExtension('2.5.29.20');
  return {
    der,
    tbs,
    signature: new Uint8Array(crl.signature),
    algorithm: crl.signatureAlgorithm,
    issuer: crl.issuerName.toString().split(', ').join('\n'),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    revoked,
    crlNumber: number ? Buffer.from(number.value).toString('hex') : undefined,
  };
}

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.split(/\n|, (?=[A-Za-z0-9.]+=)/).map((x) => x.trim()).sort().join('\n');
  return norm(a) === norm(b);
}

export interface VerifyCrlOptions {
  at: Date;
  /** Tolerated clock difference on thisUpdate, seconds. Default TRUST_CLOCK_SKEW_SECONDS. */
  clockSkewSeconds?: number;
}

/**
 * Checks that `issuer` signed the CRL, names it as issuer, may sign CRLs, and that the CRL is
 * current at `at`. Throws CRL_MALFORMED, CRL_UNSUPPORTED (a
 * partitioned, delta or indirect CRL, or an unknown critical extension), CRL_UNTRUSTED,
 * CRL_SIGNATURE_INVALID or CRL_EXPIRED.
 */
export function verifyCrl(input: Uint8Array, issuer: ParsedCertificate, options: VerifyCrlOptions): ParsedCrl {
  const crl = parseCrl(input);
  if (!sameName(crl.issuer, issuer.subject)) throw new KakuninError('CRL_UNTRUSTED', 'CRL issuer name is not the certificate issuer');
  if (issuer.keyUsage !== undefined && !(issuer.keyUsage & x509.KeyUsageFlags.cRLSign)) {
    throw new KakuninError('CRL_UNTRUSTED', 'issuer certificate may not sign CRLs (no cRLSign)');
  }
  const name = crl.algorithm.name;
  const hash = (crl.algorithm as { hash?: { name: string } }).hash?.name;
  let ok: boolean;
  try {
    if (name === 'ECDSA' || name === 'RSASSA-PKCS1-v1_5') {
      const h = hash && HASHES[hash];
      if (!h || h === 'sha1') throw new KakuninError('CRL_SIGNATURE_INVALID', `unsupported CRL signature hash ${hash}`);
      ok = verify(h, crl.tbs, issuer.publicKey, crl.signature);
    } else if (name === 'Ed25519' || name === 'EdDSA' || name === 'Ed448') {
      ok = verify(null, crl.tbs, issuer.publicKey, crl.signature);
    } else {
      throw new KakuninError('CRL_SIGNATURE_INVALID', `unsupported CRL signature algorithm ${name}`);
    }
  } catch (e) {
    if (e instanceof KakuninError) throw e;
    throw new KakuninError('CRL_SIGNATURE_INVALID', (e as Error).message);
  }
  if (!ok) throw new KakuninError('CRL_SIGNATURE_INVALID', 'CRL signature does not verify with the issuer key');
  const skew = (options.clockSkewSeconds ?? TRUST_CLOCK_SKEW_SECONDS) * 1000;
  if (crl.thisUpdate.getTime() > options.at.getTime() + skew) throw new KakuninError('CRL_EXPIRED', `CRL thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
  if (crl.nextUpdate && crl.nextUpdate.getTime() < options.at.getTime()) throw new KakuninError('CRL_EXPIRED', `CRL nextUpdate ${crl.nextUpdate.toISOString()} has passed`);
  const { der, issuer: iss, thisUpdate, nextUpdate, revoked, crlNumber } = crl;
  return { der, issuer: iss, thisUpdate, nextUpdate, revoked, crlNumber };
}

/** The http(s) URLs in a certificate's CRL distribution points extension. */
export function crlDistributionPoints(der: Uint8Array): string[] {
  try {
    const cert = new x509.X509Certificate(new Uint8Array(der));
    const ext = cert.getExtension(x509.CRLDistributionPointsExtension);
    if (!ext) return [];
    const urls: string[] = [];
    for (const dp of ext.distributionPoints) {
      for (const gn of dp.distributionPoint?.fullName ?? []) {
        const uri = gn.uniformResourceIdentifier;
        if (uri && /^https?:\/\//i.test(uri)) urls.push(uri);
      }
    }
    return urls;
  } catch {
    return [];
  }
}
