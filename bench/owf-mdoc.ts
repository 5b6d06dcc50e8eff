/**
 * @owf/mdoc (the OpenWallet Foundation's TypeScript mdoc library) as `npm run bench` runs it: its
 * Verifier takes every cryptographic and X.509 operation as a callback, and these are node:crypto's
 * (OpenSSL), the fastest fair choice and the same engine kakunin uses. Like kakunin, a certificate is
 * parsed once and a chain verified once per (chain, trust, time): kakunin caches verified chains too.
 *
 * What the callbacks check is what the library asks: the chain's signatures and validity at `now`
 * up to a trusted certificate. No document-signer profile (extended key usage, key usage, Annex B
 * fields) is checked here, as @owf/mdoc asks for none.
 */
import { createECDH, createHash, createHmac, createPublicKey, hkdfSync, randomBytes, timingSafeEqual, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { CoseKey, KeyType, Verifier, type MdocContext } from '@owf/mdoc';

const certificates = new Map<string, X509Certificate>();
function certificate(der: Uint8Array): X509Certificate {
  const key = Buffer.from(der).toString('base64');
  let c = certificates.get(key);
  if (!c) {
    c = new X509Certificate(der);
    certificates.set(key, c);
  }
  return c;
}

const HASH: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const CURVE_HASH: Record<string, string> = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' };

function keyObject(key: CoseKey): KeyObject {
  return createPublicKey({ key: key.jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
}

const verifiedChains = new Set<string>();

export const owfContext: Pick<MdocContext, 'crypto' | 'cose' | 'x509'> = {
  crypto: {
    random: (length) => new Uint8Array(randomBytes(length)),
    digest: ({ digestAlgorithm, bytes }) =>
      new Uint8Array(
        createHash(HASH[digestAlgorithm] ?? 'sha256')
          .update(bytes)
          .digest(),
      ),
    // EMacKey (ISO 18013-5 §9.1.3.5): HKDF-SHA256 over ECDH(reader ephemeral, device key), salt
    // SHA-256(SessionTranscriptBytes).
    calculateEphemeralMacKey: ({ privateKey, publicKey, sessionTranscriptBytes, info }) => {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(privateKey);
      const salt = createHash('sha256').update(sessionTranscriptBytes).digest();
      const k = new Uint8Array(hkdfSync('sha256', ecdh.computeSecret(publicKey), salt, info, 32));
      return CoseKey.create({ keyType: KeyType.Oct, k });
    },
  },
  cose: {
    sign1: {
      sign: () => {
        throw new Error('a verifier does not sign');
      },
      verify: ({ key, sign1 }) => {
        const jwk = key.jwk as { crv?: string };
        return verify(CURVE_HASH[jwk.crv ?? ''] ?? null, sign1.toBeSigned, { key: keyObject(key), dsaEncoding: 'ieee-p1363' }, sign1.signature);
      },
    },
    mac0: {
      sign: () => {
        throw new Error('a verifier does not MAC');
      },
      verify: ({ mac0, key }) => {
        const tag = createHmac('sha256', key.privateKey).update(mac0.toBeAuthenticated).digest();
        return tag.length === mac0.tag.length && timingSafeEqual(tag, mac0.tag);
      },
    },
  },
  x509: {
    getIssuerNameField: ({ certificate: der, field }) =>
      certificate(der)
        .issuer.split('\n')
        .filter((l) => l.startsWith(`${field}=`))
        .map((l) => l.slice(field.length + 1)),
    getPublicKey: ({ certificate: der }) => CoseKey.fromJwk(certificate(der).publicKey.export({ format: 'jwk' })),
    verifyCertificateChain: ({ trustedCertificates, x5chain, now }) => {
      const at = now ?? new Date();
      const key = `${x5chain.map((c) => Buffer.from(c).toString('base64')).join()}|${trustedCertificates.map((c) => Buffer.from(c).toString('base64')).join()}|${at.getTime()}`;
      if (verifiedChains.has(key)) return;
      const chain = x5chain.map(certificate);
      const trusted = trustedCertificates.map(certificate);
      const valid = (c: X509Certificate) => new Date(c.validFrom) <= at && at <= new Date(c.validTo);
      for (let i = 0; i < chain.length; i++) {
        const c = chain[i];
        if (!valid(c)) throw new Error(`certificate ${i} is not valid at ${at.toISOString()}`);
        if (trusted.some((t) => t.raw.equals(c.raw))) {
          verifiedChains.add(key);
          return;
        }
        const parent = chain[i + 1] ?? trusted.find((t) => c.checkIssued(t) && c.verify(t.publicKey));
        if (!parent || !c.checkIssued(parent) || !c.verify(parent.publicKey)) throw new Error(`certificate ${i} is not issued by the next one or a trusted one`);
        if (!chain[i + 1]) {
          if (!valid(parent)) throw new Error('trusted certificate is not valid');
          verifiedChains.add(key);
          return;
        }
      }
      throw new Error('chain does not reach a trusted certificate');
    },
    getCertificateData: ({ certificate: der }) => {
      const c = certificate(der);
      return {
        issuerName: c.issuer.split('\n').join(', '),
        subjectName: c.subject.split('\n').join(', '),
        serialNumber: c.serialNumber,
        thumbprint: c.fingerprint256.replace(/:/g, '').toLowerCase(),
        notBefore: new Date(c.validFrom),
        notAfter: new Date(c.validTo),
        pem: c.toString(),
      };
    },
  },
};

/** Verifies with @owf/mdoc; throws (its default callback does) on a failed check. `readerKey`: the
 * reader's ephemeral private key, for deviceMac. */
export function owfVerify(response: Uint8Array, sessionTranscript: Uint8Array, trustedCertificates: Uint8Array[], now: Date, readerKey?: KeyObject): Promise<void> {
  const ephemeralReaderKey = readerKey ? CoseKey.fromJwk(readerKey.export({ format: 'jwk' })) : undefined;
  return Verifier.verifyDeviceResponse({ deviceResponse: response, sessionTranscript, trustedCertificates, now, ephemeralReaderKey }, owfContext);
}
