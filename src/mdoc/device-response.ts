/**
 * DeviceResponse (ISO 18013-5 §8.3.2.1.2.2) parsed just far enough to verify: structure is checked,
 * the embedded items stay as the exact bytes received.
 */
import { decodeCbor, type DecodeLimits } from '../cbor/decode.js';
import { KakuninError } from '../codes/error.js';
import { asArray, asEmbedded, asInt, asMap, asText } from '../cbor/read.js';
import { EncodedCbor } from '../cbor/types.js';

/** Most documents accepted in one response. */
export const MAX_DOCUMENTS = 16;
/** Most IssuerSignedItems accepted in one namespace of one document: far above any real document
 * (an mDL has about 40 elements), low enough that a hostile response cannot make us hash millions. */
export const MAX_ELEMENTS_PER_NAMESPACE = 1024;

export interface Document {
  docType: string;
  /** issuerSigned.nameSpaces: IssuerSignedItemBytes by namespace, as received. */
  issuerNameSpaces: Map<string, EncodedCbor[]>;
  /** The raw issuerAuth (COSE_Sign1), parsed by the pipeline so that a bad one fails one check. */
  issuerAuth: unknown;
  /** deviceSigned, when present: DeviceNameSpacesBytes and deviceAuth. */
  deviceSigned?: { nameSpaces: EncodedCbor; deviceAuth: Map<unknown, unknown> };
}

export interface DeviceResponse {
  version: string;
  documents: Document[];
  documentErrors?: Record<string, number>;
  status: number;
}

function parseDocument(value: unknown, index: number): Document {
  const where = `documents[${index}]`;
  const m = asMap(value, where);
  const docType = asText(m.get('docType'), `${where}.docType`);
  const issuerSigned = asMap(m.get('issuerSigned'), `${where}.issuerSigned`);
  const issuerNameSpaces = new Map<string, EncodedCbor[]>();
  const ns = issuerSigned.get('nameSpaces');
  if (ns !== undefined) {
    for (const [k, v] of asMap(ns, `${where}.issuerSigned.nameSpaces`)) {
      const name = asText(k, `${where} namespace name`);
      const items = asArray(v, `${where} namespace ${name}`);
      if (items.length > MAX_ELEMENTS_PER_NAMESPACE) {
        throw new KakuninError('CBOR_MALFORMED', `${where} namespace ${name} has ${items.length} elements, more than ${MAX_ELEMENTS_PER_NAMESPACE}`);
      }
      // The message is written only for an item that is not embedded CBOR: a dozen or more per document.
      issuerNameSpaces.set(
        name,
        items.map((item, i) => (item instanceof EncodedCbor ? item : asEmbedded(item, `${where} ${name}[${i}]`))),
      );
    }
  }
  const doc: Document = { docType, issuerNameSpaces, issuerAuth: issuerSigned.get('issuerAuth') };
  const ds = m.get('deviceSigned');
  if (ds !== undefined) {
    const dsm = asMap(ds, `${where}.deviceSigned`);
    doc.deviceSigned = {
      nameSpaces: asEmbedded(dsm.get('nameSpaces'), `${where}.deviceSigned.nameSpaces`),
      deviceAuth: asMap(dsm.get('deviceAuth'), `${where}.deviceSigned.deviceAuth`),
    };
  }
  return doc;
}

/** Parses DeviceResponse bytes. Throws KakuninError CBOR_MALFORMED (undecodable or wrong shape). */
export function parseDeviceResponse(bytes: Uint8Array, limits?: Partial<DecodeLimits>): DeviceResponse {
  const m = asMap(decodeCbor(bytes, limits), 'DeviceResponse');
  const version = asText(m.get('version'), 'DeviceResponse.version');
  if (!/^1\.\d+$/.test(version)) throw new KakuninError('CBOR_MALFORMED', `unsupported DeviceResponse version "${version}"`);
  const status = asInt(m.get('status'), 'DeviceResponse.status');
  const docs = m.get('documents');
  const documents = docs === undefined ? [] : asArray(docs, 'DeviceResponse.documents');
  if (documents.length > MAX_DOCUMENTS) {
    throw new KakuninError('CBOR_MALFORMED', `${documents.length} documents, more than ${MAX_DOCUMENTS}`);
  }
  const out: DeviceResponse = { version, status, documents: documents.map(parseDocument) };
  const de = m.get('documentErrors');
  if (de !== undefined) {
    out.documentErrors = {};
    for (const entry of asArray(de, 'DeviceResponse.documentErrors')) {
      for (const [k, v] of asMap(entry, 'documentErrors entry')) {
        out.documentErrors[asText(k, 'documentErrors docType')] = asInt(v, 'documentErrors code');
      }
    }
  }
  return out;
}
