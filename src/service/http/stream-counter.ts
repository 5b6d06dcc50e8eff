/**
 * Open event streams of this process, counted by verification and by client: each holds a socket, a
 * listener and (with Redis) a subscription, so none may be opened without a limit.
 */
import { ServiceError } from '../errors.js';

export const STREAM_LIMITS = { perVerification: 4, perClient: 32, total: 2000 };

/** Open streams of this process, counted by verification and by client. */
export class StreamCounter {
  private readonly byVerification = new Map<string, number>();
  private readonly byClient = new Map<string, number>();
  total = 0;

  constructor(readonly limits = STREAM_LIMITS) {}

  /** Takes a slot or throws 429/503; the returned function gives it back (once). */
  acquire(verification: string, client: string): () => void {
    if (this.total >= this.limits.total) throw new ServiceError('SERVER_BUSY', 'too many event streams are open; try again shortly');
    if ((this.byVerification.get(verification) ?? 0) >= this.limits.perVerification) {
      throw new ServiceError('TOO_MANY_STREAMS', `at most ${this.limits.perVerification} event streams per verification`);
    }
    if ((this.byClient.get(client) ?? 0) >= this.limits.perClient) throw new ServiceError('TOO_MANY_STREAMS', `at most ${this.limits.perClient} event streams per client`);
    const bump = (map: Map<string, number>, key: string, by: number) => {
      const n = (map.get(key) ?? 0) + by;
      if (n > 0) map.set(key, n);
      else map.delete(key);
    };
    bump(this.byVerification, verification, 1);
    bump(this.byClient, client, 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.byVerification, verification, -1);
      bump(this.byClient, client, -1);
      this.total--;
    };
  }
}
