/**
 * In-process transport: two connected ends, for tests and the sandbox demo. Closing one end is the
 * phone walking away: the other end's pending and later receives fail with TRANSPORT_FAILED.
 */
import { ProximityError } from './errors.js';
import { MessageQueue } from './message-queue.js';
import type { SessionTransport } from './transport.js';

class LoopbackEnd implements SessionTransport {
  peer!: LoopbackEnd;
  private readonly queue: MessageQueue;
  private isClosed = false;
  /** Every message this end sent, for tests that replay or inspect traffic. */
  readonly sent: Uint8Array[] = [];

  constructor(readonly name: string) {
    this.queue = new MessageQueue(name);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Timers still armed on this end: zero after a clean teardown. */
  get pendingReceives(): number {
    return this.queue.waiting ? 1 : 0;
  }

  async send(message: Uint8Array): Promise<void> {
    if (this.isClosed) throw new ProximityError('TRANSPORT_FAILED', `${this.name}: send on a closed transport`);
    if (this.peer.isClosed) throw new ProximityError('TRANSPORT_FAILED', `${this.name}: the other side has gone away`);
    this.sent.push(message);
    this.peer.queue.push(Uint8Array.from(message));
  }

  receive(timeoutMs: number): Promise<Uint8Array> {
    const queued = this.queue.next();
    if (queued) return Promise.resolve(queued);
    if (this.isClosed) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: receive on a closed transport`));
    if (this.peer.isClosed) return Promise.reject(new ProximityError('TRANSPORT_FAILED', `${this.name}: the other side has gone away`));
    return this.queue.wait(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.fail(new ProximityError('TRANSPORT_FAILED', `${this.name}: closed`));
    this.peer.queue.fail(new ProximityError('TRANSPORT_FAILED', `${this.peer.name}: the other side has gone away`));
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
