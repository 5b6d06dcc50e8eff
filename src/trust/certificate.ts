/**
 * X.509 certificates as the verifier needs them, read the way real issuers make them.
 *
 * node:crypto's X509Certificate (OpenSSL) does the signature and key work. The structure is read by
 * @peculiar/asn1-x509, which keeps each extension's value as raw bytes: only the extensions a check
 * needs are decoded, one by one, so a malformed optional extension (real issuers ship a
 * double-wrapped CRLDistributionPoints, an issuerAltName holding a whole Extension) hides nothing
 * else. What could not be decoded is recorded, and RFC 5280 §4.2 decides: a critical extension that
 * is not processed here, or cannot be read, makes the certificate unusable (chain.ts reports it);
 * a non-critical one is ignored unless a later check needs it (the CRL distribution point for
 * revocation), and that check says so.
 *
 * Limits come first, before any parsing, so a hostile certificate costs microseconds: see
 * CERTIFICATE_LIMITS. Nothing is cached here: a parse is a pure function of the bytes, and callers
 * that earn a cache (trust stores, chains that verified) keep the result themselves.
 */
import { X509Certificate as NodeCertificate, createHash, type KeyObject } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, CRLDistributionPoints, ExtendedKeyUsage, KeyUsage, type Name } from '@peculiar/asn1-x509';
import * as x509 from './x509.js';
import { KakuninError } from '../codes/error.js';

/** RFC 5280 §4.2.1.3 key usage bits, as @peculiar/x509 numbers them. Typed here so that no declaration of
 * the package root names @peculiar/x509, whose own declarations need the DOM lib (BufferSource, CryptoKey). */
type KeyUsageBit = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';
export const KEY_USAGE: Readonly<Record<KeyUsageBit, number>> = x509.KeyUsageFlags;

/**
 * Bounds checked before parsing. The largest real mdoc certificate among the vectors and roots we
 * hold is about 1 KB (AAMVA's VICAL signer, 1,023 bytes; IACAs and document signers 400-1,000
 * bytes; RSA-4096 roots about 2 KB), with at most 6 name attributes and 10 extensions. The limits
 * leave 8x headroom and cap what a certificate in a wallet's answer can cost.
 */
export const CERTIFICATE_LIMITS = {
  bytes: 16 * 1024,
  /** Attributes in the subject or the issuer name. */
  nameAttributes: 32,
  extensions: 32,
  /** ASN.1 nodes (asn1js) in the whole certificate. */
  nodes: 1024,
} as const;

export const OID_EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
} as const;

/**
 * Extensions this verifier processes when they are marked critical. Name constraints are not among
 * them (not enforced here): a critical one makes the path fail. certificatePolicies is: path
 * validation runs with the initial policy set anyPolicy and no explicit policy required, under
 * which a policy extension cannot make a path invalid (RFC 5280 §6.1.3 (d)). SAN is read as
 * identification only, which is all a critical one demands of a verifier that has a subject.
 */
const PROCESSED_CRITICAL = new Set<string>([
  OID_EXT.keyUsage,
  OID_EXT.basicConstraints,
  OID_EXT.extendedKeyUsage,
  OID_EXT.subjectAltName,
  OID_EXT.certificatePolicies,
  OID_EXT.subjectKeyIdentifier,
  OID_EXT.authorityKeyIdentifier,
]);

/** One X.509 extension as received: its OID, criticality and raw value (decoded only when a check needs it). */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** An X.509 certificate as kakunin reads it: the DER, names, validity, key and the extensions the checks need. */
export interface ParsedCertificate {
  der: Uint8Array;
  node: NodeCertificate;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** basicConstraints cA. */
  isCA: boolean;
  /** basicConstraints pathLenConstraint, when set. */
  pathLength?: number;
  /** Key usage bits (x509.KeyUsageFlags) or undefined when the extension is absent or unreadable. */
  keyUsage?: number;
  extendedKeyUsage?: string[];
  /** Subject C= (ISO 3166-1 alpha-2). */
  country?: string;
  /** Subject ST= (for a document signer, 18013-5 Annex B: the issuing_jurisdiction, when present). */
  stateOrProvince?: string;
  sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo: with the subject, what identifies a trust anchor. */
  spkiSha256: string;
  /** The subject Name as DER, for exact name comparison (CRL issuer). */
  subjectDer: Uint8Array;
  /** Every extension, value as raw bytes. */
  extensions: CertificateExtension[];
  /** Extensions present but not decodable (OIDs). A non-critical one is otherwise ignored. */
  malformed: string[];
  /**
   * Why RFC 5280 forbids using this certificate, when it does: a critical extension not processed
   * here, a critical one that cannot be read, an extension repeated.
   */
  unusable?: string;
}

function unreadable(message: string): never {
  throw new KakuninError('ISSUER_CERT_PROFILE', `not a readable X.509 certificate: ${message}`);
}

function countAttributes(name: Name): number {
  let n = 0;
  for (const rdn of name) n += rdn.length;
  return n;
}

/** The first value of the attribute `type` in `name` (2.5.4.6 countryName, 2.5.4.8 stateOrProvinceName). */
function attributeOf(name: Name, type: string): string | undefined {
  for (const rdn of name) for (const atv of rdn) if (atv.type === type) return atv.value.toString();
  return undefined;
}

function decode<T>(value: Uint8Array, type: new () => T): T | undefined {
  try {
    return AsnParser.parse(value, type, { berOptions: { maxNodes: CERTIFICATE_LIMITS.nodes, maxDepth: 16 } });
  } catch {
    return undefined;
  }
}

/**
 * Reads a DER certificate. Throws KakuninError ISSUER_CERT_PROFILE when it is over a limit or not
 * X.509 at all (the certificate was there, so it is not ISSUER_CERT_MISSING); anything about its
 * extensions is recorded on the result instead, for the check that needs it.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (der.length > CERTIFICATE_LIMITS.bytes) {
    unreadable(`${der.length} bytes, over the limit of ${CERTIFICATE_LIMITS.bytes}`);
  }
  let asn: Certificate;
  let node: NodeCertificate;
  try {
    asn = AsnParser.parse(der, Certificate, { berOptions: { maxNodes: CERTIFICATE_LIMITS.nodes, maxDepth: 32 } });
    node = new NodeCertificate(der);
  } catch (e) {
    unreadable((e as Error).message);
  }
  const tbs = asn.tbsCertificate;
  for (const [what, name] of [
    ['subject', tbs.subject],
    ['issuer', tbs.issuer],
  ] as const) {
    const n = countAttributes(name);
    if (n > CERTIFICATE_LIMITS.nameAttributes) unreadable(`${what} name has ${n} attributes, over the limit of ${CERTIFICATE_LIMITS.nameAttributes}`);
  }
  const raw = tbs.extensions ?? [];
  if (raw.length > CERTIFICATE_LIMITS.extensions) unreadable(`${raw.length} extensions, over the limit of ${CERTIFICATE_LIMITS.extensions}`);

  const extensions: CertificateExtension[] = raw.map((e) => ({ oid: e.extnID, critical: e.critical === true, value: new Uint8Array(e.extnValue.buffer) }));
  const malformed: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of extensions) {
    if (seen.has(e.oid)) problems.push(`extension ${e.oid} appears twice`);
    seen.add(e.oid);
  }
  const read = <T>(oid: string, type: new () => T): T | undefined => {
    const e = extensions.find((x) => x.oid === oid);
    if (!e) return undefined;
    const value = decode(e.value, type);
    if (value === undefined) malformed.push(oid);
    return value;
  };
  const bc = read(OID_EXT.basicConstraints, BasicConstraints);
  const ku = read(OID_EXT.keyUsage, KeyUsage);
  const eku = read(OID_EXT.extendedKeyUsage, ExtendedKeyUsage);
  for (const e of extensions) {
    if (!e.critical) continue;
    if (!PROCESSED_CRITICAL.has(e.oid)) problems.push(`critical extension ${e.oid} is not processed by this verifier`);
    else if (malformed.includes(e.oid)) problems.push(`critical extension ${e.oid} cannot be read`);
  }
  const spki = node.publicKey.export({ type: 'spki', format: 'der' });
  return {
    der: new Uint8Array(der),
    node,
    subject: node.subject,
    issuer: node.issuer,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    publicKey: node.publicKey,
    isCA: bc?.cA === true,
    pathLength: bc?.pathLenConstraint,
    keyUsage: ku?.toNumber(),
    extendedKeyUsage: eku?.map(String),
    country: attributeOf(tbs.subject, '2.5.4.6'),
    stateOrProvince: attributeOf(tbs.subject, '2.5.4.8'),
    sha256: createHash('sha256').update(der).digest('hex'),
    spkiSha256: createHash('sha256').update(spki).digest('hex'),
    subjectDer: new Uint8Array(AsnConvert.serialize(tbs.subject)),
    extensions,
    malformed,
    unusable: problems.length ? problems.join('; ') : undefined,
  };
}

/** The http(s) URLs of the CRL distribution points; `malformed` when the extension is there but
 * cannot be read (revocation then reports that reason). */
export function crlDistributionPointsOf(cert: ParsedCertificate): { urls: string[]; malformed?: string } {
  const ext = cert.extensions.find((e) => e.oid === OID_EXT.crlDistributionPoints);
  if (!ext) return { urls: [] };
  const dps = decode(ext.value, CRLDistributionPoints);
  if (!dps) return { urls: [], malformed: "the certificate's CRL distribution points extension is malformed" };
  const urls: string[] = [];
  for (const dp of dps) {
    for (const gn of dp.distributionPoint?.fullName ?? []) {
      const uri = gn.uniformResourceIdentifier;
      if (uri && /^https?:\/\//i.test(uri)) urls.push(uri);
    }
  }
  return { urls };
}

/** PEM (one or more certificates) or DER -> DER certificates. */
export function readCertificates(data: Uint8Array | string): Uint8Array[] {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const out: Uint8Array[] = [];
    for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
      out.push(new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
    }
    return out;
  }
  return [typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data];
}

/** `cert` names `issuer` as its issuer and carries its signature. */
export function issuedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return cert.node.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
