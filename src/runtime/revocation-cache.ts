/**
 * The last good copy of each CRL and status list, on disk, so that a restart (or `kakunin trust
 * list`) still has it. One pair of files per list, named by a hash of kind and URL:
 *   <key>.bin   the exact bytes that verified (never re-encoded)
 *   <key>.json  what the list is (URL, kind, issuer or signer certificate) and its state
 *               (fetched at, valid until, last attempt, last error)
 * A file is only a hint: a restored copy is verified again, against the trust store of the process
 * that loads it, before it may answer anything. Writes go to a temporary file and are renamed into
 * place, so a crash never leaves a half-written copy under the real name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RevocationListError, RevocationListKind, RevocationListMetrics, RevocationListTarget, RevocationLists } from '../trust/revocation-lists.js';
import { parseCertificate } from '../trust/certificate.js';
import type { TrustStore } from '../trust/store.js';
import { KakuninError } from '../codes/error.js';
import { MAX_CRL_BYTES } from '../trust/crl.js';
import { MAX_LIST_BYTES } from '../trust/status-list.js';
import { FileTooLargeError, readFileAtMost, readFileAtMostAsync } from './bounded-read.js';

export const DEFAULT_REVOCATION_CACHE_DIR = '.kakunin/revocation';

export interface CachedListState {
  url: string;
  kind: RevocationListKind;
  /** CRL: the issuer certificate it must be signed by (base64 DER). */
  issuer?: string;
  /** Status list: the signer certificate the MSO named (base64 DER). */
  certificate?: string;
  /** Status list: the trust anchor its signer must chain to (base64 DER). One file per URL: when
   * documents of two issuers name the same URL, the copy last verified is the one kept. */
  anchor?: string;
  /** When the copy in <key>.bin was fetched. */
  fetchedAt?: string;
  validUntil?: string;
  lastAttempt?: string;
  lastError?: RevocationListError;
}

export interface CachedList {
  state: CachedListState;
  /** The file of the last good copy, when the state says there is one. Read only as it is restored,
   * one at a time: the copies together may be hundreds of megabytes (KAKUNIN_REVOCATION_MAX_MB). */
  copyFile?: string;
}

/** The largest copy of each kind: what its reader accepts (a copy on disk is never larger unless it was damaged). */
const MAX_COPY_BYTES: Record<RevocationListKind, number> = { crl: MAX_CRL_BYTES, status_list: MAX_LIST_BYTES };
/** A state file holds a URL and up to three certificates in base64 (each at most 16 KiB of DER). */
export const MAX_STATE_FILE_BYTES = 1024 * 1024;

/** What reading a cached copy gave: its bytes, nothing (no file), or a file too large to be one. */
type CopyRead = Uint8Array | undefined | FileTooLargeError;

function copyRead(read: () => Uint8Array): CopyRead {
  try {
    return read();
  } catch (e) {
    if (e instanceof FileTooLargeError) return e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return undefined;
  }
}

async function copyReadAsync(read: () => Promise<Uint8Array>): Promise<CopyRead> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof FileTooLargeError) return e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return undefined;
  }
}

/** The text of a state file, or undefined when it cannot be read or is too large to be one. */
function stateText(read: () => Uint8Array): string | undefined {
  try {
    return Buffer.from(read()).toString('utf8');
  } catch {
    return undefined;
  }
}

export type CacheWarning = (message: string, detail: { file: string; code?: string }) => void;

const KINDS: ReadonlySet<string> = new Set(['crl', 'status_list']);
/** A state file's name: the list's cacheKey and .json. */
const STATE_FILE = /^[0-9a-f]{32}\.json$/;

export function cacheKey(kind: RevocationListKind, url: string): string {
  return createHash('sha256').update(`${kind} ${url}`).digest('hex').slice(0, 32);
}

function b64(bytes: Uint8Array | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('base64') : undefined;
}

function isState(v: unknown): v is CachedListState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const optString = (k: string) => s[k] === undefined || typeof s[k] === 'string';
  return (
    typeof s.url === 'string' &&
    typeof s.kind === 'string' &&
    KINDS.has(s.kind) &&
    ['issuer', 'certificate', 'anchor', 'fetchedAt', 'validUntil', 'lastAttempt'].every(optString) &&
    (s.lastError === undefined || (typeof s.lastError === 'object' && s.lastError !== null))
  );
}

/** SHA-256 of a certificate from the parse cache; undefined for bytes that are not one. */
function shaOrUndefined(der: Uint8Array): string | undefined {
  try {
    return parseCertificate(der).sha256;
  } catch {
    return undefined;
  }
}

export class RevocationCache {
  constructor(readonly dir: string) {}

  private write(name: string, data: string | Uint8Array): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, name);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, path);
  }

  private readState(key: string): CachedListState | undefined {
    try {
      const parsed: unknown = JSON.parse(stateText(() => readFileAtMost(join(this.dir, `${key}.json`), MAX_STATE_FILE_BYTES)) ?? '');
      return isState(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** The same, the copy's bytes written without holding the event loop (a CRL can be 60 MB: ~400 ms
   * of writeFileSync on a busy disk). The small state file is written once the bytes are in place. */
  private async writeAsync(name: string, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, name);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, path);
  }

  /** Stores a copy that has just verified. */
  saveCopy(target: RevocationListTarget, bytes: Uint8Array, fetchedAt: Date, validUntil?: string): void {
    const key = cacheKey(target.kind, target.url);
    this.write(`${key}.bin`, bytes);
    this.write(`${key}.json`, this.copyState(target, fetchedAt, validUntil));
  }

  /** saveCopy for a process that serves requests meanwhile. */
  async saveCopyAsync(target: RevocationListTarget, bytes: Uint8Array, fetchedAt: Date, validUntil?: string): Promise<void> {
    const key = cacheKey(target.kind, target.url);
    await this.writeAsync(`${key}.bin`, bytes);
    this.write(`${key}.json`, this.copyState(target, fetchedAt, validUntil));
  }

  private copyState(target: RevocationListTarget, fetchedAt: Date, validUntil?: string): string {
    const state: CachedListState = {
      url: target.url,
      kind: target.kind,
      ...(target.issuer ? { issuer: b64(target.issuer) } : {}),
      ...(target.certificate ? { certificate: b64(target.certificate) } : {}),
      ...(target.anchor ? { anchor: b64(target.anchor) } : {}),
      fetchedAt: fetchedAt.toISOString(),
      ...(validUntil ? { validUntil } : {}),
      lastAttempt: fetchedAt.toISOString(),
    };
    return JSON.stringify(state, null, 2);
  }

  /** Records the outcome of the latest attempts (last attempt, last error) beside each copy. */
  saveStates(metrics: readonly RevocationListMetrics[], targets: readonly RevocationListTarget[]): void {
    const byKey = new Map(targets.map((t) => [cacheKey(t.kind, t.url), t]));
    for (const m of metrics) {
      const key = cacheKey(m.kind, m.url);
      const target = byKey.get(key);
      const previous = this.readState(key);
      // The copy on disk is described by what was written with it; only the attempt fields move.
      const state: CachedListState = {
        url: m.url,
        kind: m.kind,
        ...(previous?.issuer ? { issuer: previous.issuer } : target?.issuer ? { issuer: b64(target.issuer) } : {}),
        ...(previous?.certificate ? { certificate: previous.certificate } : target?.certificate ? { certificate: b64(target.certificate) } : {}),
        ...(previous?.anchor ? { anchor: previous.anchor } : target?.anchor ? { anchor: b64(target.anchor) } : {}),
        ...(previous?.fetchedAt ? { fetchedAt: previous.fetchedAt } : {}),
        ...(previous?.validUntil ? { validUntil: previous.validUntil } : {}),
        ...(m.lastAttempt ? { lastAttempt: m.lastAttempt } : {}),
        ...(m.lastError ? { lastError: m.lastError } : {}),
      };
      this.write(`${key}.json`, JSON.stringify(state, null, 2));
    }
  }

  /** Every list the folder describes. Unreadable or malformed files are reported and skipped. */
  load(warn: CacheWarning = () => undefined): CachedList[] {
    if (!existsSync(this.dir)) return [];
    const out: CachedList[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      if (!STATE_FILE.test(name)) continue;
      const text = stateText(() => readFileAtMost(join(this.dir, name), MAX_STATE_FILE_BYTES));
      const state = this.stateOf(name, text, warn);
      if (!state) continue;
      const bin = join(this.dir, `${name.slice(0, 32)}.bin`);
      out.push({ state, ...(state.fetchedAt && existsSync(bin) ? { copyFile: bin } : {}) });
    }
    return out;
  }

  /** load, reading without holding the event loop (a copy can be a 60 MB CRL). */
  async loadAsync(warn: CacheWarning = () => undefined): Promise<CachedList[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: CachedList[] = [];
    for (const name of names) {
      if (!STATE_FILE.test(name)) continue;
      let text: string | undefined;
      try {
        text = Buffer.from(await readFileAtMostAsync(join(this.dir, name), MAX_STATE_FILE_BYTES)).toString('utf8');
      } catch {
        text = undefined;
      }
      const state = this.stateOf(name, text, warn);
      if (!state) continue;
      // Whether the copy is there is found out when it is read (copyReadAsync).
      out.push({ state, ...(state.fetchedAt ? { copyFile: join(this.dir, `${name.slice(0, 32)}.bin`) } : {}) });
    }
    return out;
  }

  /** The state the state file `name` (holding `text`; undefined when unreadable) describes, or undefined with a warning. */
  private stateOf(name: string, text: string | undefined, warn: CacheWarning): CachedListState | undefined {
    let parsed: unknown;
    try {
      parsed = text === undefined ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) {
      warn('revocation cache: unreadable state file ignored', { file: name });
      return undefined;
    }
    if (!isState(parsed) || cacheKey(parsed.kind, parsed.url) !== name.slice(0, 32)) {
      warn('revocation cache: malformed state file ignored', { file: name });
      return undefined;
    }
    return parsed;
  }

  /**
   * Puts the cached copies back into `lists`, each verified again as of `at`. A CRL is restored
   * only for an issuer that is a trust anchor of `trust` (the cache cannot introduce an issuer);
   * a status list is checked by RevocationLists itself against its recorded anchor, which must be a
   * trust anchor of `trust`. Returns how many answered.
   */
  restore(lists: RevocationLists, trust: TrustStore, at: Date, warn: CacheWarning = () => undefined): number {
    let restored = 0;
    for (const cached of this.load(warn)) {
      const { copyFile, state } = cached;
      const copy = this.copyToRestore(state, copyFile ? copyRead(() => readFileAtMost(copyFile, MAX_COPY_BYTES[state.kind])) : undefined, lists, trust, at, warn);
      if (!copy) continue;
      try {
        lists.accept(copy.target, copy.bytes, at, copy.fetchedAt);
        restored++;
      } catch (e) {
        copy.refused(e);
      }
    }
    return restored;
  }

  /**
   * restore for a process that serves requests meanwhile: the files are read asynchronously and each
   * copy verified by acceptAsync, in slices with `pause` called between them (runtime's
   * eventLoopPause), so that restoring a million-entry CRL never holds the event loop for long.
   */
  async restoreAsync(lists: RevocationLists, trust: TrustStore, at: Date, pause: () => Promise<void>, warn: CacheWarning = () => undefined): Promise<number> {
    let restored = 0;
    for (const cached of await this.loadAsync(warn)) {
      const { copyFile, state } = cached;
      const copy = this.copyToRestore(state, copyFile ? await copyReadAsync(() => readFileAtMostAsync(copyFile, MAX_COPY_BYTES[state.kind])) : undefined, lists, trust, at, warn);
      if (!copy) continue;
      try {
        await lists.acceptAsync(copy.target, copy.bytes, at, pause, copy.fetchedAt);
        restored++;
      } catch (e) {
        copy.refused(e);
      }
    }
    return restored;
  }

  /** What restoring `cached` means: the target and bytes to accept, or undefined when it is not one
   * to restore (reported, or only wanted when it was never fetched with success). */
  private copyToRestore(
    state: CachedListState,
    bytes: CopyRead,
    lists: RevocationLists,
    trust: TrustStore,
    at: Date,
    warn: CacheWarning,
  ): { target: RevocationListTarget; bytes: Uint8Array; fetchedAt: Date; refused: (e: unknown) => void } | undefined {
    const file = `${cacheKey(state.kind, state.url)}.bin`;
    const issuer = state.issuer ? new Uint8Array(Buffer.from(state.issuer, 'base64')) : undefined;
    const certificate = state.certificate ? new Uint8Array(Buffer.from(state.certificate, 'base64')) : undefined;
    const anchor = state.anchor ? new Uint8Array(Buffer.from(state.anchor, 'base64')) : undefined;
    if (state.kind === 'crl' && (!issuer || !trust.anchors.some((a) => a.certificate.sha256 === shaOrUndefined(issuer)))) {
      warn('revocation cache: CRL of an issuer that is not a trust anchor here ignored', { file });
      return undefined;
    }
    const target: RevocationListTarget = { url: state.url, kind: state.kind, ...(issuer ? { issuer } : {}), ...(certificate ? { certificate } : {}), ...(anchor ? { anchor } : {}) };
    if (!bytes) {
      // Known, never fetched with success: fetch it again without waiting for a credential to name it.
      lists.want(target);
      return undefined;
    }
    const refused = (e: unknown) => {
      const code = (e as { code?: unknown }).code;
      // A copy refused for room is good but left out: saying it does not verify would send an operator the wrong way.
      const why = code === 'REVOCATION_LISTS_FULL' ? 'cached copy not restored: the revocation lists hold all the memory they may' : 'cached copy does not verify, ignored';
      warn(`revocation cache: ${why}`, { file, ...(typeof code === 'string' ? { code } : {}) });
    };
    const malformed = state.kind === 'crl' ? 'CRL_MALFORMED' : 'STATUS_LIST_MALFORMED';
    if (bytes instanceof FileTooLargeError) {
      // Damaged: never read beyond the limit. Fetched again rather than waiting for a credential to name it.
      refused(new KakuninError(malformed, `cached copy larger than ${bytes.limit} bytes`));
      lists.want(target);
      return undefined;
    }
    const fetchedAt = new Date(state.fetchedAt!);
    if (Number.isNaN(fetchedAt.getTime()) || fetchedAt > at) {
      refused(new KakuninError(malformed, 'fetchedAt is not a past time'));
      return undefined;
    }
    return { target, bytes, fetchedAt, refused };
  }
}
