/**
 * Reading the engagement from a phone's NFC Type 4 Tag (NFC Forum T4T 1.2, ISO 18013-5 §8.2.2.1).
 * Static handover: select the NDEF application, read the capability container, read the NDEF file,
 * which holds the Handover Select. Negotiated handover (TNEP, NFC Forum Tag NDEF Exchange Protocol):
 * the initial NDEF message offers the service "urn:nfc:sn:handover"; the reader selects it, writes
 * its Handover Request and reads the Handover Select.
 */
import { AID_NDEF, expectOk, FILE_CC, readBinary, selectAid, selectFile, updateBinary, type ApduChannel } from './apdu.js';
import { ProximityError } from './errors.js';
import { ascii, encodeNdefMessage, parseNdefMessage, record, text, TNF } from './ndef.js';

export const TNEP_HANDOVER_SERVICE = 'urn:nfc:sn:handover';

interface CapabilityContainer {
  maxRead: number;
  maxWrite: number;
  ndefFile: number;
  maxNdefSize: number;
}

async function readCapabilityContainer(channel: ApduChannel): Promise<CapabilityContainer> {
  await expectOk(channel, selectFile(FILE_CC), 'SELECT CC file');
  const cc = await expectOk(channel, readBinary(0, 15), 'READ CC');
  if (cc.length < 15 || cc[7] !== 0x04) throw new ProximityError('ENGAGEMENT_INVALID', 'Type 4 Tag capability container without an NDEF file control TLV');
  const b = Buffer.from(cc);
  return { maxRead: Math.min(b.readUInt16BE(3), 255), maxWrite: Math.min(b.readUInt16BE(5), 255), ndefFile: b.readUInt16BE(9), maxNdefSize: b.readUInt16BE(11) };
}

async function readNdefFile(channel: ApduChannel, cc: CapabilityContainer): Promise<Uint8Array> {
  const nlen = Buffer.from(await expectOk(channel, readBinary(0, 2), 'READ NLEN')).readUInt16BE(0);
  if (nlen === 0 || nlen > cc.maxNdefSize - 2) throw new ProximityError('ENGAGEMENT_INVALID', `NDEF file length ${nlen} out of range`);
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < nlen) {
    const part = await expectOk(channel, readBinary(2 + got, Math.min(cc.maxRead, nlen - got)), 'READ NDEF');
    if (part.length === 0) throw new ProximityError('TRANSPORT_FAILED', 'READ BINARY returned no data');
    chunks.push(part);
    got += part.length;
  }
  return Buffer.concat(chunks).subarray(0, nlen);
}

async function writeNdefFile(channel: ApduChannel, cc: CapabilityContainer, message: Uint8Array): Promise<void> {
  // NLEN 0 first, the message, then the real NLEN: a tag never holds a half-written message.
  await expectOk(channel, updateBinary(0, Uint8Array.of(0, 0)), 'UPDATE NLEN');
  for (let off = 0; off < message.length; off += cc.maxWrite) {
    await expectOk(channel, updateBinary(2 + off, message.subarray(off, off + cc.maxWrite)), 'UPDATE NDEF');
  }
  await expectOk(channel, updateBinary(0, Uint8Array.of(message.length >> 8, message.length & 0xff)), 'UPDATE NLEN');
}

async function openNdef(channel: ApduChannel): Promise<CapabilityContainer> {
  await expectOk(channel, selectAid(AID_NDEF), 'SELECT NDEF application');
  const cc = await readCapabilityContainer(channel);
  await expectOk(channel, selectFile(cc.ndefFile), 'SELECT NDEF file');
  return cc;
}

export interface TagEngagement {
  handoverSelect: Uint8Array;
  /** The Handover Request written (negotiated handover), or null (static). */
  handoverRequest: Uint8Array | null;
}

/** TNEP Service Parameter record `Tp`: version, service URI, mode, waiting time, extensions, max size. */
function isHandoverService(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  const n = payload[1];
  return text(payload.subarray(2, 2 + n)) === TNEP_HANDOVER_SERVICE;
}

/** Reads the engagement: negotiated when the tag offers the TNEP handover service and the reader
 * gave a Handover Request, static otherwise. */
export async function readTagEngagement(channel: ApduChannel, handoverRequest?: Uint8Array): Promise<TagEngagement> {
  const cc = await openNdef(channel);
  const initial = await readNdefFile(channel, cc);
  const records = parseNdefMessage(initial);
  if (records[0].tnf === TNF.wellKnown && text(records[0].type) === 'Hs') return { handoverSelect: initial, handoverRequest: null };
  const offersHandover = records.some((r) => r.tnf === TNF.wellKnown && text(r.type) === 'Tp' && isHandoverService(r.payload));
  if (!offersHandover || !handoverRequest) {
    throw new ProximityError('ENGAGEMENT_INVALID', 'the tag holds neither a Handover Select nor the TNEP handover service');
  }
  const service = ascii(TNEP_HANDOVER_SERVICE);
  await writeNdefFile(channel, cc, encodeNdefMessage([record(TNF.wellKnown, 'Ts', Buffer.concat([Uint8Array.of(service.length), service]))]));
  const status = parseNdefMessage(await readNdefFile(channel, cc));
  if (!(status[0].tnf === TNF.wellKnown && text(status[0].type) === 'Te' && status[0].payload[0] === 0x00)) {
    throw new ProximityError('ENGAGEMENT_INVALID', 'the tag refused the TNEP handover service');
  }
  await writeNdefFile(channel, cc, handoverRequest);
  const handoverSelect = await readNdefFile(channel, cc);
  return { handoverSelect, handoverRequest };
}
