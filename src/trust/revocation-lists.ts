/**
 * The RevocationChecker the verification pipeline calls: it answers from CRLs and status lists
 * already fetched and verified, and never touches the network. What it lacks it records as
 * wanted, for the refresher to fetch; until then the answer is `unavailable`, never `good`.
 *
 * Each list keeps its last good copy. A new copy replaces it only after it verifies (signature,
 * signer, freshness, not older than the one held); otherwise the error is recorded next to the old
 * copy, which stays in use until it is itself out of date. The age of every copy is reported.
 */
import { createHash } from 'node:crypto';
import { KakuninError } from '../codes/error.js';
import type { KakuninCode } from '../codes/error-codes.js';
import { crlDistributionPointsOf, parseCertificate, type ParsedCertificate } from './certificate.js';
import { normalizeSerial, verifyCrl, verifyCrlAsync, type ParsedCrl } from './crl.js';
import type { RevocationChecker, RevocationStatus } from './revocation.js';
import { heldBytesOf, type HeldCopy } from './list-memory.js';
import { readMsoStatus, statusAt, verifyStatusListToken, verifyStatusListTokenAsync, type VerifiedList, type VerifyListOptions } from './status-list.js';
import type { TrustStore } from './store.js';

/** Which revocation list: a CRL (RFC 5280) or a token status list (IETF OAuth Status List). */
export type RevocationListKind = 'crl' | 'status_list';

/** A revocation list to keep current: its URL, its kind and the certificates that decide who may have signed it. */
export interface RevocationListTarget {
  url: string;
  kind: RevocationListKind;
  /** CRL: DER of the certificate that must have signed it. */
  issuer?: Uint8Array;
  /** Status list: the signer certificate the MSO names, if any. */
  certificate?: Uint8Array;
  /** Status list: DER of the trust anchor of the documents that name it. Its signer must chain to
   * this anchor and no other: a list is only evidence about the issuer whose anchor it chains to. */
  anchor?: Uint8Array;
}

function certificateSha(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** What checkCertificate needs of a certificate, worked out once per certificate (by SHA-256):
 * reading the distribution points means a full parse, far too slow per call. Only certificates on
 * paths that reached a trust anchor get here, and an entry is a serial and a few URLs. */
interface CertificateFacts {
  serial: string;
  crlUrls: string[];
  /** Why the distribution points could not be read, when they could not. */
  crlUrlsUnreadable?: string;
}
const FACTS_MAX = 2048;

/**
 * What identifies a tracked list. A status list is tracked per (URI, anchor, MSO-named signer): the
 * same URI named by documents of two issuers is two lists, each verified for its own issuer, so a
 * list verified for one issuer never answers for another.
 */
export function listKey(t: RevocationListTarget): string {
  if (t.kind === 'crl') return `crl ${t.url}`;
  const anchor = t.anchor ? certificateSha(t.anchor) : '-';
  const certificate = t.certificate ? certificateSha(t.certificate) : '-';
  return `status_list ${t.url} ${anchor} ${certificate}`;
}

/** Why the last attempt to refresh a revocation list failed, with a stable code. */
export interface RevocationListError {
  code: KakuninCode;
  message: string;
  at: string;
}

interface Entry {
  target: RevocationListTarget;
  issuerSha?: string;
  crl?: ParsedCrl;
  list?: VerifiedList;
  lastSuccess?: Date;
  lastAttempt?: Date;
  lastError?: RevocationListError;
  /** The copy may answer until then. */
  validUntil?: Date;
  /** A fresh copy should be fetched after then. */
  refreshAfter?: Date;
  /** What the copy in use holds in memory (list-memory.ts). */
  heldBytes?: number;
}

/** The state of one revocation list, for metrics and `kakunin trust lists`: last success and attempt, age, validity, last error. */
export interface RevocationListMetrics {
  url: string;
  kind: RevocationListKind;
  lastSuccess?: string;
  lastAttempt?: string;
  /** Seconds since the copy in use was fetched; undefined when there is none. */
  ageSeconds?: number;
  validUntil?: string;
  /** The copy in use can answer at `at`. */
  usable: boolean;
  /** What the copy in use holds in memory, in bytes; undefined when there is none. */
  heldBytes?: number;
  lastError?: RevocationListError;
}

/** The default bound on the bytes all lists' copies hold together: a few national CRLs of a million
 * serials (about 70 MB each with their lookup table) beside hundreds of small ones. */
export const DEFAULT_MAX_HELD_BYTES = 512 * 1024 * 1024;

/** The default bound on the lists tracked: the IACAs' CRLs of a national trust list and the status
 * lists their issuers shard their credentials over. */
export const DEFAULT_MAX_LISTS = 512;

/** The trust store whose lists are checked, the clock, and what to report to (metrics, warnings). */
export interface RevocationListsOptions {
  /** IACAs: status-list signers must chain to one of them. */
  trust: TrustStore;
  unavailablePolicy: 'fail' | 'warn';
  /** How long a copy without its own expiry may answer. Default 24 h. */
  maxAgeSeconds?: number;
  /** How often to re-fetch a list that gives no ttl. Default 1 h. */
  refreshSeconds?: number;
  clockSkewSeconds?: number;
  /** At most this many lists are tracked (default DEFAULT_MAX_LISTS, 512): list URLs come from
   * credentials, so an unbounded table would let presented credentials grow memory and the
   * refresher's work. A list beyond it is never fetched: it answers `unavailable`, never `good`. */
  maxLists?: number;
  /** At most this many bytes are held by the copies of all lists together (default
   * DEFAULT_MAX_HELD_BYTES, 512 MiB; what a copy holds: list-memory.ts). A copy that would take the
   * total beyond it is refused with REVOCATION_LISTS_FULL: the copies already held stay, and a list
   * without a copy answers `unavailable`, never `good`. */
  maxHeldBytes?: number;
  /** Called with the exact bytes of each copy that verified (to persist the last good copy);
   * acceptAsync waits for a promise it returns. */
  onAccepted?: (target: RevocationListTarget, bytes: Uint8Array, fetchedAt: Date) => void | Promise<void>;
  /** Called when a list is first asked for (the service nudges its refresher). */
  onWanted?: (target: RevocationListTarget) => void;
  /** Called when a list is asked for but not tracked, maxLists being tracked already (the service warns). */
  onUntracked?: (target: RevocationListTarget) => void;
}

const TOO_MANY = 'too many revocation lists tracked to add this one';
const plus = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/**
 * A RevocationChecker over verified CRLs and status lists held in memory: the runtime layer fetches and refreshes them, this answers from what it holds.
 *
 * @example
 * ```ts
 * import { loadTrustStore, RevocationLists, verifyDeviceResponse } from 'kakunin';
 * declare const deviceResponse: Uint8Array;
 * const trust = loadTrustStore(['./certs']);
 * const revocation = new RevocationLists({ trust, unavailablePolicy: 'warn' });
 * revocation.wantTrustStoreCrls(); // the IACAs' CRLs
 * for (const target of revocation.due(new Date())) {
 *   const bytes = new Uint8Array(await (await fetch(target.url)).arrayBuffer());
 *   revocation.accept(target, bytes, new Date());
 * }
 * const result = verifyDeviceResponse(deviceResponse, { trust, at: new Date(), revocation });
 * ```
 */
export class RevocationLists implements RevocationChecker {
  readonly unavailablePolicy: 'fail' | 'warn';
  private readonly entries = new Map<string, Entry>();
  private readonly crlsByIssuer = new Map<string, Set<string>>();
  private readonly maxAge: number;
  private readonly refresh: number;
  private readonly maxHeldBytes: number;
  private readonly maxLists: number;
  /** What the copies in use hold together (the entries' heldBytes added up). */
  private held = 0;

  /** Facts of certificates seen on verified paths, bounded (FACTS_MAX), owned by these lists. */
  private readonly facts = new Map<string, CertificateFacts>();

  constructor(private readonly options: RevocationListsOptions) {
    this.unavailablePolicy = options.unavailablePolicy;
    this.maxAge = options.maxAgeSeconds ?? 86_400;
    this.refresh = options.refreshSeconds ?? 3_600;
    this.maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
    this.maxLists = options.maxLists ?? DEFAULT_MAX_LISTS;
  }
  private factsOf(der: Uint8Array): CertificateFacts {
    const sha = certificateSha(der);
    const hit = this.facts.get(sha);
    if (hit) return hit;
    const parsed = parseCertificate(der);
    const dp = crlDistributionPointsOf(parsed);
    const f = { serial: normalizeSerial(parsed.node.serialNumber), crlUrls: dp.urls, crlUrlsUnreadable: dp.malformed };
    if (this.facts.size >= FACTS_MAX) this.facts.delete(this.facts.keys().next().value!);
    this.facts.set(sha, f);
    return f;
  }

  private key(t: RevocationListTarget): string {
    return listKey(t);
  }

  /** Registers a list to fetch. Idempotent. Beyond `maxLists` new lists are not tracked (they stay unavailable). */
  want(target: RevocationListTarget): void {
    const k = this.key(target);
    if (this.entries.has(k)) return;
    if (this.entries.size >= this.maxLists) {
      this.options.onUntracked?.(target);
      return;
    }
    const issuerSha = target.issuer ? certificateSha(target.issuer) : undefined;
    this.entries.set(k, { target, issuerSha });
    if (target.kind === 'crl' && issuerSha) {
      const set = this.crlsByIssuer.get(issuerSha) ?? new Set<string>();
      set.add(k);
      this.crlsByIssuer.set(issuerSha, set);
    }
    this.options.onWanted?.(target);
  }

  /** CRLs of self-issued trust anchors: those are the CRLs that cover their document signers. */
  wantTrustStoreCrls(): number {
    let n = 0;
    for (const a of this.options.trust.anchors) {
      if (a.certificate.subject !== a.certificate.issuer) continue;
      for (const url of crlDistributionPointsOf(a.certificate).urls) {
        this.want({ url, kind: 'crl', issuer: a.certificate.der });
        n++;
      }
    }
    return n;
  }

  /** Every list tracked (what it is, not its state). */
  targets(): RevocationListTarget[] {
    return [...this.entries.values()].map((e) => e.target);
  }

  /** Lists never fetched, or due for a fresh copy at `at`. */
  due(at: Date): RevocationListTarget[] {
    return [...this.entries.values()].filter((e) => !e.lastSuccess || !e.refreshAfter || e.refreshAfter <= at).map((e) => e.target);
  }

  /**
   * Verifies `bytes` as the new copy of `target` at `at`; keeps the old copy when it does not verify.
   * `fetchedAt` (default `at`) is when the bytes were fetched: a copy restored from the cache after a
   * restart keeps its real age and refresh schedule, yet is verified again as of `at`.
   */
  accept(target: RevocationListTarget, bytes: Uint8Array, at: Date, fetchedAt: Date = at): void {
    const e = this.attempt(target, at);
    try {
      this.install(e, target.kind === 'crl' ? { crl: verifyCrl(bytes, this.crlIssuer(target), this.crlOptions(at)) } : { list: this.verifyList(target, bytes, at) }, fetchedAt);
    } catch (err) {
      this.fail(target, err, at);
      throw err;
    }
    // Outside the try: a failure to persist is the caller's to report, not a bad list. A promise it
    // returns is not waited for here (acceptAsync waits); the service's persist reports its own errors.
    void this.options.onAccepted?.(target, bytes, fetchedAt);
  }

  /**
   * accept for a process that serves requests while it loads: a large CRL is read and hashed in
   * slices with `pause` called between them (verifyCrlAsync), a status list inflated on the thread
   * pool and an identifier list read in slices (verifyStatusListTokenAsync), so that with a pause that yields
   * (runtime's eventLoopPause) loading a million entries never holds the event loop for long. The
   * same checks and outcome as accept.
   */
  async acceptAsync(target: RevocationListTarget, bytes: Uint8Array, at: Date, pause: () => Promise<void>, fetchedAt: Date = at): Promise<void> {
    const e = this.attempt(target, at);
    try {
      const copy =
        target.kind === 'crl'
          ? { crl: await verifyCrlAsync(bytes, this.crlIssuer(target), { ...this.crlOptions(at), pause }) }
          : { list: await verifyStatusListTokenAsync(bytes, { ...this.listOptions(target, at), pause }) };
      this.install(e, copy, fetchedAt);
    } catch (err) {
      this.fail(target, err, at);
      throw err;
    }
    await this.options.onAccepted?.(target, bytes, fetchedAt);
  }

  private attempt(target: RevocationListTarget, at: Date): Entry {
    this.want(target);
    const e = this.entries.get(this.key(target));
    if (!e) throw new KakuninError('REVOCATION_LISTS_FULL', TOO_MANY);
    e.lastAttempt = at;
    return e;
  }

  private crlIssuer(target: RevocationListTarget): ParsedCertificate {
    if (!target.issuer) throw new KakuninError('CRL_UNTRUSTED', 'no issuer certificate to verify the CRL with');
    return parseCertificate(target.issuer);
  }

  private crlOptions(at: Date): { at: Date; clockSkewSeconds?: number } {
    return { at, clockSkewSeconds: this.options.clockSkewSeconds };
  }

  private verifyList(target: RevocationListTarget, bytes: Uint8Array, at: Date): VerifiedList {
    return verifyStatusListToken(bytes, this.listOptions(target, at));
  }

  private listOptions(target: RevocationListTarget, at: Date): VerifyListOptions {
    // Only the anchor of the documents that name the list, and only while it is trusted here
    // (a cached target cannot bring its own anchor).
    const anchorSha = target.anchor && certificateSha(target.anchor);
    const anchor = anchorSha && this.options.trust.anchors.find((a) => a.certificate.sha256 === anchorSha);
    if (!anchor) throw new KakuninError('STATUS_LIST_UNTRUSTED', 'the list is not tied to a trust anchor of this verifier');
    return { anchors: [anchor.certificate.der], at, uri: target.url, certificate: target.certificate, clockSkewSeconds: this.options.clockSkewSeconds };
  }

  /** Makes a verified copy the one in use, unless it is older than the copy held or would take the
   * lists' memory beyond maxHeldBytes. */
  private install(e: Entry, copy: HeldCopy, fetchedAt: Date): void {
    if ('crl' in copy && e.crl && copy.crl.thisUpdate < e.crl.thisUpdate) throw new KakuninError('CRL_EXPIRED', 'CRL is older than the copy held');
    if ('list' in copy && e.list && copy.list.iat < e.list.iat) throw new KakuninError('STATUS_LIST_EXPIRED', 'list is older than the copy held');
    const size = heldBytesOf(copy);
    // The copy this one replaces is let go, so only the others count against it.
    const others = this.held - (e.heldBytes ?? 0);
    if (others + size > this.maxHeldBytes) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      throw new KakuninError(
        'REVOCATION_LISTS_FULL',
        `this copy would hold ${mb(size)} beside the ${mb(others)} the other revocation lists hold, beyond the limit of ${mb(this.maxHeldBytes)}: refused, the copies held stay`,
      );
    }
    this.held = others + size;
    e.heldBytes = size;
    if ('crl' in copy) {
      const { crl } = copy;
      e.crl = crl;
      e.validUntil = crl.nextUpdate ?? plus(fetchedAt, this.maxAge);
      const next = plus(fetchedAt, this.refresh);
      e.refreshAfter = crl.nextUpdate && crl.nextUpdate < next ? crl.nextUpdate : next;
    } else {
      const { list } = copy;
      e.list = list;
      e.validUntil = list.exp ?? plus(fetchedAt, this.maxAge);
      e.refreshAfter = plus(fetchedAt, Math.min(list.ttlSeconds ?? this.refresh, this.maxAge));
    }
    e.lastSuccess = fetchedAt;
    e.lastError = undefined;
  }

  /** Records a failed fetch or verification; the copy held stays. */
  fail(target: RevocationListTarget, err: unknown, at: Date): void {
    this.want(target);
    const e = this.entries.get(this.key(target));
    if (!e) return;
    e.lastAttempt = at;
    const code = err instanceof KakuninError ? err.code : 'FETCH_FAILED';
    e.lastError = { code, message: (err as Error).message, at: at.toISOString() };
  }

  private usable(e: Entry, at: Date): boolean {
    return !!e.lastSuccess && !!e.validUntil && at <= e.validUntil;
  }

  checkCertificate(certificate: Uint8Array, issuer: Uint8Array, at: Date): RevocationStatus {
    const issuerSha = certificateSha(issuer);
    const { serial, crlUrls, crlUrlsUnreadable } = this.factsOf(certificate);
    let keys = this.crlsByIssuer.get(issuerSha);
    if (!keys || keys.size === 0) {
      for (const url of crlUrls) this.want({ url, kind: 'crl', issuer });
      if (crlUrlsUnreadable) return { status: 'unavailable', message: `no CRL is known for this issuer and ${crlUrlsUnreadable}` };
      if (crlUrls.length === 0) return { status: 'unavailable', message: 'no CRL is known for this issuer and the certificate names no CRL distribution point' };
      keys = this.crlsByIssuer.get(issuerSha);
      if (!keys) return { status: 'unavailable', message: TOO_MANY };
    }
    let checked = false;
    for (const k of keys) {
      const e = this.entries.get(k)!;
      if (!e.crl || !this.usable(e, at)) continue;
      checked = true;
      const when = e.crl.revoked.get(serial);
      if (when && when <= at) return { status: 'revoked', message: `certificate revoked on ${when.toISOString()} (CRL ${e.target.url})` };
    }
    if (checked) return { status: 'good' };
    return { status: 'unavailable', message: `no current CRL for the issuer (${[...keys].map((k) => this.entries.get(k)!.lastError?.code ?? 'not fetched yet').join(', ')})` };
  }

  checkMsoStatus(status: Map<unknown, unknown>, at: Date, anchor: Uint8Array): RevocationStatus {
    let ref;
    let key: string;
    const target: RevocationListTarget = { url: '', kind: 'status_list', anchor };
    try {
      ref = readMsoStatus(status);
      target.url = ref.uri;
      if (ref.certificate) target.certificate = ref.certificate;
      key = this.key(target);
    } catch (e) {
      return { status: 'unavailable', message: (e as Error).message };
    }
    const e = this.entries.get(key);
    if (!e) {
      this.want(target);
      return { status: 'unavailable', message: this.entries.has(key) ? 'status list not fetched yet' : TOO_MANY };
    }
    if (!e.list || !this.usable(e, at)) {
      return { status: 'unavailable', message: `no current status list (${e.lastError?.code ?? 'not fetched yet'})` };
    }
    if (ref.kind === 'status_list') {
      if (e.list.kind !== 'status_list') return { status: 'unavailable', message: 'URI serves an identifier list, MSO expects a status list' };
      const v = statusAt(e.list, ref.idx);
      if (v === undefined) return { status: 'unavailable', message: 'index beyond the end of the status list' };
      if (v === 0) return { status: 'good' };
      return { status: 'revoked', message: v === 1 ? 'status list: invalid' : v === 2 ? 'status list: suspended' : `status list: status ${v}` };
    }
    if (e.list.kind !== 'identifier_list') return { status: 'unavailable', message: 'URI serves a status list, MSO expects an identifier list' };
    if (e.list.identifiers.has(Buffer.from(ref.id).toString('hex'))) return { status: 'revoked', message: 'identifier list: listed' };
    return { status: 'good' };
  }

  /** What the copies in use hold in memory together, in bytes (at most maxHeldBytes). */
  heldBytes(): number {
    return this.held;
  }

  /** Per-list state for /metrics and `kakunin trust list`. */
  metrics(at: Date): RevocationListMetrics[] {
    return [...this.entries.values()].map((e) => ({
      url: e.target.url,
      kind: e.target.kind,
      lastSuccess: e.lastSuccess?.toISOString(),
      lastAttempt: e.lastAttempt?.toISOString(),
      ageSeconds: e.lastSuccess ? Math.max(0, Math.round((at.getTime() - e.lastSuccess.getTime()) / 1000)) : undefined,
      validUntil: e.validUntil?.toISOString(),
      usable: this.usable(e, at),
      heldBytes: e.heldBytes,
      lastError: e.lastError,
    }));
  }
}
