/**
 * Prometheus text exposition, written by hand: a few counters and one histogram do not need a
 * library. Labels are purposes, outcomes, failure codes, route names and the URLs of issuers'
 * revocation lists: never ids or personal data. Values that live elsewhere (the revocation lists'
 * state) are read at scrape time by collectors.
 */

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Record<string, string>, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, v] of this.values) lines.push(`${this.name}${labels} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number; labels: Record<string, string> }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Record<string, string>, seconds: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0, labels };
      this.series.set(key, s);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.buckets[i] += 1;
    });
    s.sum += seconds;
    s.count += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.buckets[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** A gauge whose samples are computed at scrape time. */
export function renderGauge(name: string, help: string, samples: readonly Sample[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map((s) => `${name}${labelText(s.labels)} ${s.value}`)].join('\n');
}

/** A counter kept by someone else (the refresher), rendered at scrape time. */
export function renderCounter(name: string, help: string, samples: readonly Sample[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...samples.map((s) => `${name}${labelText(s.labels)} ${s.value}`)].join('\n');
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  readonly verifications = new Counter('kakunin_verifications_total', 'Verifications finished, by purpose and outcome.');
  readonly failures = new Counter('kakunin_verification_failures_total', 'Failure codes of failed verifications, by purpose and code.');
  readonly created = new Counter('kakunin_verifications_created_total', 'Verifications created, by purpose.');
  readonly latency = new Histogram('kakunin_verification_duration_seconds', 'Time to open, verify and decide a wallet response, by purpose.');
  readonly http = new Counter('kakunin_http_responses_total', 'HTTP responses, by route and status class.');
  readonly webhooks = new Counter('kakunin_webhook_deliveries_total', 'Webhook deliveries, by result.');
  readonly revocationUnavailableAccepted = new Counter(
    'kakunin_revocation_unavailable_accepted_total',
    'Documents accepted under KAKUNIN_REVOCATION=warn although no current CRL / status list could answer, by purpose.',
  );
  /** Rendered after the counters above, at each scrape. */
  readonly collectors: (() => string)[] = [];

  render(): string {
    const own = [this.created, this.verifications, this.failures, this.latency, this.http, this.webhooks, this.revocationUnavailableAccepted].map((m) => m.render());
    return [...own, ...this.collectors.map((c) => c())].join('\n') + '\n';
  }
}
