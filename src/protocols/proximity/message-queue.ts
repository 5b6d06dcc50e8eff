/**
 * Whole session messages waiting for the session: a transport hands over what arrives whenever it
 * arrives, the session asks for one message at a time with its own timeout. Shared by the
 * transports whose messages arrive unasked (loopback, BLE); NFC asks the card instead.
 */
import { ProximityError } from './errors.js';

interface Waiter {
  resolve(message: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class MessageQueue {
  private readonly inbox: Uint8Array[] = [];
  private waiter: Waiter | undefined;

  constructor(private readonly name: string) {}

  /** A receive is armed (with its timer): zero after a clean teardown. */
  get waiting(): boolean {
    return this.waiter !== undefined;
  }

  /** To the pending receive, or kept in order for the next one. */
  push(message: Uint8Array): void {
    const w = this.take();
    if (w) w.resolve(message);
    else this.inbox.push(message);
  }

  /** The link is gone: the pending receive rejects now rather than at its timeout. */
  fail(error: Error): void {
    this.take()?.reject(error);
  }

  /** A message that arrived before anyone asked. */
  next(): Uint8Array | undefined {
    return this.inbox.shift();
  }

  /** Waits for the next message; SESSION_TIMEOUT after `timeoutMs`. One receive at a time: a second
   * one would orphan the first one's timer. */
  wait(timeoutMs: number): Promise<Uint8Array> {
    if (this.waiter) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: a receive is already pending`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ProximityError('SESSION_TIMEOUT', `${this.name}: no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  private take(): Waiter | undefined {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      clearTimeout(w.timer);
    }
    return w;
  }
}
