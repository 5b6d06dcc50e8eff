/**
 * What every kakunin command shares: its input/output, the trust store of --trust, and the time
 * options (--at, --clock-skew).
 */
import type { TrustStore } from '../trust/store.js';
import { loadTrustStore, PACKAGE_CERTS_DIR } from '../runtime/trust-folder.js';
import { UsageError } from './input.js';

/** The shipped production trust sets (certs/ at the package root). */
export const DEFAULT_TRUST_DIR = PACKAGE_CERTS_DIR;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The trust store of --trust (default: the package's certs). Files that cannot be used are
 * reported on stderr and skipped; no anchor at all is a usage error. */
export function loadTrust(paths: string[] | undefined, includeTest: boolean, io: Pick<CliIo, 'err'>): TrustStore {
  let store: TrustStore;
  try {
    store = loadTrustStore(paths?.length ? paths : [DEFAULT_TRUST_DIR], { includeTest });
  } catch (e) {
    throw new UsageError(`trust: ${(e as Error).message}`);
  }
  for (const w of store.warnings) io.err(`kakunin: trust: skipped ${w}`);
  if (store.anchors.length === 0) throw new UsageError(`trust: no trust anchor in ${(paths?.length ? paths : [DEFAULT_TRUST_DIR]).join(', ')}`);
  return store;
}

export function parseAt(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const d = new Date(at);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(at)) throw new UsageError(`--at: not an RFC 3339 time: ${at}`);
  return d;
}

/** --clock-skew: seconds, or undefined for the pipeline's default. */
export function parseSkew(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const skew = Number(value);
  if (!(skew >= 0)) throw new UsageError('--clock-skew: a number of seconds');
  return skew;
}
