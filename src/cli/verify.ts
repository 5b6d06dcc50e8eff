/**
 * `kakunin verify RESPONSE [--transcript FILE] [--reader-key FILE] [--trust PATH]... [--at RFC3339]
 *  [--clock-skew SECONDS] [--json]`
 * Exit codes: 0 every document valid, 1 any invalid, 2 usage error or unreadable file.
 */
import { parseArgs } from 'node:util';
import { verifyDeviceResponse } from '../mdoc/verify.js';
import { resultToJson, resultToText } from './format.js';
import { decodeBinaryText, readFile, readReaderKey, UsageError } from './input.js';
import { loadTrust, parseAt, parseSkew, type CliIo } from './options.js';

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
No revocation lists are fetched: an MSO status reference is listed as skipped (STATUS_UNAVAILABLE)
and does not change the verdict.
Exit: 0 all documents valid, 1 any invalid, 2 usage error or unreadable file.`;

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
