/**
 * MobileSecurityObject (ISO 18013-5 §9.1.2.4), the issuer-signed payload of issuerAuth.
 */
import { decodeCbor } from '../cbor/decode.js';
import { KakuninError } from '../codes/error.js';
import { asBytes, asEmbedded, asInt, asMap, asText, required } from '../cbor/read.js';

/** The MSO's digestAlgorithm names: node:crypto's name for each, and its digest length. */
export const DIGEST_ALGORITHMS = {
  'SHA-256': { node: 'sha256', size: 32 },
  'SHA-384': { node: 'sha384', size: 48 },
  'SHA-512': { node: 'sha512', size: 64 },
} as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export interface KeyAuthorizations {
  nameSpaces: string[];
  dataElements: Map<string, string[]>;
}

export interface MobileSecurityObject {
  version: string;
  digestAlgorithm: DigestAlgorithm;
  /** namespace -> digestID -> digest */
  valueDigests: Map<string, Map<number, Uint8Array>>;
  deviceKey: unknown;
  keyAuthorizations?: KeyAuthorizations;
  docType: string;
  validityInfo: { signed: Date; validFrom: Date; validUntil: Date; expectedUpdate?: Date };
  status?: Map<unknown, unknown>;
}

const CODE = 'MSO_INVALID';

/** Decodes the issuerAuth payload (#6.24(bstr .cbor MSO)) and checks its structure. Throws
 * KakuninError MSO_INVALID. */
export function parseMso(payload: Uint8Array): MobileSecurityObject {
  let m: Map<unknown, unknown>;
  try {
    m = asMap(decodeCbor(asEmbedded(decodeCbor(payload), 'issuerAuth payload', CODE).bytes), 'MSO', CODE);
  } catch (e) {
    if (e instanceof KakuninError && e.code === CODE) throw e;
    throw new KakuninError(CODE, `MSO is not valid CBOR: ${(e as Error).message}`);
  }
  const version = asText(required(m, 'version', 'MSO', CODE), 'MSO.version', CODE);
  if (version !== '1.0' && version !== '1.1') throw new KakuninError(CODE, `unsupported MSO version "${version}"`);
  const alg = asText(required(m, 'digestAlgorithm', 'MSO', CODE), 'MSO.digestAlgorithm', CODE);
  if (!(alg in DIGEST_ALGORITHMS)) throw new KakuninError(CODE, `digest algorithm ${alg} is not SHA-256, SHA-384 or SHA-512`);
  const { size } = DIGEST_ALGORITHMS[alg as DigestAlgorithm];
  const valueDigests = new Map<string, Map<number, Uint8Array>>();
  for (const [ns, digests] of asMap(required(m, 'valueDigests', 'MSO', CODE), 'MSO.valueDigests', CODE)) {
    const name = asText(ns, 'MSO.valueDigests namespace', CODE);
    const byId = asMap(digests, `MSO.valueDigests ${name}`, CODE);
    // Every entry checked, then the decoded map kept as it is (no copy): its keys are integers and its
    // values digests of the right size, and nothing else holds it.
    for (const [id, d] of byId) {
      asInt(id, 'MSO digestID', CODE);
      if (asBytes(d, 'MSO digest', CODE).length !== size) throw new KakuninError(CODE, `a ${alg} digest must be ${size} bytes`);
    }
    valueDigests.set(name, byId as Map<number, Uint8Array>);
  }
  const dki = asMap(required(m, 'deviceKeyInfo', 'MSO', CODE), 'MSO.deviceKeyInfo', CODE);
  const vi = asMap(required(m, 'validityInfo', 'MSO', CODE), 'MSO.validityInfo', CODE);
  const validityInfo = {
    signed: asTdate(required(vi, 'signed', 'validityInfo', CODE), 'validityInfo.signed'),
    validFrom: asTdate(required(vi, 'validFrom', 'validityInfo', CODE), 'validityInfo.validFrom'),
    validUntil: asTdate(required(vi, 'validUntil', 'validityInfo', CODE), 'validityInfo.validUntil'),
    expectedUpdate: vi.has('expectedUpdate') ? asTdate(vi.get('expectedUpdate'), 'validityInfo.expectedUpdate') : undefined,
  };
  if (validityInfo.validUntil.getTime() <= validityInfo.validFrom.getTime()) {
    throw new KakuninError(CODE, 'validityInfo.validUntil is not after validFrom');
  }
  if (validityInfo.validFrom.getTime() < validityInfo.signed.getTime()) {
    throw new KakuninError(CODE, 'validityInfo.validFrom is before signed');
  }
  const mso: MobileSecurityObject = {
    version,
    digestAlgorithm: alg as DigestAlgorithm,
    valueDigests,
    deviceKey: required(dki, 'deviceKey', 'deviceKeyInfo', CODE),
    docType: asText(required(m, 'docType', 'MSO', CODE), 'MSO.docType', CODE),
    validityInfo,
  };
  const ka = dki.get('keyAuthorizations');
  if (ka !== undefined) {
    const kam = asMap(ka, 'keyAuthorizations', CODE);
    const nameSpaces = kam.has('nameSpaces') ? asArrayOfText(kam.get('nameSpaces'), 'keyAuthorizations.nameSpaces') : [];
    const dataElements = new Map<string, string[]>();
    if (kam.has('dataElements')) {
      for (const [ns, elems] of asMap(kam.get('dataElements'), 'keyAuthorizations.dataElements', CODE)) {
        dataElements.set(asText(ns, 'keyAuthorizations namespace', CODE), asArrayOfText(elems, 'keyAuthorizations.dataElements'));
      }
    }
    mso.keyAuthorizations = { nameSpaces, dataElements };
  }
  // Apple's developer test mDL sends status: null; null carries no status information, as absent.
  const status = m.get('status');
  if (status !== undefined && status !== null) mso.status = asMap(status, 'MSO.status', CODE);
  return mso;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** tdate is #6.0(tstr). Some production issuers (the SPRIND/Bundesdruckerei PID) omit the tag; the
 * string is the same RFC 3339 date-time the issuer signed, so it is accepted, strictly formatted. */
function asTdate(v: unknown, what: string): Date {
  const d = v instanceof Date ? v : typeof v === 'string' && RFC3339.test(v) ? new Date(v) : undefined;
  if (d && !Number.isNaN(d.getTime())) return d;
  throw new KakuninError(CODE, `${what}: expected tdate (tag 0)`);
}

function asArrayOfText(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new KakuninError(CODE, `${what}: expected array`);
  return v.map((x) => asText(x, what, CODE));
}
