/**
 * PC/SC readers (a USB NFC reader at the counter) through a pcsclite binding, an optional
 * dependency. waitForCard() resolves with an ApduChannel once a phone is held to the reader.
 */
import type { ApduChannel } from '../../protocols/proximity/apdu.js';
import { ProximityError } from '../../protocols/proximity/errors.js';
import { importOptional } from './optional-module.js';

interface PcscReader {
  name: string;
  state: number;
  SCARD_STATE_PRESENT: number;
  SCARD_SHARE_SHARED: number;
  SCARD_LEAVE_CARD: number;
  on(event: 'status', cb: (status: { state: number }) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  connect(options: { share_mode: number }, cb: (err: Error | null, protocol: number) => void): void;
  transmit(data: Buffer, maxResponse: number, protocol: number, cb: (err: Error | null, data: Buffer) => void): void;
  disconnect(disposition: number, cb: (err: Error | null) => void): void;
  close(): void;
}
interface Pcsc {
  on(event: 'reader', cb: (reader: PcscReader) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): void;
}

export const PCSC_INSTALL =
  'For NFC install a PC/SC binding: `npm install @pokusew/pcsclite` (Debian/Ubuntu: `apt-get install pcscd libpcsclite-dev`, then plug in a PC/SC NFC reader such as an ACR122U or ACR1252U).';

export interface CardConnection {
  channel: ApduChannel;
  readerName: string;
  /** Disconnects the card and closes PC/SC. Idempotent. */
  release(): Promise<void>;
}

const DEFAULT_MODULES = ['@pokusew/pcsclite', 'pcsclite'];

/** Loads the PC/SC binding without touching a reader: TRANSPORT_UNAVAILABLE naming what to install
 * when there is none, so a counter PC learns it at start-up, not at the first tap. */
export async function probePcsc(modules?: string[]): Promise<void> {
  await importOptional<unknown>(modules ?? DEFAULT_MODULES, 'NFC through a PC/SC reader', PCSC_INSTALL);
}

export async function waitForCard(options: { timeoutMs: number; signal?: AbortSignal; /** Packages to try; default @pokusew/pcsclite, then pcsclite. */ modules?: string[] }): Promise<CardConnection> {
  const factory = await importOptional<() => Pcsc>(options.modules ?? DEFAULT_MODULES, 'NFC through a PC/SC reader', PCSC_INSTALL);
  const pcsc = factory();
  let released = false;
  const closeAll = (): void => {
    if (released) return;
    released = true;
    pcsc.close();
  };
  return new Promise<CardConnection>((resolve, reject) => {
    const fail = (e: Error): void => {
      clearTimeout(timer);
      closeAll();
      reject(e);
    };
    const timer = setTimeout(() => fail(new ProximityError('SESSION_TIMEOUT', `nfc: no phone held to a PC/SC reader within ${options.timeoutMs} ms`)), options.timeoutMs);
    options.signal?.addEventListener('abort', () => fail(new ProximityError('SESSION_TERMINATED', 'nfc: cancelled')), { once: true });
    pcsc.on('error', (e) => fail(new ProximityError('TRANSPORT_UNAVAILABLE', `nfc: PC/SC error: ${e.message}. ${PCSC_INSTALL}`)));
    pcsc.on('reader', (reader) => {
      reader.on('error', () => undefined);
      reader.on('status', (status) => {
        const arrived = (status.state & reader.SCARD_STATE_PRESENT) !== 0 && (reader.state & reader.SCARD_STATE_PRESENT) === 0;
        if (!arrived || released) return;
        reader.connect({ share_mode: reader.SCARD_SHARE_SHARED }, (err, protocol) => {
          if (err) return fail(new ProximityError('TRANSPORT_FAILED', `nfc: ${err.message}`));
          clearTimeout(timer);
          const channel: ApduChannel = {
            transmit: (data) =>
              new Promise((res, rej) =>
                reader.transmit(Buffer.from(data), 65538, protocol, (e, out) => (e ? rej(new ProximityError('TRANSPORT_FAILED', `nfc: ${e.message}`)) : res(new Uint8Array(out)))),
              ),
          };
          resolve({
            channel,
            readerName: reader.name,
            release: () =>
              new Promise<void>((res) => {
                if (released) return res();
                reader.disconnect(reader.SCARD_LEAVE_CARD, () => {
                  closeAll();
                  res();
                });
              }),
          });
        });
      });
    });
  });
}
