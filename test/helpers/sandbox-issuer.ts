/**
 * The sandbox issuer the verification tests share: fixed dates around AT (time is injected, so no
 * result drifts with the clock), an IACA with its document signer, and the sample My Number Card
 * and mDL. Key generation is the slow part: build in beforeAll, once per file.
 */
import {
  createDocumentSigner,
  createIaca,
  issueMdoc,
  MNC_DOCTYPE,
  createMdlElements,
  createMyNumberCardElements,
  type IssuedMdoc,
  type IssueOptions,
  type SandboxCa,
  type SandboxCertificate,
  type SandboxCurve,
} from '../../src/sandbox/index.js';
import { TrustStore } from '../../src/trust/store.js';

export const AT = new Date('2026-06-01T00:00:00Z');
export const IACA_VALIDITY = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
export const DS_VALIDITY = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
/** Inside DS_VALIDITY, so MSO_SIGNED_OUTSIDE_CERT_VALIDITY only fires where a test moves it. */
export const MSO_VALIDITY = { signed: new Date('2026-05-01T00:00:00Z'), validFrom: new Date('2026-05-01T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };

export interface SandboxIssuer {
  iaca: SandboxCa;
  ds: SandboxCertificate;
  /** The IACA alone, in the sandbox set. */
  trust: TrustStore;
}

export async function sandboxIssuer(options: { curve?: SandboxCurve; commonName?: string } = {}): Promise<SandboxIssuer> {
  const iaca = await createIaca({ ...IACA_VALIDITY, curve: options.curve, commonName: options.commonName });
  const ds = await createDocumentSigner(iaca, { ...DS_VALIDITY, curve: options.curve });
  return { iaca, ds, trust: TrustStore.fromCertificates([iaca.der], { name: 'sandbox iaca', set: 'sandbox' }) };
}

/** The sample My Number Card (MNC_DOCTYPE) or mDL (MDL_DOCTYPE) of the sandbox, valid at AT. */
export function issueSample(signer: SandboxCertificate, docType: string, options: Partial<IssueOptions> = {}): Promise<IssuedMdoc> {
  const nameSpaces = docType === MNC_DOCTYPE ? createMyNumberCardElements(undefined, AT) : createMdlElements(undefined, AT);
  return issueMdoc({ docType, nameSpaces, signer, validity: MSO_VALIDITY, ...options });
}
