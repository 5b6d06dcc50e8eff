/**
 * Keeps CRLs and status lists current in the background: every `intervalMs` (plus random jitter,
 * so a fleet of verifiers does not hit an issuer in step) it fetches what is due and hands the
 * bytes to RevocationLists, which verifies them and keeps the last good copy on any failure.
 * Verification never waits on this: it reads whatever copy is held.
 */
import { KakuninError } from '../codes/error.js';
import type { KakuninCode } from '../codes/error-codes.js';
import { fetchTrustMaterial, type FetchPolicy } from './fetch.js';
import { MAX_CRL_BYTES } from '../trust/crl.js';
import type { RevocationListTarget, RevocationLists } from '../trust/revocation-lists.js';
import { MAX_LIST_BYTES } from '../trust/status-list.js';

export interface RefresherOptions {
  lists: RevocationLists;
  /** The service clock (trust/ never reads the time itself). */
  now: () => Date;
  intervalMs: number;
  /** Fraction of the interval added at random, 0..1. Default 0.1. */
  jitter?: number;
  fetchPolicy?: FetchPolicy;
  /** Replaceable for tests; defaults to the SSRF-guarded fetch. */
  fetch?: (url: string) => Promise<Uint8Array>;
  random?: () => number;
  /** Called after each list attempt (for logs: URL, outcome, code; no personal data exists here). */
  onResult?: (r: RefreshResult) => void;
  /** Called once a round has ended, with every attempt it made (for one summary line per round). */
  onRound?: (results: RefreshResult[]) => void;
}

export interface RefreshResult {
  url: string;
  kind: string;
  ok: boolean;
  code?: KakuninCode;
  message?: string;
}

const NUDGE_DELAY_MS = 1000;
const FETCHES_AT_ONCE = 4;

/**
 * A pause for work done in slices (RevocationLists.acceptAsync): it lets the event loop run (timers,
 * sockets, other requests) once the work since its last yield has taken `sliceMs`, and otherwise
 * returns at once, so that small slices cost nothing and no slice run holds the loop for long.
 */
export function eventLoopPause(sliceMs = 5): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

export class TrustRefresher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<RefreshResult[]>;
  private stopped = true;
  private nudged = false;
  /** Completed rounds, for metrics. */
  rounds = 0;
  lastRoundAt?: Date;

  constructor(private readonly options: RefresherOptions) {}

  private fetchBytes(target: RevocationListTarget): Promise<Uint8Array> {
    if (this.options.fetch) return this.options.fetch(target.url);
    // Each kind up to the size its reader accepts, unless the policy sets a limit.
    const maxBytes = this.options.fetchPolicy?.maxBytes ?? (target.kind === 'crl' ? MAX_CRL_BYTES : MAX_LIST_BYTES);
    return fetchTrustMaterial(target.url, { ...this.options.fetchPolicy, maxBytes }).then((r) => r.body);
  }

  private async one(target: RevocationListTarget): Promise<RefreshResult> {
    const { lists, now } = this.options;
    try {
      const bytes = await this.fetchBytes(target);
      // Verified in slices, never holding the event loop for the whole list (a CRL can list a million).
      await lists.acceptAsync(target, bytes, now(), eventLoopPause());
      return { url: target.url, kind: target.kind, ok: true };
    } catch (e) {
      const code = e instanceof KakuninError ? e.code : 'FETCH_FAILED';
      lists.fail(target, e instanceof KakuninError ? e : new KakuninError(code, (e as Error).message), now());
      return { url: target.url, kind: target.kind, ok: false, code, message: (e as Error).message };
    }
  }

  /** Fetches everything due now. Concurrent calls share one round. */
  refreshOnce(): Promise<RefreshResult[]> {
    if (this.running) return this.running;
    const round = this.round();
    this.running = round;
    // Cleared once settled, and only after the assignment above: a round with nothing due settles
    // at once, and clearing from inside it would leave a stale promise that every later call reused.
    const clear = () => {
      if (this.running === round) this.running = undefined;
    };
    round.then(clear, clear);
    return round;
  }

  private async round(): Promise<RefreshResult[]> {
    const due = this.options.lists.due(this.options.now());
    const results = new Array<RefreshResult>(due.length);
    // A few at a time: enough to keep up, not enough to look like a flood to an issuer. Each of the
    // four takes the next list as soon as its own is done, so a slow list (a fetch may take up to its
    // ceiling, 120 s by default) holds one slot, not three idle ones beside it.
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const i = next++;
        results[i] = await this.one(due[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCHES_AT_ONCE, due.length) }, worker));
    for (const r of results) this.options.onResult?.(r);
    if (results.length) this.options.onRound?.(results);
    this.rounds++;
    this.lastRoundAt = this.options.now();
    return results;
  }

  /** Delay before the next round: the interval plus up to `jitter` of it. */
  nextDelay(): number {
    const j = Math.min(Math.max(this.options.jitter ?? 0.1, 0), 1);
    return Math.round(this.options.intervalMs * (1 + j * (this.options.random ?? Math.random)()));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop();
  }

  private loop(): void {
    if (this.stopped) return;
    this.timer = undefined;
    this.nudged = false;
    this.refreshOnce()
      .catch(() => undefined)
      .finally(() => this.schedule(this.nudged ? NUDGE_DELAY_MS : this.nextDelay()));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.loop(), delayMs);
    this.timer.unref();
  }

  /**
   * A list was just asked for on the hot path: fetch it in a second rather than at the next
   * interval, so that only the first verification that needs it goes without.
   */
  nudge(): void {
    if (this.stopped || this.nudged) return;
    this.nudged = true;
    // A round under way picks the nudge up when it ends (see loop).
    if (!this.running) this.schedule(NUDGE_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
