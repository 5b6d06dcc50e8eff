/** A sandbox issuer, a My Number Card and an mDL, and a reader certificate, shared by the session tests. */
import { TrustStore } from '../../src/trust/store.js';
import {
  createDocumentSigner,
  createIaca,
  issueMdoc,
  MDL_DOCTYPE,
  mdlElements,
  MNC_DOCTYPE,
  myNumberCardElements,
  type IssuedMdoc,
} from '../../src/sandbox/index.js';
import type { ReaderIdentity } from '../../src/protocols/proximity/index.js';

export const AT = new Date('2026-06-01T00:00:00Z');
const VALIDITY = { signed: new Date('2026-05-01T00:00:00Z'), validFrom: new Date('2026-05-01T00:00:00Z'), validUntil: new Date('2027-05-01T00:00:00Z') };

export interface Fixtures {
  trust: TrustStore;
  mnc: IssuedMdoc;
  mdl: IssuedMdoc;
  reader: ReaderIdentity;
}

export async function makeFixtures(): Promise<Fixtures> {
  const iaca = await createIaca({ notBefore: new Date('2026-01-01T00:00:00Z') });
  const ds = await createDocumentSigner(iaca);
  const mnc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: myNumberCardElements(undefined, AT), signer: ds, validity: VALIDITY });
  const mdl = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: mdlElements(undefined, AT), signer: ds, validity: VALIDITY });
  const readerRoot = await createIaca({ commonName: 'kakunin sandbox reader root', notBefore: new Date('2026-01-01T00:00:00Z') });
  const readerCert = await createDocumentSigner(readerRoot, { commonName: 'kakunin sandbox reader' });
  return {
    trust: TrustStore.fromCertificates([iaca.der], { name: 'sandbox iaca', set: 'sandbox' }),
    mnc,
    mdl,
    reader: { privateKey: readerCert.keys.privateKey, x5chain: [readerCert.der] },
  };
}
