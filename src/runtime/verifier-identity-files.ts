/**
 * The verifier's identity on disk: the configured certificate and key files, and the development
 * identity generated once into a git-ignored folder (.kakunin/). What an identity is, and how one
 * is made, is protocols/keys/verifier-identity.ts; this file only reads and writes the files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDevelopmentIdentity, pemBlocks, verifierIdentityFromPem, type VerifierIdentity } from '../protocols/keys/verifier-identity.js';
import * as x509 from '../trust/x509.js';

/** Loads a configured identity: a PEM file with the leaf first (intermediates may follow, no root)
 * and a file with the leaf's private key (PKCS#8 or SEC1 PEM). The key must match the certificate. *
 * @example
 * ```ts
 * import { loadVerifierIdentity } from 'kakunin';
 * const identity = loadVerifierIdentity('secrets/verifier-cert.pem', 'secrets/verifier-key.pem');
 * ```
 */
export function loadVerifierIdentity(certificatePemFile: string, privateKeyPemFile: string): VerifierIdentity {
  return verifierIdentityFromPem(readFileSync(certificatePemFile, 'utf8'), readFileSync(privateKeyPemFile, 'utf8'), {
    certificate: certificatePemFile,
    key: privateKeyPemFile,
  });
}

/**
 * The development identity in `dir` (default `.kakunin/`) for `host`: loaded when present and made
 * for that host and still valid at `now`, generated otherwise and written unless `write` is false
 * (a check that must leave no files). The private key file is written with mode 0600.
 */
export async function loadOrCreateDevelopmentIdentity(host: string, now: Date, dir = '.kakunin', options: { write?: boolean } = {}): Promise<VerifierIdentity & { rootDer: Uint8Array }> {
  const certFile = join(dir, 'reader.pem');
  const keyFile = join(dir, 'reader.key.pem');
  const rootFile = join(dir, 'reader-root.pem');
  if (existsSync(certFile) && existsSync(keyFile) && existsSync(rootFile)) {
    const identity = loadVerifierIdentity(certFile, keyFile);
    const leaf = new x509.X509Certificate(identity.x5chain[0] as BufferSource);
    if (identity.dnsNames.includes(host) && leaf.notAfter > now && leaf.notBefore <= now) {
      return { ...identity, rootDer: pemBlocks(readFileSync(rootFile, 'utf8'))[0] };
    }
  }
  const made = await createDevelopmentIdentity(host, now);
  if (options.write === false) return made;
  mkdirSync(dir, { recursive: true });
  writeFileSync(rootFile, made.rootPem);
  writeFileSync(certFile, made.leafPem);
  writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
  return made;
}
