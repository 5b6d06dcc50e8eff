/**
 * One-shot digests. node:crypto's `hash()` (Node 20.12+) skips the Hash object that createHash
 * allocates, which matters when an mdoc carries dozens of small IssuerSignedItems.
 */
import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

export function digest(algorithm: 'sha256' | 'sha384' | 'sha512', data: Uint8Array): Buffer {
  return oneShot ? oneShot(algorithm, data, 'buffer') : crypto.createHash(algorithm).update(data).digest();
}
