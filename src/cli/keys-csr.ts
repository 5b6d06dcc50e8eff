/**
 * The verifier certificate Apple issues for "Verify with Wallet on the Web" (Apple Business Connect),
 * or any CA: `kakunin keys csr` makes the key and the certificate signing request in the form Apple
 * Business Connect's guide asks for (PEM; common name the website's fully qualified domain name,
 * country, state or locality, organization, optional unit, the administrator's email address), and
 * `kakunin keys import` takes the issued certificate back, checks it is for that key and valid now,
 * and writes the chain where the service reads it (KAKUNIN_VERIFIER_CERT_FILE). At start the service
 * checks the chain, the domain against PUBLIC_URL and warns 30 days before expiry
 * (protocols/keys/verifier-identity-check.ts).
 *
 * The key is ECDSA P-256: readerAuth is a COSE_Sign1 (ISO 18013-5 §9.1.4) and the OpenID4VP request
 * object an ES256 JWS, and ISO 18013-5 Annex B's reader authentication certificate is an EC one.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { secretsFolder, writeMountedSecret } from './secrets-folder.js';
import { join } from 'node:path';
import { newKeyPair } from '../cose/key-pair.js';
import * as x509 from '../trust/x509.js';
import { UsageError } from './input.js';
import type { CliIo } from './options.js';

export const CSR_USAGE = `Usage: kakunin keys csr --domain FQDN --country CC --state STATE --org NAME --email ADDRESS [--unit NAME] [--dir DIR] [--force]
       kakunin keys import --cert FILE [--chain FILE] [--dir DIR]

csr     writes DIR/verifier.key.pem (a new P-256 key) and DIR/verifier.csr.pem, the certificate signing
        request to upload to Apple Business Connect (Verify with Wallet on the Web) or your CA.
import  checks the issued certificate (FILE, PEM; --chain: its intermediates) is for DIR/verifier.key.pem
        and valid now, and writes DIR/verifier.pem: set KAKUNIN_VERIFIER_CERT_FILE to it and
        KAKUNIN_VERIFIER_KEY_FILE to DIR/verifier.key.pem.`;

const FQDN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

function need(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`keys csr: --${name} is required\n\n${CSR_USAGE}`);
  return v.trim();
}

export async function writeCsr(values: Record<string, string | boolean | undefined>, dir: string, io: CliIo): Promise<number> {
  const domain = need(values, 'domain').toLowerCase();
  if (!FQDN.test(domain)) throw new UsageError(`keys csr: --domain must be the website's fully qualified domain name, got "${domain}"`);
  const country = need(values, 'country').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new UsageError(`keys csr: --country must be a two-letter country code (JP), got "${country}"`);
  const email = need(values, 'email');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new UsageError(`keys csr: --email is not an email address: "${email}"`);
  const keyFile = join(dir, 'verifier.key.pem');
  const csrFile = join(dir, 'verifier.csr.pem');
  if (!values.force && (existsSync(keyFile) || existsSync(csrFile))) {
    throw new UsageError(`keys csr: ${keyFile} or ${csrFile} exists; --force replaces them (the certificate issued for the old key stops matching)`);
  }
  const { privateKey } = newKeyPair('P-256');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = {
    privateKey: await crypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
    publicKey: await crypto.subtle.importKey('spki', createPublicKey(privateKey).export({ format: 'der', type: 'spki' }), alg, true, ['verify']),
  };
  const subject: Record<string, string[]>[] = [
    { CN: [domain] },
    { C: [country] },
    { ST: [need(values, 'state')] },
    { O: [need(values, 'org')] },
    ...(typeof values.unit === 'string' && values.unit.trim() ? [{ OU: [values.unit.trim()] }] : []),
    { E: [email] },
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: new x509.Name(subject),
      keys,
      signingAlgorithm: alg,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: domain }]), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    crypto,
  );
  // The key goes where compose mounts verifier.key.pem: readable by the container's uid 1000 (secrets-folder.ts).
  const { mountedFileMode } = secretsFolder(dir, io.out);
  writeMountedSecret(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, mountedFileMode);
  writeFileSync(csrFile, csr.toString('pem'));
  io.out(`written  ${keyFile} (keep it secret)\nwritten  ${csrFile}: upload it to Apple Business Connect (Verify with Wallet) or your CA, then run kakunin keys import --cert <issued.pem>`);
  return 0;
}

export function importCertificate(values: Record<string, string | boolean | undefined>, dir: string, io: CliIo, now = new Date()): number {
  const certFile = need(values, 'cert');
  const keyFile = join(dir, 'verifier.key.pem');
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`keys import: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const pems = [read(certFile), ...(typeof values.chain === 'string' ? [read(values.chain)] : [])].join('\n').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new UsageError(`keys import: ${certFile} holds no PEM certificate`);
  let certs: X509Certificate[];
  try {
    certs = pems.map((p) => new X509Certificate(p));
  } catch (e) {
    throw new UsageError(`keys import: ${certFile}: not a readable certificate (${(e as Error).message})`);
  }
  const leaf = certs[0];
  const key = createPrivateKey(read(keyFile));
  if (!leaf.checkPrivateKey(key)) throw new UsageError(`keys import: ${certFile} is not the certificate of ${keyFile} (was the CSR made with another key?)`);
  for (const c of certs) {
    if (now < new Date(c.validFrom) || now > new Date(c.validTo)) throw new UsageError(`keys import: "${c.subject.replace(/\n/g, ', ')}" is valid ${c.validFrom} to ${c.validTo}, not now`);
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].checkIssued(certs[i + 1]) || !certs[i].verify(certs[i + 1].publicKey)) throw new UsageError(`keys import: certificate ${i + 1} of the chain is not issued by certificate ${i + 2}`);
  }
  const selfSigned = (c: X509Certificate) => c.checkIssued(c) && c.verify(c.publicKey);
  if (selfSigned(leaf)) throw new UsageError(`keys import: ${certFile} is self-signed; wallets refuse a self-signed verifier certificate (HAIP 1.0 section 5)`);
  // A CA's bundle often ends with its root; the service refuses a file holding one, so it is left out here.
  const roots = certs.filter(selfSigned);
  for (const r of roots) io.out(`left out "${r.subject.replace(/\n/g, ', ')}": a self-signed root is never sent to a wallet (HAIP 1.0 section 5)`);
  const out = join(dir, 'verifier.pem');
  writeFileSync(
    out,
    certs
      .filter((c) => !roots.includes(c))
      .map((c) => c.toString())
      .join(''),
  );
  const days = Math.floor((new Date(leaf.validTo).getTime() - now.getTime()) / 86_400_000);
  io.out(`written  ${out} (${leaf.subject.replace(/\n/g, ', ')}; valid ${days} more days)\nSet KAKUNIN_VERIFIER_CERT_FILE=${out} and KAKUNIN_VERIFIER_KEY_FILE=${keyFile}.`);
  return 0;
}
