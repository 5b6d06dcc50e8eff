/**
 * After the core has verified a DeviceResponse: did the wallet return only what was asked
 * (ELEMENT_NOT_REQUESTED) and everything that was required (ELEMENT_MISSING)? Over-disclosure is a
 * failure, not a warning: it means the request was ignored or the response is not ours.
 */
import type { DocumentResult, VerificationError, VerificationResult } from '../../mdoc/result.js';
import type { PresentationRequest, RequestedDocument } from './presentation-request.js';

function returnedElements(doc: DocumentResult): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  // A test ID's values (reported only when asked for) answer the request the same way.
  for (const values of [doc.elements.issuerSigned, doc.elements.deviceSigned, doc.testId?.elements ?? {}]) {
    for (const [ns, elements] of Object.entries(values)) for (const id of Object.keys(elements)) out.push([ns, id]);
  }
  return out;
}

/** Checks one document against the alternatives it may answer; returns the errors found. */
function checkDocument(doc: DocumentResult, index: number, candidates: RequestedDocument[]): VerificationError[] {
  const asked = candidates.find((c) => c.docType === doc.docType);
  if (!asked) {
    return [{ code: 'ELEMENT_NOT_REQUESTED', message: `document type ${doc.docType} was not requested`, document: index }];
  }
  const errors: VerificationError[] = [];
  const wanted = new Set(asked.elements.map((e) => `${e.nameSpace}\u0000${e.elementIdentifier}`));
  const got = new Set<string>();
  for (const [ns, id] of returnedElements(doc)) {
    const key = `${ns}\u0000${id}`;
    got.add(key);
    if (!wanted.has(key)) errors.push({ code: 'ELEMENT_NOT_REQUESTED', message: `${ns}/${id} was not requested`, document: index });
  }
  // Sent but not verified (an untrusted issuer, a digest that failed): the document's own checks say
  // why; the element is not missing.
  for (const [ns, ids] of Object.entries(doc.presented ?? {})) for (const id of ids) got.add(`${ns}\u0000${id}`);
  for (const e of asked.elements) {
    if (!e.optional && !got.has(`${e.nameSpace}\u0000${e.elementIdentifier}`)) {
      errors.push({ code: 'ELEMENT_MISSING', message: `${e.nameSpace}/${e.elementIdentifier} was requested and not returned`, document: index });
    }
  }
  return errors;
}

/**
 * Adds element errors to a result (a new object; the input is not changed). `candidates` are the
 * documents this response may answer: all of the request's for a DeviceResponse, or the one
 * credential query a vp_token entry answers.
 */
export function checkRequestedElements(result: VerificationResult, request: PresentationRequest, candidates?: RequestedDocument[]): VerificationResult {
  const allowed = candidates ?? request.documents;
  const errors = [...result.errors];
  const documents = result.documents.map((doc, i) => {
    const found = checkDocument(doc, i, allowed);
    errors.push(...found);
    return found.length ? { ...doc, valid: false } : doc;
  });
  if (documents.length === 0 && !errors.some((e) => e.code === 'DOCUMENT_MISSING')) {
    errors.push({ code: 'DOCUMENT_MISSING', message: 'the response holds none of the requested documents' });
  }
  return { ...result, documents, errors, valid: result.valid && errors.length === result.errors.length && documents.length > 0 };
}
