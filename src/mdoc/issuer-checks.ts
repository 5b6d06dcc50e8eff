/**
 * Issuer data authentication (ISO 18013-5 §9.1.2, §9.3.1 steps 1–4): issuerAuth is a COSE_Sign1 whose
 * x5chain leads to a trust anchor under the document signer profile (Annex B), its signature verifies
 * with the document signer's key, and its payload is a readable MSO.
 */
import { parseCoseSign1, verifyCoseSign1, x5chainOf, type CoseSign1 } from '../cose/sign1.js';
import { verifyIssuerChain } from '../trust/chain.js';
import { fail, type Checks } from './checks.js';
import type { Document } from './device-response.js';
import { parseMso, type MobileSecurityObject } from './mso.js';
import type { DocumentResult } from './result.js';
import type { TrustStore } from '../trust/store.js';
import type { ParsedCertificate } from '../trust/certificate.js';

export type IssuerChain = ReturnType<typeof verifyIssuerChain>;

/** document_structure: issuerAuth as a COSE_Sign1 and its certificates (none when unreadable). */
export function readIssuerAuth(doc: Document, checks: Checks): { issuerAuth?: CoseSign1; x5chain: Uint8Array[] } {
  try {
    const issuerAuth = parseCoseSign1(doc.issuerAuth);
    return { issuerAuth, x5chain: x5chainOf(issuerAuth, 'ISSUER_CERT_MISSING') };
  } catch (e) {
    checks.fail('document_structure', 'ISSUER_SIGNATURE_INVALID', `issuerAuth: ${(e as Error).message}`);
    return { x5chain: [] };
  }
}

/** Subjects as one line, per certificate: the DS and anchor objects are the chain cache's and the
 * trust store's, so each is rewritten once rather than by a regex on every verification. */
const subjectLines = new WeakMap<ParsedCertificate, string>();

function subjectLine(c: ParsedCertificate): string {
  let line = subjectLines.get(c);
  if (line === undefined) {
    line = c.subject.replace(/\n/g, ', ');
    subjectLines.set(c, line);
  }
  return line;
}

/** issuer_certificate_chain and issuer_certificate_profile; says who signed in `result.issuer`. */
export function checkIssuerChain(doc: Document, x5chain: Uint8Array[], trust: TrustStore, at: Date, checks: Checks, result: DocumentResult): IssuerChain {
  const chain = verifyIssuerChain(x5chain, trust, at, doc.docType);
  if (chain.ds) {
    result.issuer = { subject: subjectLine(chain.ds), country: chain.ds.country };
    if (chain.anchor) {
      result.issuer.anchor = { name: chain.anchor.name, set: chain.anchor.set, subject: subjectLine(chain.anchor.certificate) };
    }
  }
  if (chain.chain) checks.fail('issuer_certificate_chain', chain.chain.code, chain.chain.message);
  else checks.pass('issuer_certificate_chain', `anchored at "${chain.anchor!.name}"`);
  if (chain.profile) checks.fail('issuer_certificate_profile', chain.profile.code, chain.profile.message);
  else if (chain.anchor) checks.pass('issuer_certificate_profile');
  else checks.notRun('issuer_certificate_profile', chain.chain?.code ?? 'ISSUER_CERT_UNTRUSTED', 'no chain to a trust anchor');
  return chain;
}

/** issuer_signature: the document signer's key verifies issuerAuth. */
export function checkIssuerSignature(issuerAuth: CoseSign1 | undefined, chain: IssuerChain, checks: Checks): boolean {
  const ds = chain.ds;
  if (!issuerAuth) {
    checks.notRun('issuer_signature', 'ISSUER_SIGNATURE_INVALID', 'issuerAuth is not a COSE_Sign1');
    return false;
  }
  if (!ds) {
    checks.notRun('issuer_signature', chain.chain?.code ?? 'ISSUER_CERT_MISSING', 'no readable document signer certificate to verify with');
    return false;
  }
  return checks.run('issuer_signature', 'ISSUER_SIGNATURE_INVALID', () => {
    if (!verifyCoseSign1(issuerAuth, ds.publicKey)) fail('ISSUER_SIGNATURE_INVALID', 'issuerAuth signature does not verify with the document signer key');
  });
}

/** mso_structure: the MSO issuerAuth carries, when it can be read. */
export function readMso(issuerAuth: CoseSign1 | undefined, checks: Checks): MobileSecurityObject | undefined {
  if (!issuerAuth) return undefined;
  if (!issuerAuth.payload) {
    checks.fail('mso_structure', 'MSO_INVALID', 'issuerAuth has no payload');
    return undefined;
  }
  try {
    const mso = parseMso(issuerAuth.payload);
    checks.pass('mso_structure');
    return mso;
  } catch (e) {
    checks.fail('mso_structure', 'MSO_INVALID', (e as Error).message);
    return undefined;
  }
}
