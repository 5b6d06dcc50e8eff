/**
 * NFC data transfer (ISO 18013-5 §8.3.3.2): after SELECT of the mdoc application, each session
 * message goes out in ENVELOPE commands (DO'53' around the message, command chaining with CLA 0x10
 * when it does not fit one APDU); the mdoc's message comes back in the response, continued with
 * GET RESPONSE while the status word is 61xx.
 */
import { AID_MDOC, berTlv, command, expectOk, getResponse, INS, parseBerTlv, selectAid, splitResponse, SW_OK, type ApduChannel } from './apdu.js';
import { ProximityError } from './errors.js';
import type { SessionTransport } from './transport.js';

/**
 * ISO 18013-5 session messages over NFC (ENVELOPE / GET RESPONSE on a card connection from PC/SC).
 *
 * @example
 * ```ts
 * import { NfcSessionTransport, parseNfcEngagement, readMdoc, type ApduChannel, type ItemsRequest, type TrustStore } from 'kakunin';
 * declare const channel: ApduChannel; // APDUs to the phone held to the reader (PC/SC)
 * declare const handoverSelect: Uint8Array; // read from the phone's NDEF file over the same channel
 * declare const itemsRequest: ItemsRequest; // buildItemsRequest(doc)
 * declare const trust: TrustStore;
 * const transport = new NfcSessionTransport(channel);
 * const engagement = parseNfcEngagement(handoverSelect, null);
 * const { result } = await readMdoc({ engagement, transport, timeoutMs: 10_000, requests: [itemsRequest], verify: { trust, at: new Date() } });
 * ```
 */
export class NfcSessionTransport implements SessionTransport {
  readonly name = 'nfc';
  private answer: Promise<Uint8Array | null> | undefined;
  private isClosed = false;
  private selected = false;

  constructor(
    private readonly channel: ApduChannel,
    private readonly options: { maxCommandData?: number; onClose?: () => Promise<void> | void } = {},
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  async send(message: Uint8Array): Promise<void> {
    if (this.isClosed) throw new ProximityError('TRANSPORT_FAILED', 'nfc: send on a closed transport');
    if (!this.selected) {
      await expectOk(this.channel, selectAid(AID_MDOC), 'SELECT mdoc application');
      this.selected = true;
    }
    const payload = berTlv(0x53, message);
    const max = Math.min(this.options.maxCommandData ?? 255, 255);
    for (let off = 0; off + max < payload.length; off += max) {
      await expectOk(this.channel, command(0x10, INS.envelope, 0, 0, payload.subarray(off, off + max), 0x00), 'ENVELOPE (chained)');
    }
    const last = payload.subarray(Math.floor((payload.length - 1) / max) * max);
    this.answer = this.exchange(command(0x00, INS.envelope, 0, 0, last, 0x00));
    // The answer is awaited by receive(); a failure must not surface as an unhandled rejection first.
    this.answer.catch(() => undefined);
  }

  private async exchange(cmd: Uint8Array): Promise<Uint8Array | null> {
    let r = splitResponse(await this.channel.transmit(cmd));
    const chunks: Uint8Array[] = [r.data];
    while (r.sw >> 8 === 0x61) {
      r = splitResponse(await this.channel.transmit(getResponse(r.sw & 0xff)));
      chunks.push(r.data);
    }
    if (r.sw !== SW_OK) throw new ProximityError('TRANSPORT_FAILED', `nfc: ENVELOPE status word ${r.sw.toString(16).padStart(4, '0')}`);
    const all = Buffer.concat(chunks);
    return all.length ? parseBerTlv(all, 0x53) : null;
  }

  async receive(timeoutMs: number): Promise<Uint8Array> {
    const pending = this.answer;
    this.answer = undefined;
    if (!pending) throw new ProximityError('TRANSPORT_FAILED', 'nfc: nothing sent to answer');
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ProximityError('SESSION_TIMEOUT', `nfc: no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      if (!result) throw new ProximityError('TRANSPORT_FAILED', 'nfc: the mdoc answered with no data');
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.options.onClose?.();
  }
}
