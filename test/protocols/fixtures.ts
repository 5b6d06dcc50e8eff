/**
 * A small world for round trips: a sandbox IACA and document signer, a My Number Card and an mDL
 * for the holder, a development verifier identity, and the sandbox wallet holding both mdocs.
 */
import { TrustStore } from '../../src/trust/index.js';
import {
  createDocumentSigner,
  createIaca,
  issueMdoc,
  MDL_DOCTYPE,
  MDL_NS,
  createMdlElements,
  MNC_DOCTYPE,
  MNC_JP_NS,
  MNC_NS,
  createMyNumberCardElements,
  type IssuedMdoc,
} from '../../src/sandbox/index.js';
import { SandboxWallet, type WalletBehaviour } from '../../src/sandbox/wallet.js';
import { createDevelopmentIdentity } from '../../src/protocols/keys/verifier-identity.js';
import type { PresentationRequest } from '../../src/protocols/request/presentation-request.js';
import { MemoryRequestStateStore } from '../../src/protocols/state/request-state-store.js';

const DAY = 86_400_000;

export interface World {
  at: Date;
  trust: TrustStore;
  /** The sandbox IACA (DER), for tests that write a trust file. */
  iacaDer: Uint8Array;
  identity: Awaited<ReturnType<typeof createDevelopmentIdentity>>;
  credentials: IssuedMdoc[];
  store: MemoryRequestStateStore;
  wallet: (behaviour?: WalletBehaviour) => SandboxWallet;
}

let cached: Promise<Omit<World, 'store' | 'wallet'>> | undefined;

async function build(): Promise<Omit<World, 'store' | 'wallet'>> {
  const at = new Date();
  // The IACA's validity starts before the MSO's signing time on its own terms, not on a second read
  // of the clock: certificates keep whole seconds, so a read a few ms later can round past it.
  const iaca = await createIaca({ country: 'JP', notBefore: new Date(at.getTime() - 2 * DAY) });
  const ds = await createDocumentSigner(iaca);
  const validity = { signed: new Date(at.getTime() - DAY), validFrom: new Date(at.getTime() - DAY), validUntil: new Date(at.getTime() + 30 * DAY) };
  const mnc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, at), signer: ds, validity });
  const mdl = await issueMdoc({ docType: MDL_DOCTYPE, nameSpaces: createMdlElements(undefined, at), signer: ds, validity });
  return {
    at,
    trust: TrustStore.fromCertificates([iaca.der], { set: 'sandbox' }),
    iacaDer: iaca.der,
    identity: await createDevelopmentIdentity('verifier.example', at),
    credentials: [mnc, mdl],
  };
}

export async function world(): Promise<World> {
  cached ??= build();
  const w = await cached;
  return {
    ...w,
    store: new MemoryRequestStateStore(),
    wallet: (behaviour) => new SandboxWallet({ credentials: w.credentials, trustedReaderRoots: [w.identity.rootDer], now: () => new Date(), behaviour }),
  };
}

/** "20 or over, and resident of which municipality", from a My Number Card, or an mDL as fallback. */
export const AGE_AND_RESIDENCE: PresentationRequest = {
  documents: [
    {
      id: 'mnc',
      docType: MNC_DOCTYPE,
      elements: [
        { nameSpace: MNC_NS, elementIdentifier: 'age_over_20' },
        { nameSpace: MNC_JP_NS, elementIdentifier: 'local_gov_code_unicode', intentToRetain: true },
      ],
    },
    { id: 'mdl', docType: MDL_DOCTYPE, elements: [{ nameSpace: MDL_NS, elementIdentifier: 'age_over_21' }] },
  ],
};

export const ORIGIN = 'https://verifier.example';
