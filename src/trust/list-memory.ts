/**
 * What a verified revocation list holds in memory, for RevocationLists' limit on all lists together.
 * Each list has its own limit (a CRL 64 MB of DER, a status list 64 MB inflated, an identifier list
 * 10 MB of token), but up to maxLists (512 by default) are tracked: the lists' bytes need a bound of their own. The
 * figure is what the copy in use keeps alive, worked out from sizes already known (walking a million
 * identifiers to measure them would hold the event loop for tens of milliseconds).
 */
import type { ParsedCrl } from './crl.js';
import type { VerifiedList } from './status-list.js';

/**
 * Per identifier of an identifier list, besides its hex characters: V8's string header and the
 * Set's entry. Measured on Node 20 (64-bit, pointer compression): 500,000 identifiers of 3, 16, 32
 * and 64 bytes took 44.8, 69.0, 101.0 and 164.6 bytes each, that is 2 per byte plus 37 to 39.
 */
export const IDENTIFIER_OVERHEAD_BYTES = 40;

/** A verified copy as RevocationLists holds it. */
export type HeldCopy = { crl: ParsedCrl } | { list: VerifiedList };

/** The bytes `copy` keeps in memory: a CRL its DER and serial table, a status list its inflated
 * bits, an identifier list its identifiers' strings and set entries. */
export function heldBytesOf(copy: HeldCopy): number {
  if ('crl' in copy) return copy.crl.der.byteLength + copy.crl.revoked.byteLength;
  const { list } = copy;
  if (list.kind === 'status_list') return list.lst.byteLength;
  return list.identifiers.size * IDENTIFIER_OVERHEAD_BYTES + 2 * list.identifierBytes;
}
