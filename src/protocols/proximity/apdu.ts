/**
 * ISO 7816-4 APDUs the in-person flow needs: NFC Forum Type 4 Tag NDEF access (engagement) and the
 * ISO 18013-5 §8.3.3.2 NFC data transfer (ENVELOPE / GET RESPONSE). Short APDUs only: every phone
 * supports them, and chaining covers messages of any size.
 */
import { ProximityError } from './errors.js';
import { KakuninError } from '../../codes/error.js';

/** NFC Forum Type 4 Tag NDEF application. */
export const AID_NDEF = Uint8Array.from(Buffer.from('D2760000850101', 'hex'));
/** ISO 18013-5 mdoc application for NFC data transfer. */
export const AID_MDOC = Uint8Array.from(Buffer.from('A0000002480400', 'hex'));
export const FILE_CC = 0xe103;

export const INS = { select: 0xa4, readBinary: 0xb0, updateBinary: 0xd6, envelope: 0xc3, getResponse: 0xc0 } as const;
export const SW_OK = 0x9000;

/** Anything that can exchange one APDU with the phone: a PC/SC reader, or the sandbox card in tests. */
export interface ApduChannel {
  transmit(command: Uint8Array): Promise<Uint8Array>;
}

export interface ApduResponse {
  data: Uint8Array;
  sw: number;
}

export function splitResponse(raw: Uint8Array): ApduResponse {
  if (raw.length < 2) throw new ProximityError('TRANSPORT_FAILED', 'APDU response shorter than a status word');
  return { data: raw.subarray(0, raw.length - 2), sw: (raw[raw.length - 2] << 8) | raw[raw.length - 1] };
}

export function command(cla: number, ins: number, p1: number, p2: number, data?: Uint8Array, le?: number): Uint8Array {
  const parts = [cla, ins, p1, p2];
  if (data && data.length) {
    if (data.length > 255) throw new KakuninError('INVALID_ARGUMENT', 'short APDU data is at most 255 bytes');
    parts.push(data.length, ...data);
  }
  if (le !== undefined) parts.push(le & 0xff);
  return Uint8Array.from(parts);
}

export const selectAid = (aid: Uint8Array): Uint8Array => command(0x00, INS.select, 0x04, 0x00, aid, 0x00);
export const selectFile = (id: number): Uint8Array => command(0x00, INS.select, 0x00, 0x0c, Uint8Array.of(id >> 8, id & 0xff));
export const readBinary = (offset: number, length: number): Uint8Array => command(0x00, INS.readBinary, offset >> 8, offset & 0xff, undefined, length);
export const updateBinary = (offset: number, data: Uint8Array): Uint8Array => command(0x00, INS.updateBinary, offset >> 8, offset & 0xff, data);
export const getResponse = (le = 0): Uint8Array => command(0x00, INS.getResponse, 0x00, 0x00, undefined, le);

/** Sends a command and requires 9000. */
export async function expectOk(channel: ApduChannel, cmd: Uint8Array, what: string): Promise<Uint8Array> {
  const r = splitResponse(await channel.transmit(cmd));
  if (r.sw !== SW_OK) throw new ProximityError('TRANSPORT_FAILED', `${what}: status word ${r.sw.toString(16).padStart(4, '0')}`);
  return r.data;
}

/** BER-TLV with a one-byte tag: the ENVELOPE payload is DO'53' around the session message. */
export function berTlv(tag: number, value: Uint8Array): Uint8Array {
  const n = value.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.of(tag, ...len), value]);
}

export function parseBerTlv(bytes: Uint8Array, tag: number): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== tag) throw new ProximityError('TRANSPORT_FAILED', `expected BER-TLV tag ${tag.toString(16)}`);
  let pos = 1;
  let n = bytes[pos++];
  if (n & 0x80) {
    const count = n & 0x7f;
    if (count < 1 || count > 3 || pos + count > bytes.length) throw new ProximityError('TRANSPORT_FAILED', 'bad BER-TLV length');
    n = 0;
    for (let i = 0; i < count; i++) n = n * 256 + bytes[pos++];
  }
  if (pos + n !== bytes.length) throw new ProximityError('TRANSPORT_FAILED', 'BER-TLV length does not match the data');
  return bytes.subarray(pos, pos + n);
}
