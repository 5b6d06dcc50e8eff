/**
 * The verifier's own signing identity: the key and certificate chain that sign readerAuth (Annex C,
 * ISO 18013-5) and OpenID4VP request objects. In development a private root and a leaf with a
 * dNSName SAN for the configured host are generated (and kept in a git-ignored folder by
 * runtime/verifier-identity-files.ts); in production the real certificate and key are configured
 * (docs/verifier-certificates.md).
 */
import * as x509 from '../../trust/x509.js';
import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto, type KeyObject as KO } from 'node:crypto';
import { KakuninError } from '../../codes/error.js';

const crypto = webcrypto as unknown as Crypto;

/** ISO 18013-5 Annex B: extendedKeyUsage of an mdoc reader authentication certificate. */
export const OID_MDL_READER_AUTH_EKU = '1.0.18013.5.1.6';

/**
 * The verifier's signing key and certificate chain: it signs readerAuth (ISO 18013-5/-7) and OpenID4VP request objects, and names the verifier to the wallet (client_id).
 */
export interface VerifierIdentity {
  privateKey: KO;
  /** DER, leaf first, without the trust anchor (HAIP: the anchor is not sent). */
  x5chain: Uint8Array[];
  /** DNS names of the leaf's subjectAltName. */
  dnsNames: string[];
}

/** How an OpenID4VP client_id names the verifier's certificate (OpenID4VP 1.0 §5.9.3): its hash or its DNS name. */
export type ClientIdPrefix = 'x509_hash' | 'x509_san_dns';

/** x509_hash value of a DER certificate (base64url SHA-256 of the leaf, OpenID4VP 1.0 §5.9.3). */
export function x509Hash(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** OpenID4VP 1.0 §5.9.3 client_id for this identity. HAIP requires x509_hash for signed requests. */
export function clientIdFor(identity: VerifierIdentity, prefix: ClientIdPrefix = 'x509_hash', host?: string): string {
  if (prefix === 'x509_hash') {
    return `x509_hash:${x509Hash(identity.x5chain[0])}`;
  }
  const name = host ?? identity.dnsNames[0];
  if (!name || !identity.dnsNames.includes(name)) {
    throw new KakuninError('INVALID_ARGUMENT', `the verifier certificate has no dNSName SAN ${String(name)}`);
  }
  return `x509_san_dns:${name}`;
}

function dnsNamesOf(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return san ? san.names.items.filter((n) => n.type === 'dns').map((n) => n.value) : [];
}

/** The DER of each CERTIFICATE block of a PEM text, in order. */
export function pemBlocks(text: string): Uint8Array[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
}

/** A configured identity from PEM text: the leaf first (intermediates may follow, no root) and the
 * leaf's private key (PKCS#8 or SEC1). The key must match the certificate; `names` say in errors
 * where each came from. */
export function verifierIdentityFromPem(
  certificatePem: string,
  privateKeyPem: string,
  names: { certificate: string; key: string } = { certificate: 'the certificate', key: 'the private key' },
): VerifierIdentity {
  const x5chain = pemBlocks(certificatePem);
  if (!x5chain.length) throw new KakuninError('INVALID_ARGUMENT', `${names.certificate}: no certificate found`);
  const privateKey = createPrivateKey(privateKeyPem);
  const leaf = new x509.X509Certificate(x5chain[0] as BufferSource);
  const fromCert = Buffer.from(new Uint8Array(leaf.publicKey.rawData));
  const fromKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  if (Buffer.compare(fromCert, fromKey) !== 0) {
    throw new KakuninError('INVALID_ARGUMENT', `${names.key} does not hold the key of ${names.certificate}`);
  }
  return { privateKey, x5chain, dnsNames: dnsNamesOf(leaf) };
}

function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

const DAY = 86_400_000;

/** A development reader root and leaf for `host`. Not trusted by any wallet: for the sandbox wallet
 * and local tests only. *
 * @example
 * ```ts
 * import { createDevelopmentIdentity } from 'kakunin';
 * const identity = await createDevelopmentIdentity('shop.example', new Date());
 * // identity.rootDer: the root a test wallet trusts (SandboxWallet trustedReaderRoots)
 * ```
 */
export async function createDevelopmentIdentity(
  host: string,
  now: Date,
  /** More leaf extensions (DER extnValue), e.g. a stand-in for the one Google puts in the certificate it signs. */
  options: { extensions?: { oid: string; value: Uint8Array }[] } = {},
): Promise<VerifierIdentity & { rootDer: Uint8Array; rootPem: string; leafPem: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as EcKeyGenParams & EcdsaParams;
  const rootKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const leafKeys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = new Date(now.getTime() - DAY);
  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `C=JP, O=kakunin development, CN=kakunin development reader root`,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 3 * 365 * DAY),
      keys: rootKeys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: `C=JP, O=kakunin development, CN=${host.replace(/([,+"\\<>;=])/g, '\\$1')}`,
      issuer: root.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 365 * DAY),
      publicKey: leafKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([OID_MDL_READER_AUTH_EKU], true),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }], false),
        await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(root, false, crypto),
        ...(options.extensions ?? []).map((e) => new x509.Extension(e.oid, false, e.value as BufferSource)),
      ],
    },
    crypto,
  );
  const privateKey = KeyObject.from(leafKeys.privateKey);
  return {
    privateKey,
    x5chain: [new Uint8Array(leaf.rawData)],
    dnsNames: [host],
    rootDer: new Uint8Array(root.rawData),
    rootPem: root.toString('pem'),
    leafPem: leaf.toString('pem'),
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
