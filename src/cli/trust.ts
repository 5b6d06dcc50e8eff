/**
 * `kakunin trust import-vical FILE --root PEM --into SET [--certs DIR] [--at RFC3339] [--allow-stale] [--test] [--json]`
 * `kakunin trust list [--certs DIR] [--test-roots] [--json]`
 * Exit codes: 0 done, 1 the VICAL was rejected (bad signature, untrusted, expired, malformed),
 * 2 usage error or unreadable file.
 */
import { parseArgs } from 'node:util';
import { KakuninError } from '../codes/error.js';
import { readCertificates } from '../trust/certificate.js';
import { DEFAULT_REVOCATION_CACHE_DIR, RevocationCache } from '../runtime/revocation-cache.js';
import { SOLE_AUTHORITY_DOCTYPES } from '../trust/document-signer-profiles.js';
import type { TrustAnchor } from '../trust/store.js';
import { FileTooLargeError, readFileAtMost } from '../runtime/bounded-read.js';
import { loadTrustStore, MAX_TRUST_FILE_BYTES } from '../runtime/trust-folder.js';
import { MAX_VICAL_BYTES, verifyVical } from '../trust/vical.js';
import { importVical } from '../runtime/vical-import.js';
import { UsageError } from './input.js';
import { DEFAULT_TRUST_DIR, parseAt, type CliIo } from './options.js';

export const TRUST_USAGE = `Usage:
  kakunin trust import-vical FILE --root PEM --into SET [options]
      verify a signed VICAL (ISO 18013-5 Annex C) and write its IACAs into certs/SET
      --root PEM       VICAL signer root (or pinned signer) certificate; repeatable
      --into SET       trust set folder name (e.g. us-aamva)
      --certs DIR      certs folder (default: the shipped certs/)
      --at RFC3339     verify as of this time (default: now)
      --allow-stale    accept a VICAL whose nextUpdate has passed (archived copy)
      --test           mark the imported anchors as test anchors
  kakunin trust list [--certs DIR] [--test-roots] [--revocation-cache DIR] [--at RFC3339] [--json]
      set, subject, country, SHA-256, validity and source of every trust anchor, marking those
      [EXPIRED] or expiring within 90 days (as of --at, default now), then the revocation lists
      the service holds (URL, kind, age, valid until, last error)
  kakunin trust lists [--revocation-cache DIR] [--json]
      the revocation lists only (--revocation-cache: the service's KAKUNIN_REVOCATION_CACHE,
      default ${DEFAULT_REVOCATION_CACHE_DIR})
Exit: 0 done, 1 VICAL rejected, 2 usage error or unreadable file.`;

/** The bytes of `path`, never more than `limit` of them read; past it FileTooLargeError, other failures a usage error. */
function readOrUsage(path: string, limit: number): Uint8Array {
  try {
    return readFileAtMost(path, limit);
  } catch (e) {
    if (e instanceof FileTooLargeError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        root: { type: 'string', multiple: true },
        into: { type: 'string' },
        certs: { type: 'string' },
        at: { type: 'string' },
        'allow-stale': { type: 'boolean' },
        test: { type: 'boolean' },
        'test-roots': { type: 'boolean' },
        'revocation-cache': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function importCommand(args: ReturnType<typeof parse>, io: CliIo): number {
  const v = args.values;
  const [file, ...extra] = args.positionals;
  if (!file || extra.length) throw new UsageError('give exactly one VICAL FILE');
  if (!v.root?.length) throw new UsageError('--root PEM is required');
  if (!v.into || !/^[a-z0-9][a-z0-9-]*$/.test(v.into)) throw new UsageError('--into SET: a trust set name (lower case, digits, dashes)');
  if ((v.into === 'test' || v.into === 'sandbox') && !v.test) throw new UsageError(`--into ${v.into} needs --test`);
  const roots = v.root.flatMap((p) => {
    try {
      return readCertificates(readOrUsage(p, MAX_TRUST_FILE_BYTES));
    } catch (e) {
      throw e instanceof FileTooLargeError ? new UsageError(`--root ${e.message}`) : e;
    }
  });
  if (roots.length === 0) throw new UsageError('--root: no certificate found');
  const at = parseAt(v.at);
  let verified;
  try {
    let bytes: Uint8Array;
    try {
      bytes = readOrUsage(file, MAX_VICAL_BYTES);
    } catch (e) {
      // Refused as verifyVical refuses it, without reading more of the file than that.
      if (e instanceof FileTooLargeError) throw new KakuninError('VICAL_MALFORMED', `VICAL larger than ${MAX_VICAL_BYTES} bytes`);
      throw e;
    }
    verified = verifyVical(bytes, { roots, at, allowStale: v['allow-stale'] === true });
  } catch (e) {
    if (e instanceof KakuninError) {
      io.err(`kakunin trust: VICAL rejected: ${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const result = importVical(verified, { certsDir: v.certs ?? DEFAULT_TRUST_DIR, set: v.into, source: file, test: v.test === true, at });
  const { vical } = verified;
  if (v.json) {
    io.out(JSON.stringify({ vicalProvider: vical.vicalProvider, vicalIssueID: vical.vicalIssueID, date: vical.date.toISOString(), nextUpdate: vical.nextUpdate?.toISOString(), ...result }, null, 2));
  } else {
    io.out(`${vical.vicalProvider} VICAL ${vical.vicalIssueID ?? ''} of ${vical.date.toISOString()}: signature valid (signer ${verified.signerPath.signer.subject.split('\n').join(', ')})`);
    io.out(`${result.written.length} IACAs written to ${v.into}, ${result.removed.length} removed`);
    for (const w of result.written) io.out(`  ${w.sha256.slice(0, 16)}  ${w.subject}${w.warnings.length ? `  [${w.warnings.join('; ')}]` : ''}`);
  }
  return 0;
}

/** An anchor this close to its end is flagged, so the set gets its successor in time. */
const EXPIRING_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * Where an anchor stands at `at`: an expired (or not yet valid) anchor still loads, but no chain
 * through it verifies, so a listing says so rather than leave it looking trusted.
 */
function validityAt(notBefore: Date, notAfter: Date, at: Date): 'valid' | 'expiring' | 'expired' | 'not-yet-valid' {
  if (at < notBefore) return 'not-yet-valid';
  if (at > notAfter) return 'expired';
  return notAfter.getTime() - at.getTime() <= EXPIRING_DAYS * DAY_MS ? 'expiring' : 'valid';
}

function validityMark(validity: ReturnType<typeof validityAt>, notAfter: string, at: Date): string {
  if (validity === 'expired') return `\t[EXPIRED ${notAfter.slice(0, 10)}]`;
  if (validity === 'not-yet-valid') return '\t[NOT YET VALID]';
  if (validity === 'expiring') return `\t[EXPIRES IN ${Math.ceil((Date.parse(notAfter) - at.getTime()) / DAY_MS)} DAYS]`;
  return '';
}

function listCommand(args: ReturnType<typeof parse>, io: CliIo): number {
  const v = args.values;
  if (args.positionals.length) throw new UsageError('list takes no arguments');
  let store;
  try {
    store = loadTrustStore([v.certs ?? DEFAULT_TRUST_DIR], { includeTest: v['test-roots'] === true });
  } catch (e) {
    throw new UsageError(`trust: ${(e as Error).message}`);
  }
  const at = parseAt(v.at);
  const rows = store.anchors.map((a) => ({
    set: a.set,
    name: a.name,
    subject: a.certificate.subject.split('\n').join(', '),
    country: a.country,
    sha256: a.certificate.sha256,
    notBefore: a.certificate.notBefore.toISOString(),
    notAfter: a.certificate.notAfter.toISOString(),
    docTypes: a.docTypes ?? [],
    maySign: maySign(a),
    documentSignerEku: a.documentSignerEku,
    source: a.source,
    test: a.test,
    validity: validityAt(a.certificate.notBefore, a.certificate.notAfter, at),
  }));
  for (const w of store.warnings) io.err(`kakunin trust: skipped ${w}`);
  if (v.json) {
    io.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  io.out('set\tcountry\tsha256\tvalidity\tsubject\tmay sign\tsource');
  for (const r of rows) {
    io.out(
      `${r.set}\t${r.country ?? '--'}\t${r.sha256}\t${r.notBefore.slice(0, 10)}..${r.notAfter.slice(0, 10)}\t${r.subject}\tmay sign: ${r.maySign}\t${r.source ?? ''}${r.test ? '\t[TEST]' : ''}${validityMark(r.validity, r.notAfter, at)}`,
    );
  }
  const expired = rows.filter((r) => r.validity === 'expired').length;
  const expiring = rows.filter((r) => r.validity === 'expiring').length;
  const attention = [expired ? `${expired} expired` : '', expiring ? `${expiring} expiring within ${EXPIRING_DAYS} days` : ''].filter(Boolean).join(', ');
  io.out(`${rows.length} anchors in ${store.sets.length} sets${rows.some((r) => r.test) ? ' (test anchors included)' : ''}${attention ? `; ${attention}` : ''}`);
  const dir = v['revocation-cache'] ?? DEFAULT_REVOCATION_CACHE_DIR;
  io.out('');
  printRevocationLists(
    revocationRows(dir, at, (m) => io.err(`kakunin trust: ${m}`)),
    dir,
    at,
    io,
  );
  return 0;
}

/** What an anchor may sign, as verification decides it (trust/chain.ts). */
function maySign(a: TrustAnchor): string {
  if (a.docTypes?.length) return a.docTypes.join(', ');
  const sole = Object.keys(SOLE_AUTHORITY_DOCTYPES);
  return a.test ? 'any docType (test anchor)' : `any docType but ${sole.join(', ')}`;
}

interface ListRow {
  url: string;
  kind: string;
  fetchedAt?: string;
  ageSeconds?: number;
  validUntil?: string;
  lastAttempt?: string;
  lastError?: { code: string; message: string; at: string };
}

/** What the service's cache says about each list. The CLI shows it; only the service verifies and uses it. */
function revocationRows(dir: string, at: Date, warn: (m: string) => void): ListRow[] {
  const cache = new RevocationCache(dir);
  return cache
    .load((message, detail) => warn(`${message}: ${detail.file}`))
    .map(({ state, copyFile }) => ({
      url: state.url,
      kind: state.kind,
      ...(copyFile && state.fetchedAt ? { fetchedAt: state.fetchedAt, ageSeconds: Math.max(0, Math.round((at.getTime() - Date.parse(state.fetchedAt)) / 1000)) } : {}),
      ...(state.validUntil ? { validUntil: state.validUntil } : {}),
      ...(state.lastAttempt ? { lastAttempt: state.lastAttempt } : {}),
      ...(state.lastError ? { lastError: state.lastError } : {}),
    }));
}

function age(seconds: number | undefined): string {
  if (seconds === undefined) return 'never fetched';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function printRevocationLists(rows: ListRow[], dir: string, at: Date, io: CliIo): void {
  io.out(`revocation lists (${dir}):`);
  if (rows.length === 0) io.out('  none cached (the service writes them here once it has fetched them)');
  for (const r of rows) {
    const expired = r.validUntil && Date.parse(r.validUntil) < at.getTime() ? ' [EXPIRED]' : '';
    const err = r.lastError ? `\tlast error ${r.lastError.code} at ${r.lastError.at}: ${r.lastError.message}` : '';
    io.out(`  ${r.kind}\t${r.url}\tage ${age(r.ageSeconds)}\tvalid until ${r.validUntil ?? '--'}${expired}${err}`);
  }
}

function listsCommand(args: ReturnType<typeof parse>, io: CliIo): number {
  if (args.positionals.length) throw new UsageError('lists takes no arguments');
  const dir = args.values['revocation-cache'] ?? DEFAULT_REVOCATION_CACHE_DIR;
  // The CLI reports the time it runs at; nothing here is verified against it.
  const at = new Date();
  const rows = revocationRows(dir, at, (m) => io.err(`kakunin trust: ${m}`));
  if (args.values.json) io.out(JSON.stringify(rows, null, 2));
  else printRevocationLists(rows, dir, at, io);
  return 0;
}

export async function runTrust(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const args = parse(rest);
    if (args.values.help || command === undefined || command === 'help' || command === '--help') {
      io.out(TRUST_USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'import-vical') return importCommand(args, io);
    if (command === 'list') return listCommand(args, io);
    if (command === 'lists') return listsCommand(args, io);
    throw new UsageError(`unknown trust command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kakunin trust: ${e.message}\n\n${TRUST_USAGE}`);
      return 2;
    }
    throw e;
  }
}
