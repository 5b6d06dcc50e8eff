/** Loading the copied vectors in test/vectors (each folder has the SOURCE.txt with its verdict). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cborHead, concat } from '../../src/cbor/index.js';
import { p256FromScalar } from '../../src/cli/input.js';
import type { CheckName, CheckStatus, VerificationResult } from '../../src/mdoc/result.js';
import type { TrustStore } from '../../src/trust/store.js';
import { loadTrustStore } from '../../src/runtime/trust-folder.js';

export const VECTORS = fileURLToPath(new URL('../vectors/', import.meta.url));

export const bin = (p: string): Uint8Array => new Uint8Array(readFileSync(VECTORS + p));
export const hex = (p: string): Uint8Array => new Uint8Array(Buffer.from(readFileSync(VECTORS + p, 'utf8').trim(), 'hex'));
export const trustOf = (...paths: string[]): TrustStore => loadTrustStore(paths.map((p) => VECTORS + p));
export const readerKeyFromHex = (p: string) => p256FromScalar(Buffer.from(readFileSync(VECTORS + p, 'utf8').trim(), 'hex'));

/** An IACA from the RDW test VICAL extract, by its number prefix. */
export function rdwIaca(prefix: string): string {
  const dir = 'rdw-test-vical-20250225-multipaz/iaca/';
  const file = readdirSync(VECTORS + dir).find((f) => f.startsWith(`${prefix}_`));
  if (!file) throw new Error(`no RDW IACA ${prefix}`);
  return dir + file;
}

function tstr(s: string): Uint8Array {
  const b = Buffer.from(s, 'utf8');
  return concat(cborHead(3, b.length), b);
}

/** A DeviceResponse around IssuerSigned bytes as captured (for vectors that are IssuerSigned only),
 * assembled without re-encoding them. */
export function deviceResponseAround(issuerSigned: Uint8Array, docType: string): Uint8Array {
  const doc = concat(cborHead(5, 2), tstr('docType'), tstr(docType), tstr('issuerSigned'), issuerSigned);
  return concat(cborHead(5, 3), tstr('version'), tstr('1.0'), tstr('documents'), cborHead(4, 1), doc, tstr('status'), cborHead(0, 0));
}

/** Every check of a document that verified fully, in checkMap's form. */
export const ALL_PASS = {
  issuer_certificate_chain: 'pass',
  issuer_certificate_profile: 'pass',
  issuer_signature: 'pass',
  mso_structure: 'pass',
  mso_doctype: 'pass',
  mso_validity: 'pass',
  mso_signed_within_certificate: 'pass',
  value_digests: 'pass',
  issuing_country: 'pass',
  device_authentication: 'pass',
  key_authorizations: 'pass',
};

/** check name -> status (and code when not pass) of the first document, for compact assertions. */
export function checkMap(result: VerificationResult, doc = 0): Partial<Record<CheckName, string>> {
  const out: Partial<Record<CheckName, string>> = {};
  for (const c of result.documents[doc]?.checks ?? []) out[c.check] = c.status === 'pass' ? 'pass' : `${c.status}:${c.code}`;
  return out;
}

export const statusOf = (result: VerificationResult, check: CheckName, doc = 0): CheckStatus | undefined => result.documents[doc]?.checks.find((c) => c.check === check)?.status;
