/**
 * A sandbox issuer world for the hardening tests: an IACA, a document signer, a My Number Card and
 * an mDL valid at AT, and a SessionTranscript. Built once per test file (key generation is the
 * slow part).
 */
import { createHash } from 'node:crypto';
import { encodeCbor } from '../../src/cbor/index.js';
import {
  createDocumentSigner,
  createIaca,
  issueMdoc,
  MDL_DOCTYPE,
  createMdlElements,
  MNC_DOCTYPE,
  createMyNumberCardElements,
  type IssuedMdoc,
  type MyNumberCardPerson,
  type SandboxCa,
  type SandboxCertificate,
} from '../../src/sandbox/index.js';
import { TrustStore } from '../../src/trust/store.js';

import { AT, IACA_VALIDITY, MSO_VALIDITY } from '../helpers/sandbox-issuer.js';

export { AT, IACA_VALIDITY, MSO_VALIDITY };

/** A fictional person whose every value is unique enough to grep for (the canary of leak tests). */
export const CANARY: MyNumberCardPerson = {
  birthDate: '1987-11-23',
  sex: 1,
  fullName: 'カナリア 試験太郎',
  residentAddress: '北海道カナリア市試験町7-7-7',
  localGovCode: '011002',
  individualNumber: '987654321099',
};

export interface HardeningWorld {
  iaca: SandboxCa;
  ds: SandboxCertificate;
  trust: TrustStore;
  mnc: IssuedMdoc;
  mdl: IssuedMdoc;
}

export async function hardeningWorld(person?: MyNumberCardPerson): Promise<HardeningWorld> {
  const iaca = await createIaca({ ...IACA_VALIDITY });
  const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
  const mnc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(person, AT), signer: ds, validity: MSO_VALIDITY });
  const mdl = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, AT), signer: ds, validity: MSO_VALIDITY });
  return { iaca, ds, trust: TrustStore.fromCertificates([iaca.der], { set: 'sandbox' }), mnc, mdl };
}

/** An OpenID4VP DC API SessionTranscript for `nonce` (any well-formed transcript does for the core). */
export function transcriptFor(nonce: string): Uint8Array {
  const hash = createHash('sha256')
    .update(encodeCbor(['https://shop.example', nonce, null]))
    .digest();
  return encodeCbor([null, null, ['OpenID4VPDCAPIHandover', new Uint8Array(hash)]]);
}

/** The disclosed element values of a result, as comparable text (bytes as hex). */
export function disclosed(result: { documents: { docType: string; elements: unknown }[] }): string {
  return JSON.stringify(
    result.documents.map((d) => [d.docType, d.elements]),
    (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v instanceof Map ? Object.fromEntries(v) : v),
  );
}
