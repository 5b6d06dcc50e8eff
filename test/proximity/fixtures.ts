/** A sandbox issuer, a My Number Card and an mDL, and a reader certificate, shared by the session tests. */
import { createDocumentSigner, createIaca, MDL_DOCTYPE, MNC_DOCTYPE, type IssuedMdoc } from '../../src/sandbox/index.js';
import type { ReaderIdentity } from '../../src/protocols/proximity/index.js';
import type { TrustStore } from '../../src/trust/store.js';
import { IACA_VALIDITY, issueSample, sandboxIssuer } from '../helpers/sandbox-issuer.js';

export { AT } from '../helpers/sandbox-issuer.js';

export interface Fixtures {
  trust: TrustStore;
  mnc: IssuedMdoc;
  mdl: IssuedMdoc;
  reader: ReaderIdentity;
}

export async function makeFixtures(): Promise<Fixtures> {
  const { ds, trust } = await sandboxIssuer();
  const readerRoot = await createIaca({ ...IACA_VALIDITY, commonName: 'kakunin sandbox reader root' });
  const readerCert = await createDocumentSigner(readerRoot, { commonName: 'kakunin sandbox reader' });
  return {
    trust,
    mnc: await issueSample(ds, MNC_DOCTYPE),
    mdl: await issueSample(ds, MDL_DOCTYPE),
    reader: { privateKey: readerCert.keys.privateKey, x5chain: [readerCert.der] },
  };
}
