/**
 * `kakunin verify RESPONSE [--transcript FILE] [--reader-key FILE] [--trust PATH]... [--at RFC3339]
 *  [--clock-skew SECONDS] [--json]`
 * Exit codes: 0 every document valid, 1 any invalid, 2 usage error or unreadable file.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { verifyDeviceResponse } from '../mdoc/verify.js';
import { loadTrustStore, type TrustStore } from '../trust/store.js';
import { resultToJson, resultToText } from './format.js';
import { decodeBinaryText, readFile, readReaderKey, UsageError } from './input.js';

/** The shipped production trust sets (certs/ at the package root). */
export const DEFAULT_TRUST_DIR = fileURLToPath(new URL('../../certs', import.meta.url));

export const VERIFY_USAGE = `Usage: kakunin verify RESPONSE [options]

RESPONSE is a DeviceResponse file: raw CBOR, hex or base64url.
  --transcript FILE   SessionTranscript CBOR (with or without the #6.24 wrapper; raw, hex or base64url)
  --reader-key FILE   reader's ephemeral P-256 private key (PKCS8 PEM or hex d), for deviceMac
  --trust PATH        trust anchor file (PEM/DER) or folder; repeatable (default: the shipped certs/)
  --test-roots        also load the test and sandbox sets of the trust folders
  --at RFC3339        verify as of this time (default: now)
  --clock-skew S      tolerance on MSO validity, seconds (default 300)
  --protocol P        org-iso-mdoc | openid4vp-dcapi | openid4vp: build the transcript from the
                      protocol parameters and decrypt first (see kakunin verify --protocol P --help)
  --json              machine-readable result
Exit: 0 all documents valid, 1 any invalid, 2 usage error or unreadable file.`;

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

export async function runVerify(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: false,
      options: {
        transcript: { type: 'string' },
        'reader-key': { type: 'string' },
        trust: { type: 'string', multiple: true },
        'test-roots': { type: 'boolean' },
        at: { type: 'string' },
        'clock-skew': { type: 'string' },
        protocol: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${VERIFY_USAGE}`);
    return 2;
  }
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  if (v.protocol !== undefined) {
    return (await import('./verify-protocol.js')).runProtocolVerify(argv, io);
  }
  const known = new Set(['transcript', 'reader-key', 'trust', 'test-roots', 'at', 'clock-skew', 'protocol', 'json', 'help']);
  const unknown = Object.keys(v).filter((k) => !known.has(k));
  if (v.help) {
    io.out(VERIFY_USAGE);
    return 0;
  }
  if (unknown.length || args.positionals.length !== 1) {
    io.err(`${unknown.length ? `unknown option --${unknown[0]}` : 'give exactly one RESPONSE file'}\n\n${VERIFY_USAGE}`);
    return 2;
  }
  try {
    const response = decodeBinaryText(readFile(args.positionals[0]));
    const sessionTranscript = typeof v.transcript === 'string' ? decodeBinaryText(readFile(v.transcript)) : undefined;
    const readerEphemeralKey = typeof v['reader-key'] === 'string' ? readReaderKey(v['reader-key']) : undefined;
    const skew = parseSkew(v['clock-skew']);
    const trust = loadTrust(v.trust as string[] | undefined, v['test-roots'] === true, io);
    const result = verifyDeviceResponse(response, {
      trust,
      at: parseAt(v.at as string | undefined),
      sessionTranscript,
      readerEphemeralKey,
      clockSkewSeconds: skew,
    });
    io.out(v.json ? JSON.stringify(resultToJson(result), null, 2) : resultToText(result));
    return result.valid ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kakunin verify: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
