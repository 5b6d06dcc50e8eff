/**
 * The identifiers of every element a document carried, issuer- and device-signed, whether or not
 * it verified: what the wallet sent, as against what a verifier may believe (DocumentResult.elements
 * holds only verified values). The request check needs both: an element from an untrusted issuer was
 * sent, unverified, not missing. Identifiers only; no value leaves here. An item too broken to name
 * is left out (value_digests or device_authentication says why). value_digests adds the issuer-signed
 * ones as it reads them; these read what it could not (no MSO) and the device-signed ones.
 */
import { decodeCbor } from '../cbor/decode.js';
import type { Document } from './device-response.js';
import type { NameSpaceIdentifiers } from './result.js';

/** A fresh collection (no prototype: a namespace may be called anything, `__proto__` too). */
export const noIdentifiers = (): NameSpaceIdentifiers => Object.create(null) as NameSpaceIdentifiers;

export function addPresented(out: NameSpaceIdentifiers, nameSpace: string, elementIdentifier: unknown): void {
  if (typeof elementIdentifier !== 'string') return;
  const list = (out[nameSpace] ??= []);
  if (!list.includes(elementIdentifier)) list.push(elementIdentifier);
}

/** The issuer-signed identifiers, for a document whose digests could not be checked (no MSO). */
export function addIssuerSignedPresented(doc: Document, out: NameSpaceIdentifiers): void {
  for (const [ns, items] of doc.issuerNameSpaces) {
    for (const item of items) {
      try {
        const m = decodeCbor(item.bytes);
        if (m instanceof Map) addPresented(out, ns, m.get('elementIdentifier'));
      } catch {
        // Not an IssuerSignedItem: it names nothing.
      }
    }
  }
}

export function addDeviceSignedPresented(doc: Document, out: NameSpaceIdentifiers): void {
  if (!doc.deviceSigned) return;
  try {
    const nameSpaces = decodeCbor(doc.deviceSigned.nameSpaces.bytes);
    if (!(nameSpaces instanceof Map)) return;
    for (const [ns, elements] of nameSpaces) {
      if (typeof ns === 'string' && elements instanceof Map) for (const id of elements.keys()) addPresented(out, ns, id);
    }
  } catch {
    // DeviceNameSpaces that do not decode name nothing.
  }
}
