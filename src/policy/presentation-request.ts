/**
 * From a purpose to what the protocols send: the purpose's documents and claim sets become a
 * protocol-neutral PresentationRequest, which createOpenID4VPRequest, createDigitalCredentialRequest
 * and createDeviceRequest turn into DCQL or an ISO DeviceRequest. It lives here, not in protocols/,
 * because it reads the purpose's own structure (claim sets in order of preference), which the layer
 * below does not know.
 */
import type { PresentationRequest, RequestedDocument } from '../protocols/request/presentation-request.js';
import type { Purpose } from './purpose.js';

/** Credential query ids of the two documents every built-in purpose accepts; others are doc0, doc1, ... */
const DOCUMENT_IDS: Readonly<Record<string, string>> = { 'org.iso.23220.1.jp.mnc': 'mnc', 'org.iso.18013.5.1.mDL': 'mdl' };

/**
 * Which of a purpose's claim sets the request carries.
 */
export interface BuildPresentationRequestOptions {
  /**
   * `all` (default): every claim set, each a document of its own (`mnc`, then `mnc_1`, ... for the
   * fallbacks), every document's first set before any fallback, so the wallet's first satisfiable
   * choice is the most minimal one it can give. For DCQL (OpenID4VP), which offers them as
   * alternatives. `first`: each document's first, minimal set only. For an ISO DeviceRequest
   * (DC API `org-iso-mdoc`, in person), which cannot say "one of these" within a docType.
   */
  claimSets?: 'all' | 'first';
}

/**
 * The PresentationRequest that asks for what `purpose` needs and nothing more: the first step of a
 * verification (purpose -> request -> wallet -> verify -> decision).
 *
 * @example
 * ```ts
 * import { buildPresentationRequest, createAgeOverPurpose, createDigitalCredentialRequest, MemoryRequestStateStore, type VerifierIdentity } from 'kakunin';
 * declare const identity: VerifierIdentity; // loadVerifierIdentity(...) or createDevelopmentIdentity(...)
 * const store = new MemoryRequestStateStore();
 * const origin = 'https://shop.example';
 * const purpose = createAgeOverPurpose({ threshold: 20 });
 * const request = buildPresentationRequest(purpose);
 * const dcApi = await createDigitalCredentialRequest({ request, origin, identity, at: new Date(), store });
 * ```
 */
export function buildPresentationRequest(purpose: Pick<Purpose, 'documents'>, options: BuildPresentationRequestOptions = {}): PresentationRequest {
  const id = (docType: string, index: number) => DOCUMENT_IDS[docType] ?? `doc${index}`;
  if (options.claimSets === 'first') {
    return { documents: purpose.documents.map((d, j) => ({ id: id(d.docType, j), docType: d.docType, elements: [...d.claimSets[0]] })) };
  }
  const depth = Math.max(...purpose.documents.map((d) => d.claimSets.length));
  const documents: RequestedDocument[] = [];
  for (let i = 0; i < depth; i++) {
    purpose.documents.forEach((d, j) => {
      const set = d.claimSets[i];
      if (set) documents.push({ id: `${id(d.docType, j)}${i === 0 ? '' : `_${i}`}`, docType: d.docType, elements: [...set] });
    });
  }
  return { documents };
}
