/**
 * Waiting at the counter for the phone: a QR typed in by a USB scanner (or pasted) on stdin, or an
 * NFC tap on a PC/SC reader, whichever comes first. A missing NFC library or reader is reported
 * once and the QR path keeps working.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { buildHandoverRequest, parseNfcEngagement, parseQrEngagement, ProximityError, readTagEngagement, type Engagement } from '../protocols/proximity/index.js';
import { probePcsc, waitForCard, type CardConnection } from '../runtime/proximity/pcsc.js';

export interface WaitedEngagement {
  engagement: Engagement;
  source: 'qr' | 'nfc';
  /** The card the phone was tapped on, still connected (NFC data transfer can continue on it). */
  card?: CardConnection;
}

export interface EngagementSources {
  stdin?: Readable;
  nfc: boolean;
  timeoutMs: number;
  /** PC/SC packages to try (tests point this at a package that does not exist). */
  pcscModules?: string[];
  notice(message: string): void;
}

/** The Handover Request the reader offers in negotiated handover: BLE central client and NFC. */
export const READER_HANDOVER_REQUEST_METHODS = [
  { type: 'ble' as const, centralClientMode: true, peripheralServerMode: true },
  { type: 'nfc' as const, maxCommandDataLength: 255, maxResponseDataLength: 256 },
];

export async function waitForEngagement(sources: EngagementSources): Promise<WaitedEngagement> {
  let nfc = sources.nfc;
  if (nfc && sources.stdin) {
    // Without a PC/SC binding the QR path still serves the counter: say so once, up front.
    try {
      await probePcsc(sources.pcscModules);
    } catch (e) {
      if (!(e instanceof ProximityError && e.code === 'TRANSPORT_UNAVAILABLE')) throw e;
      sources.notice(e.message);
      nfc = false;
    }
  }
  const abort = new AbortController();
  const attempts: Promise<WaitedEngagement>[] = [];
  let rl: ReturnType<typeof createInterface> | undefined;
  let timer: NodeJS.Timeout | undefined;

  if (sources.stdin) {
    const input = sources.stdin;
    rl = createInterface({ input, terminal: false });
    const lines = rl;
    attempts.push(
      new Promise<WaitedEngagement>((resolve, reject) => {
        lines.on('line', (line) => {
          const text = line.trim();
          if (!text) return;
          try {
            resolve({ engagement: parseQrEngagement(text), source: 'qr' });
          } catch (e) {
            // A misread scan: say so and keep waiting for the next one.
            sources.notice(`not an mdoc QR code (${(e as Error).message}); scan again`);
          }
        });
        lines.on('close', () => reject(new ProximityError('SESSION_TERMINATED', 'input closed before an mdoc: QR code was read')));
      }),
    );
  }
  if (nfc) {
    attempts.push(
      (async () => {
        const card = await waitForCard({ timeoutMs: sources.timeoutMs, signal: abort.signal, modules: sources.pcscModules });
        try {
          const handoverRequest = buildHandoverRequest(READER_HANDOVER_REQUEST_METHODS);
          const tag = await readTagEngagement(card.channel, handoverRequest);
          return { engagement: parseNfcEngagement(tag.handoverSelect, tag.handoverRequest), source: 'nfc' as const, card };
        } catch (e) {
          await card.release();
          throw e;
        }
      })(),
    );
  }
  if (attempts.length === 0) throw new ProximityError('TRANSPORT_UNAVAILABLE', 'nothing to wait on: no QR input and NFC is off');
  attempts.push(
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProximityError('SESSION_TIMEOUT', `no phone within ${sources.timeoutMs} ms`)), sources.timeoutMs);
    }),
  );
  try {
    return await Promise.race(attempts);
  } finally {
    clearTimeout(timer);
    abort.abort();
    rl?.close();
  }
}
