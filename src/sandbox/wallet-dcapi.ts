/**
 * The sandbox wallet behind a browser's Digital Credentials API: given the argument of
 * navigator.credentials.get(), it answers the first offered request in a protocol it speaks, as the
 * browser hands a wallet the request it can handle (Safari org-iso-mdoc, Chrome openid4vp-v1-*).
 */
import { answerAnnexC, type AnnexCRequestData } from './wallet-annex-c.js';
import { answerOpenID4VPOverDcApi } from './wallet-openid4vp.js';
import { WalletRefusal, type SandboxWallet } from './wallet.js';

/** What navigator.credentials.get resolves to: the DigitalCredential's protocol and data. */
export interface DigitalCredentialAnswer {
  protocol: string;
  data: { response: string };
}

const OPENID4VP = new Set(['openid4vp-v1-signed', 'openid4vp-v1-multisigned', 'openid4vp-v1-unsigned']);

/**
 * What navigator.credentials.get(`argument`) resolves to when the sandbox wallet answers a call
 * made from `origin`: the wallet checks the request's signature, builds its own SessionTranscript,
 * signs and encrypts. A request it cannot or will not answer is a WalletRefusal.
 *
 * @example
 * ```ts
 * import { createDigitalCredentialRequest, type PresentationRequest, type RequestStateStore, type VerifierIdentity } from 'kakunin';
 * import { answerDigitalCredentialRequest, type SandboxWallet } from 'kakunin/sandbox';
 * declare const wallet: SandboxWallet; // new SandboxWallet({ credentials: [await issueMdoc(...)] })
 * declare const request: PresentationRequest;
 * declare const identity: VerifierIdentity;
 * declare const store: RequestStateStore;
 * const origin = 'https://shop.example';
 * const dcApi = await createDigitalCredentialRequest({ request, origin, identity, at: new Date(), store });
 * const credential = await answerDigitalCredentialRequest(wallet, dcApi.credentialRequestOptions, origin);
 * ```
 */
export async function answerDigitalCredentialRequest(wallet: SandboxWallet, argument: unknown, origin: string): Promise<DigitalCredentialAnswer> {
  const requests = (argument as { digital?: { requests?: unknown } } | undefined)?.digital?.requests;
  if (!Array.isArray(requests)) throw new WalletRefusal('invalid_request', 'the argument has no digital.requests');
  for (const r of requests as { protocol?: unknown; data?: unknown }[]) {
    if (!r || typeof r !== 'object' || !r.data || typeof r.data !== 'object') continue;
    if (r.protocol === 'org-iso-mdoc') return answerAnnexC(wallet, r.data as AnnexCRequestData, origin);
    if (typeof r.protocol === 'string' && OPENID4VP.has(r.protocol)) return answerOpenID4VPOverDcApi(wallet, r.protocol, r.data, origin);
  }
  throw new WalletRefusal('invalid_request', 'no request in a protocol the sandbox wallet speaks');
}
