/**
 * Revocation in the service: one RevocationLists (the checker every verification is given), one
 * TrustRefresher that keeps it current in the background, and the on-disk cache of last good
 * copies. Built at start, started after the port opens, stopped on shutdown. The hot path only
 * reads what is held; a list it learns of (a status list URI in an MSO) nudges the refresher.
 *
 * Modes (KAKUNIN_REVOCATION): `fail` (default in serve) fails a document when no current list can
 * answer (STATUS_UNAVAILABLE); `warn` (default in sandbox/demo) lets such a document through,
 * counted and logged, with the check still reported as not run; `off` checks nothing (the
 * revocation checks are then absent from results).
 */
import { RevocationCache } from '../../runtime/revocation-cache.js';
import { RevocationLists, type RevocationListTarget } from '../../trust/revocation-lists.js';
import { eventLoopPause, TrustRefresher, type RefreshResult } from '../../runtime/refresher.js';
import type { TrustStore } from '../../trust/store.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export type RevocationMode = 'fail' | 'warn' | 'off';

export interface ServiceRevocationOptions {
  mode: Exclude<RevocationMode, 'off'>;
  /** The full trust store: CRL issuers and status-list signers are checked against it. */
  trust: TrustStore;
  logger: Logger;
  now: () => Date;
  metrics: Metrics;
  /** Folder for last good copies; undefined keeps them in memory only. */
  cacheDir?: string;
  intervalSeconds: number;
  /** Let list URLs reach loopback and private addresses (tests, an intranet mirror). */
  allowPrivate: boolean;
  /** The ceiling on one list's fetch (KAKUNIN_REVOCATION_FETCH_TIMEOUT); runtime/fetch.ts's default when undefined. */
  fetchTimeoutSeconds?: number;
  /** Bytes all lists' copies may hold together (KAKUNIN_REVOCATION_MAX_MB); RevocationLists' default when undefined. */
  maxHeldBytes?: number;
  /** Lists tracked at most (KAKUNIN_REVOCATION_MAX_LISTS); RevocationLists' default when undefined. */
  maxLists?: number;
  /** Replaceable for tests. */
  fetch?: (url: string) => Promise<Uint8Array>;
}

export class ServiceRevocation {
  readonly lists: RevocationLists;
  readonly refresher: TrustRefresher;
  readonly cache?: RevocationCache;
  readonly mode: 'fail' | 'warn';
  private restoring = false;
  private untrackedWarned = false;
  private starting = false;
  private readonly attempts = new Map<string, number>();

  constructor(private readonly options: ServiceRevocationOptions) {
    const { logger, now } = options;
    this.mode = options.mode;
    if (options.cacheDir) this.cache = new RevocationCache(options.cacheDir);
    this.lists = new RevocationLists({
      trust: options.trust,
      unavailablePolicy: options.mode,
      ...(options.maxHeldBytes !== undefined ? { maxHeldBytes: options.maxHeldBytes } : {}),
      ...(options.maxLists !== undefined ? { maxLists: options.maxLists } : {}),
      onUntracked: (target) => this.untracked(target),
      onAccepted: (target, bytes, fetchedAt) => this.persist(target, bytes, fetchedAt),
      onWanted: () => this.refresher?.nudge(),
    });
    this.refresher = new TrustRefresher({
      lists: this.lists,
      now,
      intervalMs: options.intervalSeconds * 1000,
      fetchPolicy: {
        allowLoopback: options.allowPrivate,
        allowPrivate: options.allowPrivate,
        ...(options.fetchTimeoutSeconds !== undefined ? { timeoutMs: options.fetchTimeoutSeconds * 1000 } : {}),
      },
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onResult: (r) => this.recordResult(r),
      onRound: (results) => this.summarise(results),
    });
    const crls = this.lists.wantTrustStoreCrls();
    this.ready = this.restore().then((restored) => {
      logger.info({ mode: this.mode, anchorCrls: crls, restoredFromCache: restored, cacheDir: options.cacheDir ?? null }, 'revocation checking on');
    });
    this.registerMetrics(options.metrics);
  }

  /**
   * Settles once the cached copies are restored (never rejects). Restoring yields to the event loop
   * as a refresh does (a cached CRL can list a million serials); serve waits for it before it opens
   * its port, so that the cached copies answer from the first request.
   */
  readonly ready: Promise<void>;

  private async restore(): Promise<number> {
    if (!this.cache) return 0;
    this.restoring = true;
    try {
      return await this.cache.restoreAsync(this.lists, this.options.trust, this.options.now(), eventLoopPause(), (message, detail) => this.options.logger.warn(detail, message));
    } catch (e) {
      this.options.logger.warn({ dir: this.cache.dir, reason: (e as Error).message }, 'revocation cache: cannot be read, starting without it');
      return 0;
    } finally {
      this.restoring = false;
    }
  }

  /** The checker handed to verifyDeviceResponse. */
  get checker(): RevocationLists {
    return this.lists;
  }

  /** Starts the background refresh once the cached copies are restored (a refresh round must not
   * race the restore of the same list). */
  start(): void {
    this.starting = true;
    void this.ready.then(() => {
      if (this.starting) this.refresher.start();
    });
  }

  /** Stops the timer. A fetch under way is not waited for beyond `graceMs` (it cannot be cancelled). */
  async stop(graceMs = 1000): Promise<void> {
    this.starting = false;
    await Promise.race([this.refresher.stop(), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  /** Once per process: a list beyond the bound is asked for on every verification that needs it. */
  private untracked(target: RevocationListTarget): void {
    if (this.untrackedWarned) return;
    this.untrackedWarned = true;
    this.options.logger.warn(
      { url: target.url, kind: target.kind, tracked: this.lists.targets().length, code: 'REVOCATION_LISTS_FULL' },
      'revocation: a list beyond KAKUNIN_REVOCATION_MAX_LISTS is not tracked; documents that need it get STATUS_UNAVAILABLE (only this first one is logged)',
    );
  }

  private async persist(target: RevocationListTarget, bytes: Uint8Array, fetchedAt: Date): Promise<void> {
    if (!this.cache || this.restoring) return;
    try {
      const m = this.lists.metrics(fetchedAt).find((x) => x.url === target.url && x.kind === target.kind);
      await this.cache.saveCopyAsync(target, bytes, fetchedAt, m?.validUntil);
    } catch (e) {
      this.options.logger.warn({ url: target.url, kind: target.kind, reason: (e as Error).message }, 'revocation cache: cannot write the last good copy');
    }
  }

  private recordResult(r: RefreshResult): void {
    const key = `${r.kind}\0${r.ok ? 'ok' : (r.code ?? 'FETCH_FAILED')}`;
    this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
    // List URLs come from certificates and MSOs: issuer infrastructure, never personal data.
    // Each list at debug level; the round's summary (summarise) is what an operator reads.
    if (r.ok) this.options.logger.debug({ url: r.url, kind: r.kind }, 'revocation list refreshed');
    else {
      const copy = this.copyOf(r, this.options.now());
      this.options.logger.debug(
        { url: r.url, kind: r.kind, code: r.code, reason: r.message, copy },
        copy === 'in use' ? 'revocation list not refreshed; the last good copy stays in use' : `revocation list not refreshed; ${copy === 'expired' ? 'the copy held has expired' : 'no copy is held'}`,
      );
    }
    if (!this.cache) return;
    try {
      const at = this.options.now();
      const target = this.lists.targets().find((t) => t.url === r.url && t.kind === r.kind);
      const m = this.lists.metrics(at).filter((x) => x.url === r.url && x.kind === r.kind);
      this.cache.saveStates(m, target ? [target] : []);
    } catch (e) {
      this.options.logger.warn({ url: r.url, reason: (e as Error).message }, 'revocation cache: cannot write the list state');
    }
  }

  /** Whether a list that was not refreshed still has a copy that answers. */
  private copyOf(r: { url: string; kind: string }, at: Date): 'in use' | 'expired' | 'none' {
    const m = this.lists.metrics(at).find((x) => x.url === r.url && x.kind === r.kind);
    if (m?.usable) return 'in use';
    return m?.lastSuccess ? 'expired' : 'none';
  }

  /**
   * One line per refresh round that left lists unrefreshed (an offline start fails every list at
   * once): how many, why, and what that means, in words true of each list's copy.
   */
  private summarise(results: RefreshResult[]): void {
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0) {
      this.options.logger.debug({ refreshed: results.length }, 'revocation lists refreshed');
      return;
    }
    const at = this.options.now();
    const codes: Record<string, number> = {};
    const copies = { 'in use': 0, expired: 0, none: 0 };
    for (const r of failed) {
      codes[r.code ?? 'FETCH_FAILED'] = (codes[r.code ?? 'FETCH_FAILED'] ?? 0) + 1;
      copies[this.copyOf(r, at)]++;
    }
    const without = copies.expired + copies.none;
    const parts = [
      copies['in use'] ? `${copies['in use']} keep their last good copy in use` : '',
      copies.expired ? `${copies.expired} hold only an expired copy` : '',
      copies.none ? `${copies.none} have no copy` : '',
    ].filter(Boolean);
    const consequence =
      without === 0
        ? ''
        : this.mode === 'fail'
          ? `; documents that need those fail with STATUS_UNAVAILABLE`
          : `; documents that need those pass with the check reported as not run (KAKUNIN_REVOCATION=warn)`;
    const full = codes.REVOCATION_LISTS_FULL ? `; REVOCATION_LISTS_FULL: the lists held fill KAKUNIN_REVOCATION_MAX_MB (or 512 lists are tracked), raise it to keep more` : '';
    this.options.logger.warn(
      {
        attempted: results.length,
        notRefreshed: failed.length,
        codes,
        withCopy: copies['in use'],
        withoutCopy: without,
        examples: failed.slice(0, 3).map((r) => ({ url: r.url, code: r.code, reason: r.message })),
      },
      `revocation refresh: ${failed.length} of ${results.length} lists not refreshed (${Object.entries(codes)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}); ${parts.join(', ')}${consequence}${full}; tried again later`,
    );
  }

  private registerMetrics(metrics: Metrics): void {
    const labelNames = ['url', 'kind'];
    const seconds = (iso?: string) => (iso ? Date.parse(iso) / 1000 : undefined);
    const samples = (f: (m: ReturnType<RevocationLists['metrics']>[number]) => number | undefined) => () =>
      this.lists.metrics(this.options.now()).flatMap((m) => {
        const v = f(m);
        return v === undefined ? [] : [{ labels: { url: m.url, kind: m.kind }, value: v }];
      });
    metrics.gaugeReadAtScrape(
      'kakunin_revocation_list_last_success_timestamp_seconds',
      'When the copy in use of each CRL / status list was fetched (Unix time).',
      labelNames,
      samples((m) => seconds(m.lastSuccess)),
    );
    metrics.gaugeReadAtScrape(
      'kakunin_revocation_list_age_seconds',
      'Age of the copy in use of each CRL / status list.',
      labelNames,
      samples((m) => m.ageSeconds),
    );
    metrics.gaugeReadAtScrape(
      'kakunin_revocation_list_valid_until_timestamp_seconds',
      'Until when the copy in use may answer (nextUpdate / exp, Unix time).',
      labelNames,
      samples((m) => seconds(m.validUntil)),
    );
    metrics.gaugeReadAtScrape(
      'kakunin_revocation_list_usable',
      '1 when the copy in use can answer now, 0 when verifications needing it get STATUS_UNAVAILABLE.',
      labelNames,
      samples((m) => (m.usable ? 1 : 0)),
    );
    metrics.gaugeReadAtScrape('kakunin_revocation_lists_held_bytes', 'Bytes the copies in use of all CRLs / status lists hold in memory (bounded by KAKUNIN_REVOCATION_MAX_MB).', [], () => [
      { labels: {}, value: this.lists.heldBytes() },
    ]);
    metrics.counterReadAtScrape('kakunin_revocation_refresh_rounds_total', 'Background refresh rounds completed.', [], () => [{ labels: {}, value: this.refresher.rounds }]);
    metrics.counterReadAtScrape('kakunin_revocation_refresh_attempts_total', 'List fetches by the refresher, by kind and result (ok or the error code).', ['kind', 'result'], () =>
      [...this.attempts].map(([k, value]) => {
        const [kind, result] = k.split('\0');
        return { labels: { kind, result }, value };
      }),
    );
  }
}
