/**
 * `kakunin keys init [--dir DIR] [--host HOST] [--force]`: the secrets a deployment needs, written
 * where compose.yaml expects them, with Node alone (no openssl, no basenc: the same on macOS, Linux
 * and Windows):
 *   DIR/receipt.pem            P-256 key that signs receipts (PKCS#8), shared by every instance
 *   DIR/verifier.pem           development verifier (reader) certificate chain for HOST, leaf first
 *   DIR/verifier.key.pem       its private key
 *   DIR/verifier-root.pem      the development root that issued it (for test wallets that pin it)
 *   .env (beside DIR)          KAKUNIN_API_KEYS and KAKUNIN_STORE_KEY, which `docker compose` reads
 * Existing files are kept unless --force: a new store key makes every sealed Redis value unreadable,
 * a new receipt key invalidates the published one. DIR is made 0700 and the files in it 0644, so the
 * container (uid 1000) can read the compose secrets whoever owns them (secrets-folder.ts); .env is 0600.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { newKeyPair } from '../cose/key-pair.js';
import { createDevelopmentIdentity } from '../protocols/keys/verifier-identity.js';
import { UsageError } from './input.js';
import { CSR_USAGE, importCertificate, writeCsr } from './keys-csr.js';
import { secretsFolder, writeMountedSecret } from './secrets-folder.js';
import type { CliIo } from './options.js';

const USAGE = `Usage: kakunin keys init [--dir DIR] [--host HOST] [--force]
       kakunin keys csr | import ...   (the certificate Apple or your CA issues; kakunin keys csr --help)

Writes the secrets a deployment needs (default DIR: ./secrets, where compose.yaml reads them):
  DIR/receipt.pem                          the receipt signing key (P-256, PKCS#8)
  DIR/verifier.pem, DIR/verifier.key.pem   a development verifier certificate for HOST (default
                                           localhost) and its key; production uses the certificate
                                           Apple or your CA issues (docs/verifier-certificates.md)
  DIR/verifier-root.pem                    the development root that issued it
  .env next to DIR                         KAKUNIN_API_KEYS and KAKUNIN_STORE_KEY for docker compose
Existing files are kept unless --force. DIR is made mode 0700 (only you can enter it) and the keys in
it 0644, so the container's user (uid 1000) can read them as compose mounts them; .env is 0600.`;

function write(file: string, content: string, force: boolean, io: CliIo, written: string[], mode = 0o600): void {
  if (existsSync(file) && !force) {
    io.out(`kept     ${file} (exists; --force replaces it)`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeMountedSecret(file, content, mode);
  written.push(file);
  io.out(`written  ${file} (mode ${mode.toString(8)})`);
}

/**
 * Makes sure an ignore file (.gitignore, .dockerignore) lists the secrets, creating it or adding the
 * missing lines, and says which it did: the secrets must not reach git or a Docker build context.
 */
function ignoreEntries(file: string, entries: string[]): string {
  const present = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const lines = new Set((present ?? '').split(/\r?\n/).map((l) => l.trim()));
  const missing = entries.filter((e) => !lines.has(e) && !lines.has(e.replace(/\/$/, '')) && !lines.has(`/${e}`));
  if (missing.length === 0) return `ignored  ${entries.join(', ')} (already in ${file})`;
  appendFileSync(file, `${present === undefined || present.endsWith('\n') || present === '' ? '' : '\n'}# secrets written by \`kakunin keys init\`\n${missing.join('\n')}\n`);
  return `${present === undefined ? 'created ' : 'added   '} ${missing.join(', ')} to ${file}`;
}

export async function runKeys(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    const text = { type: 'string' } as const;
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: text,
        host: text,
        force: { type: 'boolean' },
        help: { type: 'boolean' },
        // keys csr / keys import
        domain: text,
        country: text,
        state: text,
        org: text,
        unit: text,
        email: text,
        cert: text,
        chain: text,
      },
    });
  } catch (e) {
    throw new UsageError(`keys: ${(e as Error).message}`);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help) {
    io.out(command === 'csr' || command === 'import' ? CSR_USAGE : USAGE);
    return 0;
  }
  if (positionals.length === 1 && command === 'csr') return writeCsr(values, resolve(values.dir ?? 'secrets'), io);
  if (positionals.length === 1 && command === 'import') return importCertificate(values, resolve(values.dir ?? 'secrets'), io);
  if (positionals.length !== 1 || command !== 'init') throw new UsageError(`keys: expected "init", "csr" or "import"\n\n${USAGE}`);
  const dir = resolve(values.dir ?? 'secrets');
  const host = values.host ?? 'localhost';
  const force = values.force === true;
  const written: string[] = [];

  // What compose mounts into the container (uid 1000) must be readable there: secrets-folder.ts.
  const { mountedFileMode } = secretsFolder(dir, io.out);
  const receipt = newKeyPair('P-256').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  write(join(dir, 'receipt.pem'), receipt, force, io, written, mountedFileMode);
  const identity = await createDevelopmentIdentity(host, new Date());
  write(join(dir, 'verifier.pem'), identity.leafPem, force, io, written, mountedFileMode);
  write(join(dir, 'verifier.key.pem'), identity.keyPem, force, io, written, mountedFileMode);
  write(join(dir, 'verifier-root.pem'), identity.rootPem, force, io, written, mountedFileMode);
  const env = [
    '# Written by `kakunin keys init`: secrets for docker compose. Keep this file out of version control.',
    `KAKUNIN_API_KEYS=${randomBytes(24).toString('hex')}`,
    `KAKUNIN_STORE_KEY=${randomBytes(32).toString('base64url')}`,
    '',
  ].join('\n');
  // .env is read by compose on the host, never mounted: its owner alone.
  write(join(dirname(dir), '.env'), env, force, io, written, 0o600);
  if (written.length === 0) {
    io.out('Nothing written.');
    return 0;
  }
  const root = dirname(dir);
  const entries = [`${relative(root, dir).split(sep).join('/') || basename(dir)}/`, '.env'];
  for (const name of ['.gitignore', '.dockerignore']) io.out(ignoreEntries(join(root, name), entries));
  io.out('Keep these files secret: never commit them or copy them into an image.');
  return 0;
}
