/**
 * In-process transport: two connected ends, for tests and the sandbox demo. Closing one end is the
 * phone walking away: the other end's pending and later receives fail with TRANSPORT_FAILED.
 */
import { ProximityError } from './errors.js';
import type { SessionTransport } from './transport.js';

interface Waiter {
  resolve(message: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class LoopbackEnd implements SessionTransport {
  peer!: LoopbackEnd;
  private readonly inbox: Uint8Array[] = [];
  private waiter: Waiter | undefined;
  private isClosed = false;
  /** Every message this end sent, for tests that replay or inspect traffic. */
  readonly sent: Uint8Array[] = [];

  constructor(readonly name: string) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Timers still armed on this end: zero after a clean teardown. */
  get pendingReceives(): number {
    return this.waiter ? 1 : 0;
  }

  async send(message: Uint8Array): Promise<void> {
    if (this.isClosed) throw new ProximityError('TRANSPORT_FAILED', `${this.name}: send on a closed transport`);
    if (this.peer.isClosed) throw new ProximityError('TRANSPORT_FAILED', `${this.name}: the other side has gone away`);
    this.sent.push(message);
    this.peer.deliver(Uint8Array.from(message));
  }

  private deliver(message: Uint8Array): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(message);
    } else this.inbox.push(message);
  }

  receive(timeoutMs: number): Promise<Uint8Array> {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift()!);
    if (this.isClosed) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: receive on a closed transport`));
    if (this.peer.isClosed) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: the other side has gone away`));
    if (this.waiter) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: a receive is already pending`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ProximityError('SESSION_TIMEOUT', `${this.name}: no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  private fail(error: Error): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.fail(new ProximityError('TRANSPORT_FAILED', `${this.name}: closed`));
    this.peer.fail(new ProximityError('TRANSPORT_FAILED', `${this.peer.name}: the other side has gone away`));
  }
}

export type LoopbackTransport = LoopbackEnd;

/** Two connected ends: give `reader` to the reader session and `mdoc` to the sandbox wallet. */
export function createLoopbackPair(): { reader: LoopbackTransport; mdoc: LoopbackTransport } {
  const reader = new LoopbackEnd('loopback-reader');
  const mdoc = new LoopbackEnd('loopback-mdoc');
  reader.peer = mdoc;
  mdoc.peer = reader;
  return { reader, mdoc };
}
