/**
 * X.509 certificates as the verifier needs them. node:crypto's X509Certificate (OpenSSL) does the
 * signature and key work; @peculiar/x509 reads the extensions OpenSSL does not expose (key usage
 * bits, subject country). Parsing costs far more than verifying an mdoc, so parsed certificates are
 * cached by their exact DER bytes: the result is a pure function of those bytes.
 */
import { X509Certificate as NodeCertificate, createHash, type KeyObject } from 'node:crypto';
import * as x509 from './x509.js';
import { KakuninError } from '../cbor/errors.js';

export const KEY_USAGE = x509.KeyUsageFlags;
/** ISO 18013-5 Annex B extended key usage of a document signer. */
export const EKU_MDL_DS = '1.0.18013.5.1.2';

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
  /** Key usage bits (x509.KeyUsageFlags) or undefined when the extension is absent. */
  keyUsage?: number;
  extendedKeyUsage?: string[];
  /** Subject C= (ISO 3166-1 alpha-2). */
  country?: string;
  sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo: with the subject, what identifies a trust anchor. */
  spkiSha256: string;
}

const cache = new Map<string, ParsedCertificate>();
const CACHE_MAX = 2048;

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const hit = cache.get(key);
  if (hit) return hit;
  let parsed: ParsedCertificate;
  try {
    const node = new NodeCertificate(der);
    const px = new x509.X509Certificate(new Uint8Array(der));
    const ku = px.getExtension(x509.KeyUsagesExtension);
    const eku = px.getExtension(x509.ExtendedKeyUsageExtension);
    const bc = px.getExtension(x509.BasicConstraintsExtension);
    const country = px.subjectName.getField('C')[0];
    const spki = node.publicKey.export({ type: 'spki', format: 'der' });
    parsed = {
      der: new Uint8Array(der),
      node,
      subject: node.subject,
      issuer: node.issuer,
      notBefore: px.notBefore,
      notAfter: px.notAfter,
      publicKey: node.publicKey,
      isCA: bc?.ca === true,
      pathLength: bc?.pathLength,
      keyUsage: ku?.usages,
      extendedKeyUsage: eku?.usages.map(String),
      country,
      sha256: createHash('sha256').update(der).digest('hex'),
      spkiSha256: createHash('sha256').update(spki).digest('hex'),
    };
  } catch (e) {
    throw new KakuninError('ISSUER_CERT_MISSING', `not a readable X.509 certificate: ${(e as Error).message}`);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, parsed);
  return parsed;
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
