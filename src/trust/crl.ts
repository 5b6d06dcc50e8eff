/**
 * X.509 CRLs (RFC 5280 §5) for IACAs and document signers. @peculiar/asn1-x509 and @peculiar/x509
 * read the structure (the tbsCertList kept as the exact bytes received); node:crypto checks the
 * signature over those bytes. What a CRL must say to answer for a document signer is kakunin's own
 * policy, below.
 */
import { verify } from 'node:crypto';
import { AsnParser, AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, IssuingDistributionPoint } from '@peculiar/asn1-x509';
import * as x509 from './x509.js';
import { KakuninError } from '../codes/error.js';
import type { ParsedCertificate } from './certificate.js';
import { TRUST_CLOCK_SKEW_SECONDS } from './clock-skew.js';

export const MAX_CRL_BYTES = 10 * 1024 * 1024;

export interface ParsedCrl {
  der: Uint8Array;
  /** Issuer DN as node:crypto prints a certificate subject (one RDN per line), for messages. */
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

/** The CertificateList must be the whole input: the ASN.1 reader stops after the first element and
 * would accept trailing bytes. Reads the outer DER header only. */
function checkWhole(der: Uint8Array): void {
  if (der.length < 2 || der[0] !== 0x30) bad('not a DER SEQUENCE');
  let len = der[1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) bad('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
    head += n;
  }
  if (head + len !== der.length) bad(head + len > der.length ? 'truncated' : 'trailing bytes');
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
  let idp: IssuingDistributionPoint;
  try {
    idp = AsnParser.parse(value, IssuingDistributionPoint);
  } catch (e) {
    bad(`IssuingDistributionPoint: ${(e as Error).message}`);
  }
  if (idp.onlyContainsCACerts) unsupported('CRL covers only CA certificates (onlyContainsCACerts)');
  if (idp.onlySomeReasons) unsupported('CRL covers only some revocation reasons (onlySomeReasons)');
  if (idp.indirectCRL) unsupported('indirect CRL (indirectCRL)');
  if (idp.onlyContainsAttributeCerts) unsupported('CRL covers only attribute certificates (onlyContainsAttributeCerts)');
}

/** Accepts DER or PEM. */
export function parseCrl(input: Uint8Array): ParsedCrl & { signature: Uint8Array; tbs: Uint8Array; algorithm: x509.HashedAlgorithm; issuerDer: Uint8Array } {
  if (input.length > MAX_CRL_BYTES) bad(`CRL larger than ${MAX_CRL_BYTES} bytes`);
  let der = input;
  const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
  if (head.includes('-----BEGIN')) {
    const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(Buffer.from(input).toString('latin1'));
    if (!m) bad('PEM without an X509 CRL block');
    der = new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  }
  checkWhole(der);
  let asn: CertificateList;
  let crl: x509.X509Crl;
  try {
    // asn1js stops at 10,000 nodes by default, about 2,000 revoked entries: too few for a real
    // CRL. Every node takes at least two bytes, so half the size bounds it without a real limit lost.
    asn = AsnParser.parse(der, CertificateList, { berOptions: { maxNodes: Math.ceil(der.length / 2) + 16, maxDepth: 32 } });
    crl = new x509.X509Crl(asn);
  } catch (e) {
    bad(`unreadable CRL: ${(e as Error).message}`);
  }
  if (!asn.tbsCertListRaw) bad('tbsCertList bytes not available');
  // RFC 5280 §5.1.1.2: the algorithm inside the signed part must be the one outside it.
  if (!asn.signatureAlgorithm.isEqual(asn.tbsCertList.signature)) bad('signature algorithm differs between tbsCertList and CertificateList');
  const tbs = new Uint8Array(asn.tbsCertListRaw);
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
    issuerDer: new Uint8Array(AsnConvert.serialize(asn.tbsCertList.issuer)),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    revoked,
    crlNumber: number ? Buffer.from(number.value).toString('hex') : undefined,
  };
}

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

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
  // Names compare as DER (RFC 5280 §7.1 allows more, but issuers encode their own name one way).
  if (!Buffer.from(crl.issuerDer).equals(Buffer.from(issuer.subjectDer))) throw new KakuninError('CRL_UNTRUSTED', 'CRL issuer name is not the certificate issuer');
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
