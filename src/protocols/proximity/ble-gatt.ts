/**
 * ISO 18013-5 §8.3.3.1.1 BLE: the GATT service the session runs over, and the message framing both
 * BLE modes share. Each characteristic write or notification carries one chunk: a first byte 0x01
 * ("more follows") or 0x00 ("last chunk"), then at most MTU - 4 bytes of the message.
 */
import { hkdfSync } from 'node:crypto';
import type { EncodedCbor } from '../../cbor/index.js';
import { ProximityError } from './errors.js';
import { MessageQueue } from './message-queue.js';
import type { SessionTransport } from './transport.js';
import { KakuninError } from '../../codes/error.js';

const BASE = '-a123-48ce-896b-4c76973373e6';
/** mdoc central client mode: the reader is the GATT server (Apple, Google, Samsung). */
export const READER_GATT = {
  state: `00000005${BASE}`,
  client2server: `00000006${BASE}`,
  server2client: `00000007${BASE}`,
  ident: `00000008${BASE}`,
  l2cap: `0000000b${BASE}`,
} as const;
/** mdoc peripheral server mode: the mdoc is the GATT server. */
export const MDOC_GATT = {
  state: `00000001${BASE}`,
  client2server: `00000002${BASE}`,
  server2client: `00000003${BASE}`,
  l2cap: `0000000a${BASE}`,
} as const;

/** State characteristic values. */
export const BLE_STATE = { start: 0x01, end: 0x02 } as const;

/** Ident characteristic = HKDF-SHA256(EDeviceKeyBytes, no salt, "BLEIdent", 16): the mdoc reads it to
 * check it connected to the reader that saw its engagement. EDeviceKeyBytes is the tag 24 item. */
export function bleIdent(eDeviceKeyBytes: EncodedCbor): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', eDeviceKeyBytes.tagged, new Uint8Array(0), Buffer.from('BLEIdent', 'ascii'), 16));
}

/** Splits a message into chunks for an ATT MTU (3 bytes ATT header, 1 byte chunk header). */
export function bleChunks(message: Uint8Array, mtu: number): Uint8Array[] {
  const size = mtu - 4;
  if (size < 1) throw new KakuninError('INVALID_ARGUMENT', `MTU ${mtu} too small`);
  const out: Uint8Array[] = [];
  for (let off = 0; off < message.length || out.length === 0; off += size) {
    const part = message.subarray(off, off + size);
    const more = off + size < message.length;
    out.push(Buffer.concat([Uint8Array.of(more ? 0x01 : 0x00), part]));
  }
  return out;
}

/** A SessionTransport over one GATT characteristic each way. The adapters (bleno, noble) give it a
 * function that writes or notifies one chunk, and feed it the chunks they receive. */
export class GattMessageTransport implements SessionTransport {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly queue: MessageQueue;
  private isClosed = false;
  private failure: Error | undefined;

  constructor(
    readonly name: string,
    private readonly io: {
      writeChunk(chunk: Uint8Array): Promise<void>;
      mtu(): number;
      /** Signals the end (State 0x02) and releases the radio. */
      teardown(): Promise<void>;
      maxMessageBytes?: number;
    },
  ) {
    this.queue = new MessageQueue(name);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Called by the adapter for every chunk that arrives. */
  onChunk(chunk: Uint8Array): void {
    if (this.isClosed || chunk.length === 0) return;
    if (chunk[0] !== 0x00 && chunk[0] !== 0x01) return this.onLinkLost(new ProximityError('TRANSPORT_FAILED', `${this.name}: bad chunk header ${chunk[0]}`));
    this.parts.push(chunk.subarray(1));
    this.size += chunk.length - 1;
    if (this.size > (this.io.maxMessageBytes ?? 16 * 1024 * 1024)) return this.onLinkLost(new ProximityError('TRANSPORT_FAILED', `${this.name}: message too large`));
    if (chunk[0] === 0x00) {
      const message = new Uint8Array(Buffer.concat(this.parts));
      this.parts = [];
      this.size = 0;
      this.queue.push(message);
    }
  }

  /** Called by the adapter when the mdoc writes State 0x02 or disconnects. */
  onLinkLost(error: Error = new ProximityError('TRANSPORT_FAILED', `${this.name}: the mdoc disconnected`)): void {
    this.failure ??= error;
    this.queue.fail(error);
  }

  async send(message: Uint8Array): Promise<void> {
    if (this.isClosed || this.failure) throw this.failure ?? new ProximityError('TRANSPORT_FAILED', `${this.name}: closed`);
    for (const chunk of bleChunks(message, this.io.mtu())) await this.io.writeChunk(chunk);
  }

  receive(timeoutMs: number): Promise<Uint8Array> {
    const queued = this.queue.next();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    if (this.isClosed) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: closed`));
    return this.queue.wait(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.onLinkLost(new ProximityError('TRANSPORT_FAILED', `${this.name}: closed`));
    await this.io.teardown();
  }
}
