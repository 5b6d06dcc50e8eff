/**
 * Sandbox certificates: an IACA (issuing authority root), optional intermediate CAs and document
 * signer (DS) certificates following the ISO/IEC 18013-5 Annex B profile, plus switches that break
 * each profile rule on purpose so tests can show the verifier catching it.
 *
 * Keys are made with WebCrypto (which @peculiar/x509 signs with) and handed out as node:crypto
 * KeyObjects, which is what the rest of kakunin uses. Nothing here is trusted by default: a test or
 * the demo puts the sandbox IACA into a trust store explicitly.
 */
import * as x509 from '../trust/x509.js';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';

/** @peculiar/x509 is given the crypto provider per call, so no process-wide provider is set. */
const crypto = webcrypto as unknown as Crypto;

/** ISO 18013-5 §7.2.4 / Annex B: extendedKeyUsage of an mDL document signer. */
export const OID_MDL_DS_EKU = '1.0.18013.5.1.2';
/** ISO/IEC 23220-4: extendedKeyUsage of the document signer of other mdocs (My Number Card, Photo ID). */
export const OID_MDOC_DS_EKU = '1.0.23220.4.1.2';

/**
 * Ways real issuers' certificates differ from the textbook, each seen in certificates in the wild,
 * made on purpose so the verifier is tested against them.
 */
export interface CertificateQuirks {
  /** CRLDistributionPoints whose value is wrapped in one more OCTET STRING (not readable as the
   * extension; OpenSSL still reads the certificate). Non-critical. */
  doubleWrappedCrlDistributionPoint?: string;
  /** issuerAltName whose value is a whole Extension structure instead of GeneralNames. Non-critical. */
  issuerAltNameAsExtension?: boolean;
  /** An extension this OID, marked critical, that no verifier knows. */
  unknownCriticalExtension?: string;
  /** A non-critical extension of this many bytes (an oversized certificate). */
  paddingExtensionBytes?: number;
}

/** DER header (tag + definite length) for `length` content bytes. */
function derHeader(tag: number, length: number): number[] {
  if (length < 0x80) return [tag, length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return [tag, 0x80 | bytes.length, ...bytes];
}

function octetString(content: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array([...derHeader(0x04, content.length), ...content]);
}

function quirkExtensions(quirks: CertificateQuirks = {}): x509.Extension[] {
  const out: x509.Extension[] = [];
  if (quirks.doubleWrappedCrlDistributionPoint) {
    const inner = new x509.CRLDistributionPointsExtension([quirks.doubleWrappedCrlDistributionPoint], false);
    out.push(new x509.Extension('2.5.29.31', false, octetString(new Uint8Array(inner.value))));
  }
  if (quirks.issuerAltNameAsExtension) {
    const whole = new x509.IssuerAlternativeNameExtension([{ type: 'url', value: 'https://sandbox.kakunin.invalid' }], false);
    out.push(new x509.Extension('2.5.29.18', false, new Uint8Array(whole.rawData)));
  }
  if (quirks.unknownCriticalExtension) out.push(new x509.Extension(quirks.unknownCriticalExtension, true, new Uint8Array([0x05, 0x00])));
  if (quirks.paddingExtensionBytes) {
    out.push(new x509.Extension('1.3.6.1.4.1.99999.1', false, octetString(new Uint8Array(quirks.paddingExtensionBytes))));
  }
  return out;
}

export type SandboxCurve = 'P-256' | 'P-384' | 'P-521' | 'Ed25519';

export interface SandboxKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The same keys as WebCrypto keys, for @peculiar/x509. */
  cryptoKeys: webcrypto.CryptoKeyPair;
  curve: SandboxCurve;
}

export interface SandboxCertificate {
  der: Uint8Array;
  pem: string;
  certificate: x509.X509Certificate;
  keys: SandboxKeyPair;
  notBefore: Date;
  notAfter: Date;
  country: string;
}

/** A certificate that can sign others (IACA or intermediate). `chain` is the path from it up to,
 * but excluding, the IACA (empty for the IACA itself), leaf first. */
export interface SandboxCa extends SandboxCertificate {
  chain: Uint8Array[];
}

const KEY_ALGORITHMS: Record<SandboxCurve, EcKeyGenParams | Algorithm> = {
  'P-256': { name: 'ECDSA', namedCurve: 'P-256' },
  'P-384': { name: 'ECDSA', namedCurve: 'P-384' },
  'P-521': { name: 'ECDSA', namedCurve: 'P-521' },
  Ed25519: { name: 'Ed25519' },
};

/** The signature algorithm a key of `curve` signs certificates with (hash sized to the curve). */
function signingAlgorithm(curve: SandboxCurve): Algorithm | EcdsaParams {
  switch (curve) {
    case 'P-256':
      return { name: 'ECDSA', hash: 'SHA-256' };
    case 'P-384':
      return { name: 'ECDSA', hash: 'SHA-384' };
    case 'P-521':
      return { name: 'ECDSA', hash: 'SHA-512' };
    case 'Ed25519':
      return { name: 'Ed25519' };
  }
}

/**
 * A key pair on `curve` (default P-256), as node:crypto KeyObjects and as the WebCrypto keys @peculiar/x509 signs with.
 *
 * @example
 * ```ts
 * import { generateSandboxKeyPair } from 'kakunin/sandbox';
 * const { privateKey, publicKey } = await generateSandboxKeyPair('P-384');
 * console.log(publicKey.asymmetricKeyType, privateKey.type); // ec private
 * ```
 */
export async function generateSandboxKeyPair(curve: SandboxCurve = 'P-256'): Promise<SandboxKeyPair> {
  const cryptoKeys = (await crypto.subtle.generateKey(KEY_ALGORITHMS[curve], true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return {
    privateKey: KeyObject.from(cryptoKeys.privateKey),
    publicKey: KeyObject.from(cryptoKeys.publicKey),
    cryptoKeys,
    curve,
  };
}

/** A positive serial of 16 random bytes (Annex B: positive, at most 20 octets, unpredictable). */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

/** Distinguished name with an escaped value per RFC 4514, so a test's odd organisation name cannot
 * inject extra attributes. */
function dn(parts: [string, string | undefined][]): string {
  return parts
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => `${k}=${v.replace(/([,+"\\<>;=])/g, '\\$1')}`)
    .join(', ');
}

function toSandboxCertificate(cert: x509.X509Certificate, keys: SandboxKeyPair, country: string): SandboxCertificate {
  const der = new Uint8Array(cert.rawData);
  return { der, pem: cert.toString('pem'), certificate: cert, keys, notBefore: cert.notBefore, notAfter: cert.notAfter, country };
}

const DAY = 86_400_000;

export interface IacaOptions {
  curve?: SandboxCurve;
  /** ISO 3166-1 alpha-2; Annex B requires it in the IACA subject. Default JP. */
  country?: string;
  /** Optional stateOrProvinceName (Annex B allows it; the DS must then carry the same). */
  stateOrProvince?: string;
  organization?: string;
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** issuerAltName (Annex B: URI or e-mail of the issuing authority). Default an https URL. */
  issuerAltName?: { type: 'url' | 'email'; value: string };
  /** Adds a cRLDistributionPoints extension with this URL. */
  crlDistributionPoint?: string;
  /** basicConstraints pathLenConstraint; default 0 (DS directly below), 1 to allow an intermediate. */
  pathLength?: number;
  defects?: {
    /** basicConstraints cA=false: not usable as an IACA. */
    notCa?: boolean;
    /** keyUsage without keyCertSign. */
    noKeyCertSign?: boolean;
  };
}

/**
 * Self-signed IACA root: CA with pathLen 0, keyUsage keyCertSign + cRLSign (critical), subject key
 * identifier, issuerAltName and, when asked, a CRL distribution point.
 *
 * @example
 * ```ts
 * import { TrustStore } from 'kakunin';
 * import { createIaca } from 'kakunin/sandbox';
 * const iaca = await createIaca({ country: 'JP', organization: 'Sandbox Prefecture' });
 * const trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' }); // what a verifier trusts
 * console.log(trust.anchors.length); // 1
 * ```
 */
export async function createIaca(options: IacaOptions = {}): Promise<SandboxCa> {
  const curve = options.curve ?? 'P-256';
  const country = options.country ?? 'JP';
  const keys = await generateSandboxKeyPair(curve);
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 9 * 365 * DAY);
  const name = dn([
    ['C', country],
    ['ST', options.stateOrProvince],
    ['O', options.organization ?? 'kakunin sandbox'],
    ['CN', options.commonName ?? 'kakunin sandbox IACA'],
  ]);
  const defects = options.defects ?? {};
  const usages = defects.noKeyCertSign ? x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const extensions: x509.Extension[] = [
    defects.notCa ? new x509.BasicConstraintsExtension(false, undefined, true) : new x509.BasicConstraintsExtension(true, options.pathLength ?? 0, true),
    new x509.KeyUsagesExtension(usages, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.cryptoKeys.publicKey, false, crypto),
    new x509.IssuerAlternativeNameExtension([options.issuerAltName ?? { type: 'url', value: 'https://sandbox.kakunin.invalid' }], false),
  ];
  if (options.crlDistributionPoint) extensions.push(new x509.CRLDistributionPointsExtension([options.crlDistributionPoint], false));
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    { serialNumber: randomSerial(), name, notBefore, notAfter, keys: keys.cryptoKeys, signingAlgorithm: signingAlgorithm(curve), extensions },
    crypto,
  );
  return { ...toSandboxCertificate(cert, keys, country), chain: [] };
}

export interface IntermediateOptions {
  quirks?: CertificateQuirks;
  curve?: SandboxCurve;
  country?: string;
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/**
 * An intermediate CA under `parent`. ISO 18013-5 itself has DS certificates directly under the
 * IACA; this exists so chain building with intermediates (trust/) can be tested. The IACA
 * made with `createIaca({ pathLength: 1 })` allows one intermediate below it.
 *
 * @example
 * ```ts
 * import { createDocumentSigner, createIaca, createIntermediateCa } from 'kakunin/sandbox';
 * const iaca = await createIaca({ pathLength: 1 });
 * const intermediate = await createIntermediateCa(iaca);
 * const signer = await createDocumentSigner(intermediate);
 * console.log(intermediate.chain.length); // 1: the intermediate itself, below the IACA
 * ```
 */
export async function createIntermediateCa(parent: SandboxCa, options: IntermediateOptions = {}): Promise<SandboxCa> {
  const curve = options.curve ?? parent.keys.curve;
  const country = options.country ?? parent.country;
  const keys = await generateSandboxKeyPair(curve);
  const notBefore = options.notBefore ?? parent.notBefore;
  const notAfter = options.notAfter ?? parent.notAfter;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: dn([
        ['C', country],
        ['O', 'kakunin sandbox'],
        ['CN', options.commonName ?? 'kakunin sandbox intermediate CA'],
      ]),
      issuer: parent.certificate.subject,
      notBefore,
      notAfter,
      publicKey: keys.cryptoKeys.publicKey,
      signingKey: parent.keys.cryptoKeys.privateKey,
      signingAlgorithm: signingAlgorithm(parent.keys.curve),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.cryptoKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(parent.keys.cryptoKeys.publicKey, false, crypto),
        ...quirkExtensions(options.quirks),
      ],
    },
    crypto,
  );
  return { ...toSandboxCertificate(cert, keys, country), chain: [new Uint8Array(cert.rawData), ...parent.chain] };
}

export interface DocumentSignerOptions {
  curve?: SandboxCurve;
  /** Default: the issuer's country (Annex B requires them equal). */
  country?: string;
  stateOrProvince?: string;
  commonName?: string;
  /** Default: the issuer's notBefore. */
  notBefore?: Date;
  /** Default: notBefore + 365 days, capped at the issuer's notAfter (Annex B: at most 457 days). */
  notAfter?: Date;
  crlDistributionPoint?: string;
  /** Document-signer extended key usages: default the mDL's (18013-5); a 23220-4 issuer (My Number
   * Card, Photo ID) uses [OID_MDOC_DS_EKU], some issuers both. */
  extendedKeyUsage?: string[];
  quirks?: CertificateQuirks;
  defects?: {
    /** basicConstraints cA=true on the DS. */
    ca?: boolean;
    /** Replace the mdoc DS EKU with these OIDs (e.g. serverAuth), or omit the extension with []. */
    extendedKeyUsage?: string[];
    /** keyUsage flags instead of digitalSignature alone. */
    keyUsage?: number;
    /** Leave out authority and subject key identifiers. */
    noKeyIdentifiers?: boolean;
  };
}

/**
 * A document signer certificate under `issuer`: not a CA, keyUsage digitalSignature (critical),
 * extendedKeyUsage 1.0.18013.5.1.2 (critical), same country as the issuer, validity inside the
 * issuer's unless the caller gives dates outside it on purpose, AKI/SKI, issuerAltName.
 *
 * @example
 * ```ts
 * import { createDocumentSigner, createIaca, OID_MDOC_DS_EKU } from 'kakunin/sandbox';
 * const iaca = await createIaca();
 * const signer = await createDocumentSigner(iaca, { extendedKeyUsage: [OID_MDOC_DS_EKU] }); // a My Number Card signer (ISO/IEC 23220-4)
 * console.log(signer.certificate.subject);
 * ```
 */
export async function createDocumentSigner(issuer: SandboxCa, options: DocumentSignerOptions = {}): Promise<SandboxCertificate> {
  const curve = options.curve ?? 'P-256';
  const country = options.country ?? issuer.country;
  const keys = await generateSandboxKeyPair(curve);
  const notBefore = options.notBefore ?? issuer.notBefore;
  const notAfter = options.notAfter ?? new Date(Math.min(notBefore.getTime() + 365 * DAY, issuer.notAfter.getTime()));
  const defects = options.defects ?? {};
  const extensions: x509.Extension[] = [new x509.KeyUsagesExtension(defects.keyUsage ?? x509.KeyUsageFlags.digitalSignature, true)];
  const eku = defects.extendedKeyUsage ?? options.extendedKeyUsage ?? [OID_MDL_DS_EKU];
  if (eku.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(eku, true));
  if (defects.ca) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  if (!defects.noKeyIdentifiers) {
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.cryptoKeys.publicKey, false, crypto));
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.cryptoKeys.publicKey, false, crypto));
  }
  if (!options.quirks?.issuerAltNameAsExtension) {
    extensions.push(new x509.IssuerAlternativeNameExtension([{ type: 'url', value: 'https://sandbox.kakunin.invalid' }], false));
  }
  if (options.crlDistributionPoint) extensions.push(new x509.CRLDistributionPointsExtension([options.crlDistributionPoint], false));
  extensions.push(...quirkExtensions(options.quirks));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: dn([
        ['C', country],
        ['ST', options.stateOrProvince],
        ['O', 'kakunin sandbox'],
        ['CN', options.commonName ?? 'kakunin sandbox document signer'],
      ]),
      issuer: issuer.certificate.subject,
      notBefore,
      notAfter,
      publicKey: keys.cryptoKeys.publicKey,
      signingKey: issuer.keys.cryptoKeys.privateKey,
      signingAlgorithm: signingAlgorithm(issuer.keys.curve),
      extensions,
    },
    crypto,
  );
  return toSandboxCertificate(cert, keys, country);
}

/**
 * The x5chain a DS puts in issuerAuth: the DS first, then any intermediates, never the IACA.
 *
 * @example
 * ```ts
 * import { createDocumentSigner, createIaca, createIntermediateCa, buildX5chain } from 'kakunin/sandbox';
 * const intermediate = await createIntermediateCa(await createIaca({ pathLength: 1 }));
 * const signer = await createDocumentSigner(intermediate);
 * console.log(buildX5chain(signer, intermediate).length); // 2: the signer, then the intermediate
 * ```
 */
export function buildX5chain(ds: SandboxCertificate, issuer: SandboxCa): Uint8Array[] {
  return [ds.der, ...issuer.chain];
}
