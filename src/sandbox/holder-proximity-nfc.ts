/**
 * The sandbox wallet as an NFC card: a Type 4 Tag with the engagement (static handover, or
 * negotiated handover through TNEP) and the ISO 18013-5 mdoc application for NFC data transfer.
 * It answers APDUs exactly as a phone held to a PC/SC reader would, so the reader's APDU code runs
 * unchanged against it.
 */
import { decodeCbor } from '../cbor/index.js';
import { AID_MDOC, AID_NDEF, berTlv, FILE_CC, INS, parseBerTlv, type ApduChannel } from '../protocols/proximity/apdu.js';
import { createLoopbackPair, type LoopbackTransport } from '../protocols/proximity/loopback-transport.js';
import { ascii, encodeNdefMessage, parseNdefMessage, record, text, TNF } from '../protocols/proximity/ndef.js';
import { TNEP_HANDOVER_SERVICE } from '../protocols/proximity/type4-tag.js';
import type { HolderSessionReport, SandboxProximityHolder } from './holder-proximity.js';

const FILE_NDEF = 0xe104;
const MAX_NDEF = 0x1000;
const SW = { ok: [0x90, 0x00], notFound: [0x6a, 0x82], wrongParams: [0x6b, 0x00], insNotSupported: [0x6d, 0x00], conditions: [0x69, 0x85] } as const;

export interface SandboxNfcCardOptions {
  /** Offer TNEP negotiated handover instead of a static Handover Select. */
  negotiated?: boolean;
  /** Largest response data per APDU before 61xx / GET RESPONSE. */
  maxResponseData?: number;
  /** Timeout the wallet applies while serving the session. */
  sessionTimeoutMs?: number;
}

/**
 * The holder's phone as an NFC card (ISO/IEC 7816-4 APDUs, an ApduChannel): a Type 4 Tag with the Handover Select (static, or TNEP negotiated handover), then the mdoc application carrying the session in ENVELOPE / GET RESPONSE.
 *
 * @example
 * ```ts
 * import { NfcSessionTransport } from 'kakunin';
 * import { SandboxNfcCard, SandboxProximityHolder, type IssuedMdoc } from 'kakunin/sandbox';
 * declare const card: IssuedMdoc; // issueMdoc(...)
 * const holder = new SandboxProximityHolder({ documents: [card], retrievalMethods: [{ type: 'nfc', maxCommandDataLength: 255, maxResponseDataLength: 256 }] });
 * const phone = new SandboxNfcCard(holder);
 * // SELECT the NDEF application (D2760000850101): the tag answers 90 00
 * const answer = await phone.transmit(Uint8Array.from([0x00, 0xa4, 0x04, 0x00, 0x07, 0xd2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00]));
 * // the reader then reads the Handover Select and runs readMdoc over:
 * const transport = new NfcSessionTransport(phone, { onClose: () => phone.remove() });
 * ```
 */
export class SandboxNfcCard implements ApduChannel {
  private app: 'none' | 'ndef' | 'mdoc' = 'none';
  private file: 'none' | 'cc' | 'ndef' = 'none';
  private ndefFile: Buffer;
  private tnepSelected = false;
  private envelope: Buffer[] = [];
  private pendingResponse: Buffer = Buffer.alloc(0);
  private link: { reader: LoopbackTransport; mdoc: LoopbackTransport } | undefined;
  /** The wallet's session, once the reader selected the mdoc application. */
  served: Promise<HolderSessionReport> | undefined;
  readonly log: string[] = [];

  constructor(
    private readonly holder: SandboxProximityHolder,
    private readonly options: SandboxNfcCardOptions = {},
  ) {
    const initial = options.negotiated ? encodeNdefMessage([record(TNF.wellKnown, 'Tp', serviceParameter())]) : holder.staticHandoverSelect();
    this.ndefFile = withNlen(initial);
  }

  /** The phone is taken away: the session link drops. */
  async remove(): Promise<void> {
    await this.link?.reader.close();
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    if (apdu.length < 4) return Uint8Array.from(SW.wrongParams);
    const [cla, ins, p1, p2] = apdu;
    const lc = apdu.length > 5 ? apdu[4] : 0;
    const data = Buffer.from(apdu.subarray(5, 5 + lc));
    this.log.push(Buffer.from(apdu.subarray(0, 2)).toString('hex'));
    switch (ins) {
      case INS.select:
        return this.select(p1, data);
      case INS.readBinary: {
        if (this.app !== 'ndef' || this.file === 'none') return Uint8Array.from(SW.conditions);
        const src = this.file === 'cc' ? capabilityContainer(!!this.options.negotiated) : this.ndefFile;
        const off = (p1 << 8) | p2;
        const le = apdu.length === 5 ? apdu[4] || 256 : 256;
        return Buffer.concat([src.subarray(off, off + le), Buffer.from(SW.ok)]);
      }
      case INS.updateBinary: {
        if (this.app !== 'ndef' || this.file !== 'ndef' || !this.options.negotiated) return Uint8Array.from(SW.conditions);
        const off = (p1 << 8) | p2;
        if (off + data.length > MAX_NDEF) return Uint8Array.from(SW.wrongParams);
        if (off + data.length > this.ndefFile.length) this.ndefFile = Buffer.concat([this.ndefFile, Buffer.alloc(off + data.length - this.ndefFile.length)]);
        data.copy(this.ndefFile, off);
        if (off === 0 && data.length === 2 && this.ndefFile.readUInt16BE(0) > 0) this.written(this.ndefFile.subarray(2, 2 + this.ndefFile.readUInt16BE(0)));
        return Uint8Array.from(SW.ok);
      }
      case INS.envelope:
        if (this.app !== 'mdoc') return Uint8Array.from(SW.conditions);
        this.envelope.push(data);
        if (cla & 0x10) return Uint8Array.from(SW.ok);
        return this.deliver(Buffer.concat(this.envelope.splice(0)));
      case INS.getResponse:
        return this.respond();
      default:
        return Uint8Array.from(SW.insNotSupported);
    }
  }

  private select(p1: number, data: Buffer): Uint8Array {
    if (p1 === 0x04) {
      if (data.equals(Buffer.from(AID_NDEF))) {
        this.app = 'ndef';
        this.file = 'none';
        return Uint8Array.from(SW.ok);
      }
      if (data.equals(Buffer.from(AID_MDOC))) {
        this.app = 'mdoc';
        if (!this.link) {
          this.link = createLoopbackPair();
          this.served = this.holder.serve(this.link.mdoc, this.options.sessionTimeoutMs ?? 10_000);
        }
        return Uint8Array.from(SW.ok);
      }
      return Uint8Array.from(SW.notFound);
    }
    if (this.app !== 'ndef' || data.length !== 2) return Uint8Array.from(SW.notFound);
    const id = data.readUInt16BE(0);
    this.file = id === FILE_CC ? 'cc' : id === FILE_NDEF ? 'ndef' : 'none';
    return Uint8Array.from(this.file === 'none' ? SW.notFound : SW.ok);
  }

  /** A complete NDEF message the reader wrote (TNEP service select, then the Handover Request). */
  private written(message: Uint8Array): void {
    const records = parseNdefMessage(message);
    const type = text(records[0].type);
    if (type === 'Ts') {
      this.tnepSelected = text(records[0].payload.subarray(1)) === TNEP_HANDOVER_SERVICE;
      this.ndefFile = withNlen(encodeNdefMessage([record(TNF.wellKnown, 'Te', Uint8Array.of(this.tnepSelected ? 0x00 : 0x01))]));
    } else if (type === 'Hr' && this.tnepSelected) {
      this.ndefFile = withNlen(this.holder.negotiatedHandoverSelect(Uint8Array.from(message)));
    }
  }

  private async deliver(payload: Buffer): Promise<Uint8Array> {
    let message: Uint8Array;
    try {
      message = parseBerTlv(payload, 0x53);
    } catch {
      return Uint8Array.from(SW.wrongParams);
    }
    const link = this.link!;
    try {
      await link.reader.send(message);
      // A SessionData carrying only a status (termination) gets no answer.
      const decoded = decodeCbor(message);
      if (decoded instanceof Map && decoded.has('status') && !decoded.has('data')) return Uint8Array.from(SW.ok);
      const answer = await link.reader.receive(60_000);
      this.pendingResponse = Buffer.from(berTlv(0x53, answer));
      return this.respond();
    } catch {
      return Uint8Array.from(SW.conditions);
    }
  }

  private respond(): Uint8Array {
    const max = this.options.maxResponseData ?? 256;
    const part = this.pendingResponse.subarray(0, max);
    this.pendingResponse = this.pendingResponse.subarray(part.length);
    const left = this.pendingResponse.length;
    return Buffer.concat([part, left ? Buffer.of(0x61, left > 255 ? 0 : left) : Buffer.from(SW.ok)]);
  }
}

function withNlen(message: Uint8Array): Buffer {
  const b = Buffer.alloc(2 + message.length);
  b.writeUInt16BE(message.length, 0);
  Buffer.from(message).copy(b, 2);
  return b;
}

/** CC file: mapping version 2.0, MLe/MLc 255, one NDEF file control TLV (read free, write free
 * when negotiated handover needs the reader to write). */
function capabilityContainer(writable: boolean): Buffer {
  const b = Buffer.alloc(15);
  b.writeUInt16BE(15, 0);
  b[2] = 0x20;
  b.writeUInt16BE(0xff, 3);
  b.writeUInt16BE(0xff, 5);
  b[7] = 0x04;
  b[8] = 0x06;
  b.writeUInt16BE(FILE_NDEF, 9);
  b.writeUInt16BE(MAX_NDEF, 11);
  b[13] = 0x00;
  b[14] = writable ? 0x00 : 0xff;
  return b;
}

/** TNEP Service Parameter: version 1.0, the handover service URI, single-response mode, minimal waits. */
function serviceParameter(): Uint8Array {
  const uri = ascii(TNEP_HANDOVER_SERVICE);
  return Buffer.concat([Uint8Array.of(0x10, uri.length), uri, Uint8Array.of(0x00, 0x00, 0x0f, MAX_NDEF >> 8, MAX_NDEF & 0xff)]);
}
