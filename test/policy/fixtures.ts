import type { DocumentResult, VerificationResult } from '../../src/mdoc/result.js';

/** A verified document as the pipeline reports it, with the given issuer-signed elements. */
export function verifiedDocument(docType: string, issuerSigned: DocumentResult['elements']['issuerSigned'], set = 'jp-jlis'): DocumentResult {
  return {
    docType,
    valid: true,
    issuer: { subject: 'CN=Test DS', country: 'JP', anchor: { name: 'test-iaca', set, subject: 'CN=Test IACA' } },
    elements: { issuerSigned, deviceSigned: {} },
    checks: [{ check: 'issuer_signature', status: 'pass' }],
  };
}

export function resultOf(...documents: DocumentResult[]): VerificationResult {
  return { valid: documents.every((d) => d.valid), status: 0, documents, errors: [] };
}
