/**
 * Turning a VerificationResult into the CLI's JSON and into a summary a person can read.
 */
import type { VerificationResult } from '../mdoc/result.js';

/** Element values as JSON: bytes as base64url, dates as RFC 3339, bigints as strings, maps as objects. */
export function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64url') };
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = toJsonValue(x);
    return o;
  }
  if (v && typeof v === 'object') {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON();
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
    return o;
  }
  return v;
}

/** The --json shape: {valid, documents: [{docType, valid, issuer, elements, checks}], errors}. `checks`
 * also lists what was not checked by choice (the MSO's status reference: the CLI fetches no lists),
 * which, like revocation turned off, is not in `errors` and leaves `valid` as it is. */
export function resultToJson(result: VerificationResult): unknown {
  return {
    valid: result.valid,
    documents: result.documents.map((d) => ({
      docType: d.docType,
      valid: d.valid,
      issuer: d.issuer ?? null,
      validity: d.validity ?? null,
      elements: toJsonValue(d.elements),
      checks: [...d.checks, ...(d.unchecked ?? [])].map((c) => ({ check: c.check, status: c.status, code: c.code ?? null, message: c.message ?? null })),
    })),
    errors: result.errors.map((e) => ({ code: e.code, message: e.message, ...(e.document !== undefined ? { document: e.document } : {}) })),
  };
}

const MARK = { pass: 'ok  ', fail: 'FAIL', not_run: 'skip' } as const;

/** A short summary: verdict, issuer, validity, each check, and the names (not values) of elements. */
export function resultToText(result: VerificationResult): string {
  const lines: string[] = [];
  const n = result.documents.length;
  lines.push(`DeviceResponse: ${result.valid ? 'VALID' : 'INVALID'} (${n} document${n === 1 ? '' : 's'})`);
  result.documents.forEach((d, i) => {
    lines.push('', `Document ${i + 1}: ${d.docType}: ${d.valid ? 'valid' : 'invalid'}`);
    if (d.issuer) {
      const anchor = d.issuer.anchor ? `, trusted via ${d.issuer.anchor.name} (${d.issuer.anchor.set ?? 'trust store'})` : ', no trust anchor';
      lines.push(`  issuer:   ${d.issuer.subject}${anchor}`);
    }
    if (d.validity) lines.push(`  validity: ${d.validity.validFrom} .. ${d.validity.validUntil} (signed ${d.validity.signed})`);
    for (const c of [...d.checks, ...(d.unchecked ?? [])]) lines.push(`  [${MARK[c.status]}] ${c.check}${c.code && c.status !== 'pass' ? ` ${c.code}` : ''}${c.message ? `: ${c.message}` : ''}`);
    for (const [kind, values] of [
      ['issuer-signed', d.elements.issuerSigned],
      ['device-signed', d.elements.deviceSigned],
    ] as const) {
      for (const [ns, elems] of Object.entries(values)) lines.push(`  ${kind} ${ns}: ${Object.keys(elems).join(', ')}`);
    }
  });
  const docErrors = result.errors.filter((e) => e.document === undefined);
  if (docErrors.length) lines.push('', ...docErrors.map((e) => `error ${e.code}: ${e.message}`));
  if (result.documentErrors) lines.push('', `documentErrors from the wallet: ${JSON.stringify(result.documentErrors)}`);
  lines.push('', 'Element values are in --json output.');
  return lines.join('\n');
}
