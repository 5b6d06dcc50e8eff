/**
 * value_digests (ISO 18013-5 §9.1.2.4): every IssuerSignedItemBytes is digested exactly as received,
 * and only the elements whose digest the MSO signed are kept.
 */
import { decodeCbor } from '../cbor/decode.js';
import { asBytes, asInt, asMap, asText } from '../cbor/read.js';
import type { EncodedCbor } from '../cbor/types.js';
import { fail, type Checks } from './checks.js';
import { digestMatches } from './digest.js';
import type { Document } from './device-response.js';
import { DIGEST_ALGORITHMS, type MobileSecurityObject } from './mso.js';
import type { NameSpaceIdentifiers, NameSpaceValues } from './result.js';

interface IssuerSignedItem {
  digestID: number;
  elementIdentifier: string;
  elementValue: unknown;
}

function parseItem(item: EncodedCbor): IssuerSignedItem {
  const m = asMap(decodeCbor(item.bytes), 'IssuerSignedItem', 'DIGEST_MISMATCH');
  asBytes(m.get('random'), 'IssuerSignedItem.random', 'DIGEST_MISMATCH');
  return {
    digestID: asInt(m.get('digestID'), 'IssuerSignedItem.digestID', 'DIGEST_MISMATCH'),
    elementIdentifier: asText(m.get('elementIdentifier'), 'IssuerSignedItem.elementIdentifier', 'DIGEST_MISMATCH'),
    elementValue: m.has('elementValue') ? m.get('elementValue') : fail('DIGEST_MISMATCH', 'IssuerSignedItem without elementValue'),
  };
}

/**
 * Digest every IssuerSignedItemBytes as received and keep the elements whose digest the MSO signed;
 * the identifier of every item that reads as one goes to `presented`, matched or not.
 */
export function checkValueDigests(doc: Document, mso: MobileSecurityObject, checks: Checks, presented: NameSpaceIdentifiers): NameSpaceValues {
  const hash = DIGEST_ALGORITHMS[mso.digestAlgorithm].node;
  const verified: NameSpaceValues = {};
  const problems: string[] = [];
  let count = 0;
  for (const [ns, items] of doc.issuerNameSpaces) {
    const digests = mso.valueDigests.get(ns);
    const seenIds = new Set<number>();
    const values = Object.create(null) as Record<string, unknown>;
    let matched = 0;
    const seenElements = new Set<string>();
    // The namespace's presented list and a set of it, looked up once per namespace, not per item.
    const names = (presented[ns] ??= []);
    const named = new Set(names);
    for (const raw of items) {
      count++;
      let item: IssuerSignedItem;
      try {
        item = parseItem(raw);
      } catch (e) {
        problems.push(`${ns}: ${(e as Error).message}`);
        continue;
      }
      const id = item.elementIdentifier;
      if (!named.has(id)) {
        named.add(id);
        names.push(id);
      }
      const expected = digests?.get(item.digestID);
      if (!expected) {
        problems.push(`${ns}/${id}: digestID ${item.digestID} not in the MSO`);
        continue;
      }
      if (seenIds.has(item.digestID) || seenElements.has(id)) {
        problems.push(`${ns}/${id}: presented twice`);
        continue;
      }
      seenIds.add(item.digestID);
      seenElements.add(id);
      if (!digestMatches(hash, raw.tagged, expected)) {
        problems.push(`${ns}/${id}: digest does not match the MSO`);
        continue;
      }
      values[id] = item.elementValue;
      matched++;
    }
    if (names.length === 0) delete presented[ns];
    if (matched > 0) verified[ns] = values;
  }
  if (problems.length) checks.fail('value_digests', 'DIGEST_MISMATCH', problems.join('; '));
  else checks.pass('value_digests', `${count} element${count === 1 ? '' : 's'}`);
  return verified;
}
