/**
 * Prometheus metrics through prom-client, one registry per service (tests run several in a process):
 * kakunin's own counters and histogram, under the names they always had, plus prom-client's process
 * metrics (CPU, memory, event-loop lag, GC). Labels are purposes, outcomes, failure codes, route
 * names and the URLs of issuers' revocation lists: never ids or personal data. Values that live
 * elsewhere (the revocation lists' state) are read at scrape time by the metric's collect(), and
 * prom-client writes every line of the text format.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  readonly created = this.counter('kakunin_verifications_created_total', 'Verifications created, by purpose.', ['purpose']);
  readonly verifications = this.counter('kakunin_verifications_total', 'Verifications finished, by purpose and outcome.', ['purpose', 'outcome']);
  readonly failures = this.counter('kakunin_verification_failures_total', 'Failure codes of failed verifications, by purpose and code.', ['purpose', 'code']);
  readonly latency = new Histogram<'purpose'>({
    name: 'kakunin_verification_duration_seconds',
    help: 'Time to open, verify and decide a wallet response, by purpose.',
    labelNames: ['purpose'],
    buckets: BUCKETS,
    registers: [this.registry],
  });
  readonly http = this.counter('kakunin_http_responses_total', 'HTTP responses, by route and status class.', ['route', 'status']);
  readonly connectionsRefused = this.counter(
    'kakunin_connections_refused_total',
    'Connections refused before HTTP, by why: address (the per-address limit), total (no room: idle keep-alive connections were closed).',
    ['why'],
  );
  readonly declines = this.counter('kakunin_declines_total', "Verifications declined, by purpose, way (wallet: a wallet's error response; page: the page's decline) and reason.", [
    'purpose',
    'via',
    'reason',
  ]);
  readonly declineBursts = this.counter(
    'kakunin_decline_bursts_total',
    "Times one API client's verifications were declined 20 times within a minute (someone who sees the QR code may be declining them), by client (its receipt audience).",
    ['client'],
  );
  readonly webhooks = this.counter('kakunin_webhook_deliveries_total', 'Webhook deliveries, by result.', ['result']);
  readonly revocationUnavailableAccepted = this.counter(
    'kakunin_revocation_unavailable_accepted_total',
    'Documents accepted under KAKUNIN_REVOCATION=warn although no current CRL / status list could answer, by purpose.',
    ['purpose'],
  );
  readonly verifierCertificateExpiry = new Gauge({
    name: 'kakunin_verifier_certificate_expiry_timestamp_seconds',
    help: "When the verifier's own certificate (readerAuth, request objects) expires, as a Unix time: alert 30 days before.",
    registers: [this.registry],
  });
  /** A gauge whose samples are read from `read` at each scrape. */
  gaugeReadAtScrape(name: string, help: string, labelNames: readonly string[], read: () => readonly Sample[]): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of read()) this.set(s.labels, s.value);
      },
    });
  }

  /** A counter kept by someone else (the refresher), read from `read` at each scrape. */
  counterReadAtScrape(name: string, help: string, labelNames: readonly string[], read: () => readonly Sample[]): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of read()) this.inc(s.labels, s.value);
      },
    });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
