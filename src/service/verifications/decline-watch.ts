/**
 * Declines in bursts. Anyone who sees a counter's QR code can decline its verifications
 * (docs/security.md, "Declines"), and a decline wins every race: one client's verifications declined
 * many times within a minute is what such an attack looks like from here. Counted per API client (its
 * receipt audience: a keyed name, no personal data, one per API key) in this process; the metric sums
 * over instances.
 */

/** Declines within the window that make a burst, and the window. */
export const DECLINE_BURST = { threshold: 20, windowMs: 60_000 } as const;

export class DeclineWatch {
  private readonly recent = new Map<string, number[]>();
  /** When each client's last burst was reported: one report per window, not one per decline. */
  private readonly reported = new Map<string, number>();

  constructor(private readonly burst: { threshold: number; windowMs: number } = DECLINE_BURST) {}

  /** Records a decline of `client`'s verification at `at` (ms); the count in the window when this one makes a new burst. */
  record(client: string, at: number): number | undefined {
    const since = at - this.burst.windowMs;
    const times = (this.recent.get(client) ?? []).filter((t) => t > since);
    times.push(at);
    // Bounded: never more than a burst's worth per client, and clients are as many as API keys.
    if (times.length > this.burst.threshold) times.splice(0, times.length - this.burst.threshold);
    this.recent.set(client, times);
    if (times.length < this.burst.threshold) return undefined;
    if ((this.reported.get(client) ?? -Infinity) > since) return undefined;
    this.reported.set(client, at);
    return times.length;
  }
}
