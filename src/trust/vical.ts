/**
 * VICAL, the Verified Issuer Certificate Authority List of ISO/IEC 18013-5 Annex C: a COSE_Sign1
 * whose payload lists IACA certificates, signed by a VICAL signer whose certificate (in x5chain)
 * chains to the VICAL provider's own root.
 *
 * The VICAL is parsed from the payload bytes exactly as signed; certificates are taken as the DER
 * bytes inside it, never re-encoded.
 */
import { decodeCbor } from '../cbor/decode.js';
import { KakuninError } from '../codes/error.js';
import type { TrustCode } from '../codes/error-codes.js';
import { asArray, asBytes, asDate, asInt, asMap, asText, required } from '../cbor/read.js';
import { Tagged } from '../cbor/types.js';
import { parseCoseSign1, verifyCoseSign1, x5chainOf } from '../cose/sign1.js';
import { parseCertificate } from './certificate.js';
import { TRUST_CLOCK_SKEW_SECONDS } from './clock-skew.js';
import { normalizeSerial } from './crl.js';
import { verifySignerPath, type SignerPath } from './revocation-path.js';

/** ISO 18013-5 Annex B extended key usage of a VICAL signer certificate. */
export const EKU_VICAL_SIGNER = '1.0.18013.5.1.8';
/** A VICAL is a list of certificates, not a database: anything larger is refused before parsing. */
export const MAX_VICAL_BYTES = 8 * 1024 * 1024;

/** One IACA entry of a VICAL: the certificate, its digest and serial, and the docTypes and issuer it is listed for. */
export interface VicalCertificateInfo {
  /** DER, as listed. */
  certificate: Uint8Array;
  sha256: string;
  /** serialNumber as lower-case hex (no leading zeros stripped). */
  serialNumber: string;
  ski: Uint8Array;
  docTypes: string[];
  certificateProfiles?: string[];
  issuingAuthority?: string;
  issuingCountry?: string;
  stateOrProvinceName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** The VICAL's payload: its provider, date, and the IACA certificates it lists. */
export interface Vical {
  version: string;
  vicalProvider: string;
  date: Date;
  vicalIssueID?: number;
  nextUpdate?: Date;
  certificateInfos: VicalCertificateInfo[];
}

/** A VICAL read from its COSE_Sign1 (ISO 18013-5 Annex C), before its signature is checked. */
export interface ParsedVical {
  vical: Vical;
  /** x5chain of the COSE_Sign1, signer first. */
  x5chain: Uint8Array[];
}

/**
 * A VICAL whose signature and signer chain verified: its provider, date and the certificates it lists.
 */
export interface VerifiedVical extends ParsedVical {
  signerPath: SignerPath;
}

const CODE = 'VICAL_MALFORMED';

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function optionalText(m: Map<unknown, unknown>, key: string, what: string): string | undefined {
  return m.has(key) ? asText(m.get(key), `${what}.${key}`, CODE) : undefined;
}

function optionalDate(m: Map<unknown, unknown>, key: string, what: string): Date | undefined {
  return m.has(key) ? asDate(m.get(key), `${what}.${key}`, CODE) : undefined;
}

function textList(v: unknown, what: string): string[] {
  const a = asArray(v, what, CODE);
  if (a.length === 0) throw new KakuninError(CODE, `${what} is empty`);
  return a.map((x, i) => asText(x, `${what}[${i}]`, CODE));
}

/** biguint (tag 2 around a bstr) or a plain unsigned int. */
function serialHex(v: unknown, what: string): string {
  if (v instanceof Tagged && v.tag === 2) return hex(asBytes(v.value, what, CODE));
  if (typeof v === 'bigint' && v >= 0n) return v.toString(16);
  const n = asInt(v, what, CODE);
  if (n < 0) throw new KakuninError(CODE, `${what} is negative`);
  return n.toString(16);
}

function parseCertificateInfo(v: unknown, i: number): VicalCertificateInfo {
  const what = `certificateInfos[${i}]`;
  const m = asMap(v, what, CODE);
  const certificate = asBytes(required(m, 'certificate', what, CODE), `${what}.certificate`, CODE);
  let cert;
  try {
    cert = parseCertificate(certificate);
  } catch {
    throw new KakuninError(CODE, `${what}.certificate is not a readable X.509 certificate`);
  }
  const serialNumber = serialHex(required(m, 'serialNumber', what, CODE), `${what}.serialNumber`);
  if (normalizeSerial(serialNumber) !== normalizeSerial(cert.node.serialNumber)) {
    throw new KakuninError(CODE, `${what}.serialNumber does not match its certificate`);
  }
  return {
    certificate,
    sha256: cert.sha256,
    serialNumber,
    ski: asBytes(required(m, 'ski', what, CODE), `${what}.ski`, CODE),
    docTypes: textList(required(m, 'docType', what, CODE), `${what}.docType`),
    certificateProfiles: m.has('certificateProfile') ? textList(m.get('certificateProfile'), `${what}.certificateProfile`) : undefined,
    issuingAuthority: optionalText(m, 'issuingAuthority', what),
    issuingCountry: optionalText(m, 'issuingCountry', what),
    stateOrProvinceName: optionalText(m, 'stateOrProvinceName', what),
    notBefore: optionalDate(m, 'notBefore', what),
    notAfter: optionalDate(m, 'notAfter', what),
  };
}

function parseVicalPayload(payload: Uint8Array): Vical {
  const m = asMap(decodeCbor(payload), 'VICAL', CODE);
  const issueId = m.get('vicalIssueID');
  return {
    version: asText(required(m, 'version', 'VICAL', CODE), 'VICAL.version', CODE),
    vicalProvider: asText(required(m, 'vicalProvider', 'VICAL', CODE), 'VICAL.vicalProvider', CODE),
    date: asDate(required(m, 'date', 'VICAL', CODE), 'VICAL.date', CODE),
    vicalIssueID: issueId === undefined ? undefined : asInt(issueId, 'VICAL.vicalIssueID', CODE),
    nextUpdate: optionalDate(m, 'nextUpdate', 'VICAL'),
    certificateInfos: asArray(required(m, 'certificateInfos', 'VICAL', CODE), 'VICAL.certificateInfos', CODE).map(parseCertificateInfo),
  };
}

function rethrow(e: unknown, code: TrustCode): never {
  if (e instanceof KakuninError && e.code.startsWith('VICAL_')) throw e;
  throw new KakuninError(code, (e as Error).message);
}

/** Parses a signed VICAL without checking its signature (for inspection only). */
export function parseVical(bytes: Uint8Array): ParsedVical & { sign1: ReturnType<typeof parseCoseSign1> } {
  if (bytes.length > MAX_VICAL_BYTES) throw new KakuninError(CODE, `VICAL larger than ${MAX_VICAL_BYTES} bytes`);
  try {
    const sign1 = parseCoseSign1(decodeCbor(bytes));
    if (sign1.payload === null) throw new KakuninError(CODE, 'VICAL COSE_Sign1 has no payload');
    return { sign1, vical: parseVicalPayload(sign1.payload), x5chain: x5chainOf(sign1, CODE) };
  } catch (e) {
    rethrow(e, CODE);
  }
}

/** What verifying a VICAL needs: the anchors its signer must chain to, and the time. */
export interface VerifyVicalOptions {
  /** DER certificates trusted to anchor a VICAL signer: the provider's root (or, pinned, the signer). */
  roots: Uint8Array[];
  at: Date;
  /** Accept a VICAL whose nextUpdate has passed (importing an archived VICAL). Default false. */
  allowStale?: boolean;
}

/**
 * Verifies the COSE_Sign1 signature with the x5chain signer, the signer's path to one of `roots`
 * at `at`, and that the list is current. Throws KakuninError with VICAL_MALFORMED,
 * VICAL_SIGNATURE_INVALID, VICAL_UNTRUSTED or VICAL_EXPIRED.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { verifyVical } from 'kakunin';
 * declare const vicalSignerRootDer: Uint8Array; // the VICAL provider's root certificate, DER
 * const vical = verifyVical(readFileSync('vical.cbor'), { roots: [vicalSignerRootDer], at: new Date() });
 * console.log(vical.vical.certificateInfos.length);
 * ```
 */
export function verifyVical(bytes: Uint8Array, options: VerifyVicalOptions): VerifiedVical {
  const { sign1, vical, x5chain } = parseVical(bytes);
  const signerPath = verifySignerPath(x5chain, options.roots, options.at, { kind: 'VICAL', eku: EKU_VICAL_SIGNER });
  let ok: boolean;
  try {
    ok = verifyCoseSign1(sign1, signerPath.signer.publicKey);
  } catch (e) {
    throw new KakuninError('VICAL_SIGNATURE_INVALID', (e as Error).message);
  }
  if (!ok) throw new KakuninError('VICAL_SIGNATURE_INVALID', 'VICAL signature does not verify with the signer certificate');
  if (vical.date.getTime() > options.at.getTime() + TRUST_CLOCK_SKEW_SECONDS * 1000) {
    throw new KakuninError('VICAL_EXPIRED', `VICAL dated ${vical.date.toISOString()}, after ${options.at.toISOString()}`);
  }
  if (!options.allowStale && vical.nextUpdate && vical.nextUpdate.getTime() < options.at.getTime()) {
    throw new KakuninError('VICAL_EXPIRED', `VICAL nextUpdate ${vical.nextUpdate.toISOString()} has passed`);
  }
  return { vical, x5chain, signerPath };
}
