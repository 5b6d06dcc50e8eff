/**
 * NDEF messages (NFC Forum NDEF 1.0): the container for NFC engagement. Only what handover needs:
 * short and normal records, IDs, no chunking (ISO 18013-5 handover messages are never chunked).
 */
import { ProximityError } from './errors.js';

export const TNF = { empty: 0, wellKnown: 1, mime: 2, uri: 3, external: 4, unknown: 5, unchanged: 6 } as const;

export interface NdefRecord {
  tnf: number;
  type: Uint8Array;
  id: Uint8Array;
  payload: Uint8Array;
}

const MB = 0x80;
const ME = 0x40;
const CF = 0x20;
const SR = 0x10;
const IL = 0x08;

function invalid(message: string): never {
  throw new ProximityError('ENGAGEMENT_INVALID', `NDEF: ${message}`);
}

export const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Parses a whole NDEF message; the first record must carry MB, the last ME, nothing may follow. */
export function parseNdefMessage(bytes: Uint8Array): NdefRecord[] {
  const records: NdefRecord[] = [];
  let pos = 0;
  const need = (n: number): void => {
    if (n > bytes.length - pos) invalid('message truncated');
  };
  for (;;) {
    need(2);
    const flags = bytes[pos];
    const typeLength = bytes[pos + 1];
    pos += 2;
    if (records.length === 0 && !(flags & MB)) invalid('first record lacks the MB flag');
    if (records.length > 0 && flags & MB) invalid('MB flag on a later record');
    if (flags & CF) invalid('chunked records are not supported');
    let payloadLength: number;
    if (flags & SR) {
      need(1);
      payloadLength = bytes[pos++];
    } else {
      need(4);
      payloadLength = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0);
      pos += 4;
    }
    let idLength = 0;
    if (flags & IL) {
      need(1);
      idLength = bytes[pos++];
    }
    need(typeLength + idLength + payloadLength);
    const type = bytes.subarray(pos, pos + typeLength);
    pos += typeLength;
    const id = bytes.subarray(pos, pos + idLength);
    pos += idLength;
    const payload = bytes.subarray(pos, pos + payloadLength);
    pos += payloadLength;
    records.push({ tnf: flags & 0x07, type, id, payload });
    if (flags & ME) break;
    if (records.length > 256) invalid('too many records');
  }
  if (pos !== bytes.length) invalid(`${bytes.length - pos} bytes after the last record`);
  return records;
}

export function encodeNdefMessage(records: NdefRecord[]): Uint8Array {
  const parts: Uint8Array[] = [];
  records.forEach((r, i) => {
    const short = r.payload.length < 256;
    let flags = r.tnf & 0x07;
    if (i === 0) flags |= MB;
    if (i === records.length - 1) flags |= ME;
    if (short) flags |= SR;
    if (r.id.length) flags |= IL;
    const head = [flags, r.type.length];
    if (short) head.push(r.payload.length);
    else head.push((r.payload.length >>> 24) & 0xff, (r.payload.length >> 16) & 0xff, (r.payload.length >> 8) & 0xff, r.payload.length & 0xff);
    if (r.id.length) head.push(r.id.length);
    parts.push(Uint8Array.from(head), r.type, r.id, r.payload);
  });
  return Buffer.concat(parts);
}

export function record(tnf: number, type: string, payload: Uint8Array, id = ''): NdefRecord {
  return { tnf, type: ascii(type), id: ascii(id), payload };
}
