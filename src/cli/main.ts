/**
 * `kakunin <command>`: the command-line entry point. Each command lives in its own module and is
 * loaded only when used, so `kakunin verify` does not pay for the HTTP service.
 */
import { UsageError } from './input.js';
import type { CliIo } from './options.js';

const USAGE = `kakunin: verifier for ISO/IEC 18013-5 mdoc credentials

Commands:
  demo [options]              the service in sandbox mode with a walkthrough (a sandbox wallet answers)
  serve [options]             the verifier service (HTTP API, counter and merchant pages)
  check [serve|demo] [options]  every check a start makes (files, keys, certificates, trust sets,
                              purposes, Redis), without listening: exit 1 listing every problem
  verify RESPONSE [options]   verify a DeviceResponse, or a DC API / OpenID4VP response with --protocol
  reader --purpose P          in-person ISO 18013-5 reader (QR or NFC engagement)
  trust list | lists | import-vical   inspect and update the trust sets and revocation lists
  keys init [--dir secrets]   write the receipt key, store key, API key and a development verifier
                              certificate where compose.yaml expects them
  keys csr | keys import      the key and signing request for Apple Business Connect (or your CA),
                              then the certificate it issues
  help                        this text

Each command takes --help.`;

const io: CliIo = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'verify':
      return (await import('./verify.js')).runVerify(rest, io);
    case 'trust':
      return (await import('./trust.js')).runTrust(rest, io);
    case 'keys':
      return (await import('./keys.js')).runKeys(rest, io);
    case 'reader': {
      const code = await (await import('./reader.js')).runReader(rest, { ...io, stdin: process.stdin });
      // Radio libraries (bleno, noble, pcsclite) keep native handles open after the session is torn
      // down; the reader's work is done, so leave once what it printed has been written.
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      process.exit(code);
    }
    case 'check':
      return (await import('../service/startup/check.js')).runCheck(rest, process.env, io);
    case 'serve':
    case 'demo':
      // Runs until SIGTERM/SIGINT; a start-up problem prints one line naming it and exits 1.
      await (await import('../service/startup/main.js')).startFromCommandLine([command, ...rest]);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      io.err(`kakunin: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    // A failure the commands did not anticipate: report it without a stack trace full of paths,
    // and exit 2 (the input could not be processed), never 0 or 1.
    io.err(`kakunin: internal error: ${(e as Error)?.message ?? String(e)}`);
    process.exitCode = 2;
  },
);
