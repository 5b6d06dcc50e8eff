/**
 * What a verifier wants from the holder, independent of protocol: one of several acceptable
 * documents (e.g. My Number Card or mDL), and per document the data elements with
 * intent_to_retain. Each protocol module turns this into its own request (DCQL, DeviceRequest).
 */
import { KakuninError } from '../../codes/error.js';

/** One data element asked for (ISO 18013-5 nameSpace and elementIdentifier), with intent to retain. */
export interface RequestedElement {
  nameSpace: string;
  elementIdentifier: string;
  /** ISO 18013-5 IntentToRetain / DCQL intent_to_retain. Default false. */
  intentToRetain?: boolean;
  /** An optional element may be withheld without failing the request (ELEMENT_MISSING). Default false. */
  optional?: boolean;
}

/**
 * One acceptable document of a PresentationRequest: an id, the docType and the elements asked for.
 */
export interface RequestedDocument {
  /** DCQL credential query id; also names the document in vp_token. [A-Za-z0-9_-]+. */
  id: string;
  docType: string;
  elements: RequestedElement[];
}

/**
 * What a verifier asks for, protocol-neutral: the acceptable documents and, per document, the elements and intent_to_retain. Each protocol's request is built from it.
 */
export interface PresentationRequest {
  /** Acceptable alternatives: the holder presents any one of them. */
  documents: RequestedDocument[];
}

const ID = /^[A-Za-z0-9_-]+$/;

/** Rejects requests no wallet could answer unambiguously. */
export function validatePresentationRequest(request: PresentationRequest): PresentationRequest {
  if (!request.documents.length) throw new KakuninError('INVALID_ARGUMENT', 'a presentation request needs at least one document');
  const ids = new Set<string>();
  for (const d of request.documents) {
    if (!ID.test(d.id)) throw new KakuninError('INVALID_ARGUMENT', `credential query id "${d.id}" must be [A-Za-z0-9_-]+`);
    if (ids.has(d.id)) throw new KakuninError('INVALID_ARGUMENT', `credential query id "${d.id}" appears twice`);
    ids.add(d.id);
    if (!d.docType) throw new KakuninError('INVALID_ARGUMENT', `document ${d.id} has no docType`);
    if (!d.elements.length) throw new KakuninError('INVALID_ARGUMENT', `document ${d.id} requests no elements`);
  }
  return request;
}

/** Requested elements by namespace, for one document. */
export function elementsByNameSpace(doc: RequestedDocument): Map<string, RequestedElement[]> {
  const out = new Map<string, RequestedElement[]>();
  for (const e of doc.elements) {
    const list = out.get(e.nameSpace) ?? [];
    list.push(e);
    out.set(e.nameSpace, list);
  }
  return out;
}
