/**
 * Writes the IACAs of a verified VICAL into a trust set folder (certs/<set>/), in the agreed
 * layout: <file>.pem plus a side file <file>.json with name, source, sha256, docTypes, country and
 * the VICAL they came from. The VICAL is authoritative for its provider: certificates a previous
 * import from the same provider wrote and this VICAL no longer lists are removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate } from '../trust/certificate.js';
import type { VerifiedVical, VicalCertificateInfo } from '../trust/vical.js';

/** One IACA importVical wrote to the trust folder: the file, its digest, subject, docTypes and any warnings. */
export interface ImportedCertificate {
  file: string;
  sha256: string;
  subject: string;
  docTypes: string[];
  /** The listed certificate is not a CA or is outside its validity at import time; imported all the same, flagged. */
  warnings: string[];
}

/** What importVical did: certificates written, kept, skipped, each with the reason. */
export interface VicalImportResult {
  set: string;
  written: ImportedCertificate[];
  removed: string[];
}

export interface VicalSideFile {
  name: string;
  source: string;
  sha256: string;
  docTypes: string[];
  country?: string;
  test: boolean;
  notes: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  vical: { provider: string; issueID?: number; date: string };
}

function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48);
}

/** Atomic on POSIX: a reader (the trust store loading at start-up) never sees half a file. */
function writeAtomically(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Where importVical writes (the trust folder and set) and what it may replace. */
export interface ImportVicalOptions {
  /** certs/ folder. */
  certsDir: string;
  set: string;
  /** Where the VICAL was obtained (URL or file name), for the side files. */
  source: string;
  /** Mark the imported anchors as test anchors (a test VICAL). */
  test?: boolean;
  at: Date;
}

/**
 * Writes the IACAs a verified VICAL lists into a trust folder (one PEM and side file each), keeping what the operator marked as not to be imported.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { importVical, verifyVical } from 'kakunin';
 * declare const vicalSignerRootDer: Uint8Array; // the VICAL provider's root certificate, DER
 * const verified = verifyVical(readFileSync('vical.cbor'), { roots: [vicalSignerRootDer], at: new Date() });
 * const { written } = importVical(verified, { certsDir: './certs', set: 'aamva', source: 'https://vical.example/vical.cbor', at: new Date() });
 * ```
 */
export function importVical(verified: VerifiedVical, options: ImportVicalOptions): VicalImportResult {
  const { vical } = verified;
  const dir = join(options.certsDir, options.set);
  mkdirSync(dir, { recursive: true });
  const provider = vical.vicalProvider;
  const prefix = `vical-${slug(provider)}-`;
  const written: ImportedCertificate[] = [];
  const keep = new Set<string>();
  for (const info of vical.certificateInfos) {
    const entry = writeOne(dir, prefix, info, verified, options);
    keep.add(entry.file);
    written.push(entry);
  }
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix) || !f.endsWith('.json')) continue;
    const base = f.slice(0, -5);
    if (keep.has(base)) continue;
    let side: Partial<VicalSideFile>;
    try {
      side = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Partial<VicalSideFile>;
    } catch {
      continue;
    }
    if (side.vical?.provider !== provider) continue;
    for (const ext of ['.pem', '.json']) if (existsSync(join(dir, base + ext))) unlinkSync(join(dir, base + ext));
    removed.push(base);
  }
  return { set: options.set, written, removed };
}

function writeOne(dir: string, prefix: string, info: VicalCertificateInfo, verified: VerifiedVical, options: ImportVicalOptions): ImportedCertificate {
  const { vical } = verified;
  const cert = parseCertificate(info.certificate);
  const subject = cert.subject.split('\n').join(', ');
  const cn = /CN=([^\n]+)/.exec(cert.subject)?.[1] ?? 'iaca';
  const region = info.stateOrProvinceName || info.issuingCountry || cert.country || '';
  const file = `${prefix}${slug(`${region}-${cn}`)}-${info.sha256.slice(0, 8)}`;
  const warnings: string[] = [];
  if (!cert.isCA) warnings.push('not a CA certificate');
  const t = options.at.getTime();
  if (t < cert.notBefore.getTime() || t > cert.notAfter.getTime()) warnings.push(`outside its validity ${cert.notBefore.toISOString()}..${cert.notAfter.toISOString()}`);
  const side: VicalSideFile = {
    name: info.issuingAuthority ? `${info.issuingAuthority}` : subject,
    source: options.source,
    sha256: info.sha256,
    docTypes: info.docTypes,
    country: info.issuingCountry && /^[A-Z]{2}$/.test(info.issuingCountry) ? info.issuingCountry : cert.country,
    test: options.test ?? false,
    notes:
      `certificateInfo of the ${vical.vicalProvider} VICAL ${vical.vicalIssueID ?? ''} dated ${vical.date.toISOString()}, signature verified with signer "${verified.signerPath.signer.subject.split('\n').join(', ')}" under "${verified.signerPath.anchor.subject.split('\n').join(', ')}".`.replace(
        '  ',
        ' ',
      ),
    subject,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    vical: { provider: vical.vicalProvider, issueID: vical.vicalIssueID, date: vical.date.toISOString() },
  };
  writeAtomically(join(dir, `${file}.pem`), pem(info.certificate));
  writeAtomically(join(dir, `${file}.json`), JSON.stringify(side, null, 2) + '\n');
  return { file, sha256: info.sha256, subject, docTypes: info.docTypes, warnings };
}
