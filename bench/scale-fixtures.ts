/**
 * Fixtures of deployment size for `npm run bench:scale`: CRLs of up to a million entries, Token
 * Status Lists of up to a million entries, thousands of trust anchors, portraits of 50-100 KB and
 * responses with several documents. Built here, by code that test/bench/scale-fixtures.test.ts runs
 * at small sizes (the benchmark itself is not run in CI), so the fixtures cannot silently rot.
 *
 * The CRL is written as DER by hand: @peculiar/x509's generator builds an object per entry and takes
 * minutes for a million. What it writes is what issuers publish (RFC 5280 v2 CRL, ECDSA-SHA256,
 * 16-byte serials, UTCTime dates, a reasonCode on every other entry, a cRLNumber).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encodeCbor } from '../src/cbor/index.js';
import { toBeSigned } from '../src/cose/sign1.js';
import {
  createDeviceResponse,
  createDocumentSigner,
  createIaca,
  generateSandboxKeyPair,
  issueMdoc,
  MNC_DOCTYPE,
  MNC_JP_NS,
  createMyNumberCardElements,
  type IssuedMdoc,
  type SandboxCa,
  type SandboxCertificate,
} from '../src/sandbox/index.js';
import { parseCertificate } from '../src/trust/certificate.js';
import { MAX_LIST_BYTES } from '../src/trust/status-list.js';

export const SCALE_AT = new Date('2026-06-01T00:00:00Z');
export const SCALE_TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('scale').digest())]]);
const IACA_VALIDITY = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
const DS_VALIDITY = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
const MSO_VALIDITY = { signed: new Date('2026-05-01T00:00:00Z'), validFrom: new Date('2026-05-01T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };

/** An IACA with a CRL distribution point, a document signer under it and a status-list signer. */
export interface ScaleIssuer {
  iaca: SandboxCa;
  ds: SandboxCertificate;
  listSigner: { key: KeyObject; chain: Uint8Array[] };
  crlUrl: string;
  statusListUrl: string;
}

export async function createScaleIssuer(): Promise<ScaleIssuer> {
  const crlUrl = 'https://crl.scale.invalid/iaca.crl';
  const iaca = await createIaca({ ...IACA_VALIDITY, crlDistributionPoint: crlUrl });
  const ds = await createDocumentSigner(iaca, DS_VALIDITY);
  const sl = await createDocumentSigner(iaca, { ...DS_VALIDITY, commonName: 'kakunin scale status list signer' });
  return { iaca, ds, listSigner: { key: sl.keys.privateKey, chain: [sl.der] }, crlUrl, statusListUrl: 'https://status.scale.invalid/list/1' };
}

// ---- DER, by hand -------------------------------------------------------------------------------

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const ECDSA_SHA256 = tlv(0x30, Buffer.from('06082a8648ce3d040302', 'hex'));

function utcTime(d: Date): Buffer {
  const s = d.toISOString();
  return tlv(0x17, Buffer.from(`${s.slice(2, 4)}${s.slice(5, 7)}${s.slice(8, 10)}${s.slice(11, 13)}${s.slice(14, 16)}${s.slice(17, 19)}Z`, 'latin1'));
}

/** The serial of filler entry `i`: 16 bytes, positive, unique (the last four bytes are `i`). */
export function fillerSerial(i: number): Buffer {
  const b = Buffer.alloc(16);
  let x = (i * 2654435761) >>> 0 || 1;
  for (let k = 0; k < 12; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[k] = x & 0xff;
  }
  b[0] = (b[0] & 0x3f) | 0x10;
  b.writeUInt32BE(i >>> 0, 12);
  return b;
}

/** reasonCode keyCompromise, non-critical: Extensions { Extension { 2.5.29.21, OCTET STRING { ENUMERATED 1 } } }. */
const REASON_KEY_COMPROMISE = Buffer.from('300c300a0603551d1504030a0101', 'hex');

export interface LargeCrlOptions {
  thisUpdate: Date;
  nextUpdate: Date;
  /** Real serials (hex, as @peculiar/x509 prints them) to list besides the filler, with their dates. */
  revoked?: { serial: string; date: Date }[];
  crlNumber?: number;
}

/** A v2 CRL signed by `issuer` listing `count` filler serials (plus `revoked`), as DER. */
export function largeCrl(issuer: SandboxCa, count: number, options: LargeCrlOptions): Uint8Array {
  const date = utcTime(new Date('2026-05-01T00:00:00Z'));
  const withReason = 2 + 18 + date.length + REASON_KEY_COMPROMISE.length;
  const without = 2 + 18 + date.length;
  const entries = Buffer.alloc(Math.ceil(count / 2) * withReason + Math.floor(count / 2) * without);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const reason = i % 2 === 0;
    entries[o++] = 0x30;
    entries[o++] = (reason ? withReason : without) - 2;
    entries[o++] = 0x02;
    entries[o++] = 16;
    fillerSerial(i).copy(entries, o);
    o += 16;
    date.copy(entries, o);
    o += date.length;
    if (reason) {
      REASON_KEY_COMPROMISE.copy(entries, o);
      o += REASON_KEY_COMPROMISE.length;
    }
  }
  const real = (options.revoked ?? []).map((r) => {
    let hex = r.serial.toLowerCase();
    if (hex.length % 2) hex = `0${hex}`;
    if (parseInt(hex[0], 16) >= 8) hex = `00${hex}`;
    return tlv(0x30, tlv(0x02, Buffer.from(hex, 'hex')), utcTime(r.date));
  });
  const extensions = tlv(0xa0, tlv(0x30, tlv(0x30, Buffer.from('0603551d14', 'hex'), tlv(0x04, tlv(0x02, Buffer.from([options.crlNumber ?? 1]))))));
  const revokedCertificates = count + real.length > 0 ? [tlv(0x30, entries, ...real)] : [];
  const tbs = tlv(
    0x30,
    tlv(0x02, Buffer.from([1])),
    ECDSA_SHA256,
    Buffer.from(parseCertificate(issuer.der).subjectDer),
    utcTime(options.thisUpdate),
    utcTime(options.nextUpdate),
    ...revokedCertificates,
    extensions,
  );
  const signature = sign('sha256', tbs, issuer.keys.privateKey);
  return new Uint8Array(tlv(0x30, tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature)));
}

// ---- Token Status List ----------------------------------------------------------------------------

/** Indices revoked in the filler: about one in a hundred, spread (deterministic). */
export function fillerRevoked(i: number): boolean {
  return ((i * 2654435761) >>> 0) % 100 === 0;
}

/**
 * A Token Status List (CWT, 1 bit per entry) of `count` entries signed by the scale issuer's list
 * signer, with the filler's revocations and `revokedIndices` set.
 */
export function largeStatusList(issuer: ScaleIssuer, count: number, options: { iat: Date; exp?: Date; revokedIndices?: number[] }): Uint8Array {
  const bits = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) if (fillerRevoked(i)) bits[i >> 3] |= 1 << (i & 7);
  for (const i of options.revokedIndices ?? []) bits[i >> 3] |= 1 << (i & 7);
  return signedStatusList(issuer, new Uint8Array(deflateSync(bits)), options);
}

/**
 * A Token Status List as large as kakunin accepts: `lst` is random bits (which do not compress) up to
 * MAX_LIST_BYTES less `slack` bytes, the first 8 entries good. A deployment's list is far smaller once
 * deflated; this is the most a list's signature check and decoding can be asked to do in one load.
 */
export function statusListAtLimit(issuer: ScaleIssuer, options: { iat: Date; slack?: number }): Uint8Array {
  const raw = randomBytes(MAX_LIST_BYTES - (options.slack ?? 100_000));
  raw[0] = 0;
  return signedStatusList(issuer, new Uint8Array(deflateSync(raw, { level: 0 })), options);
}

function signedStatusList(issuer: ScaleIssuer, lst: Uint8Array, options: { iat: Date; exp?: Date }): Uint8Array {
  const claims = new Map<number, unknown>([
    [2, issuer.statusListUrl],
    [6, Math.floor(options.iat.getTime() / 1000)],
    [
      65533,
      new Map<string, unknown>([
        ['bits', 1],
        ['lst', lst],
      ]),
    ],
  ]);
  if (options.exp) claims.set(4, Math.floor(options.exp.getTime() / 1000));
  const protectedBytes = encodeCbor(
    new Map<number, unknown>([
      [1, -7],
      [16, 'application/statuslist+cwt'],
    ]),
  );
  const payload = encodeCbor(claims);
  const signature = sign('sha256', toBeSigned('Signature1', protectedBytes, new Uint8Array(0), payload), { key: issuer.listSigner.key, dsaEncoding: 'ieee-p1363' });
  return encodeCbor([protectedBytes, new Map<number, unknown>([[33, issuer.listSigner.chain[0]]]), payload, new Uint8Array(signature)]);
}

// ---- Trust anchors ---------------------------------------------------------------------------------

/** The elements of a DER SEQUENCE's content, each as its whole encoding. */
function elements(der: Uint8Array): Buffer[] {
  const b = Buffer.from(der);
  const out: Buffer[] = [];
  let p = 0;
  const outer = (): [number, number] => {
    let len = b[p + 1];
    let start = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
      start += n;
    }
    return [start, start + len];
  };
  const [start, end] = outer();
  for (p = start; p < end;) {
    const [, e] = outer();
    out.push(b.subarray(p, e));
    p = e;
  }
  return out;
}

function name(country: string, organization: string, commonName: string): Buffer {
  const rdn = (oid: string, tag: number, value: string) => tlv(0x31, tlv(0x30, tlv(0x06, Buffer.from(oid, 'hex')), tlv(tag, Buffer.from(value, 'utf8'))));
  return tlv(0x30, rdn('550406', 0x13, country), rdn('55040a', 0x0c, organization), rdn('550403', 0x0c, commonName));
}

/**
 * `count` IACA-shaped self-signed roots (CA pathLen 0, keyCertSign + cRLSign, SKI, issuerAltName),
 * each with its own name and serial and all sharing one key: a national list's size without a key
 * pair per root. The first is made by @peculiar/x509; the rest are that certificate with serial and
 * names replaced and signed again (node:crypto), 10,000 in a second rather than minutes.
 */
export async function fillerAnchors(count: number): Promise<Uint8Array[]> {
  const keys = await generateSandboxKeyPair('P-256');
  const template = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: fillerSerial(0).toString('hex'),
      name: 'C=US, O=Scale issuer 0, CN=Scale IACA 0',
      notBefore: IACA_VALIDITY.notBefore,
      notAfter: IACA_VALIDITY.notAfter,
      keys: keys.cryptoKeys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.cryptoKeys.publicKey, false, crypto),
        new x509.IssuerAlternativeNameExtension([{ type: 'url', value: 'https://issuer.scale.invalid' }], false),
      ],
    },
    crypto,
  );
  // tbsCertificate: [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions.
  const [tbs, algorithm] = elements(new Uint8Array(template.rawData));
  const [version, , signatureAlgorithm, , validity, , spki, extensions] = elements(tbs);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const subject = name('US', `Scale issuer ${i}`, `Scale IACA ${i}`);
    const body = tlv(0x30, version, tlv(0x02, fillerSerial(i)), signatureAlgorithm, subject, validity, subject, spki, extensions);
    out.push(new Uint8Array(tlv(0x30, body, algorithm, tlv(0x03, Buffer.from([0]), sign('sha256', body, keys.privateKey)))));
  }
  return out;
}

// ---- Documents and portraits -----------------------------------------------------------------------

/** JPEG-framed bytes of exactly `size` bytes (SOI, an APP0 JFIF header, filler, EOI): the verifier
 * hashes a portrait and never decodes it, so only its length matters to the cost. */
export function portraitOfSize(size: number): Uint8Array {
  const head = Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex');
  const out = Buffer.alloc(Math.max(size, head.length + 2));
  head.copy(out, 0);
  for (let i = head.length, x = 0x9e3779b9; i < out.length - 2; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff || 1;
  }
  out[out.length - 2] = 0xff;
  out[out.length - 1] = 0xd9;
  return new Uint8Array(out);
}

/**
 * A My Number Card from the scale issuer: the sandbox person, with a portrait of `portraitBytes`
 * (0: none) and, when given, an MSO status naming index `statusIndex` of the scale status list.
 */
export async function scaleMdoc(issuer: ScaleIssuer, options: { portraitBytes?: number; statusIndex?: number } = {}): Promise<IssuedMdoc> {
  const nameSpaces = createMyNumberCardElements(undefined, SCALE_AT);
  if (options.portraitBytes) nameSpaces[MNC_JP_NS] = { ...nameSpaces[MNC_JP_NS], portrait: portraitOfSize(options.portraitBytes) };
  else if (nameSpaces[MNC_JP_NS]) delete nameSpaces[MNC_JP_NS].portrait;
  const status =
    options.statusIndex === undefined
      ? undefined
      : new Map<string, unknown>([
          [
            'status_list',
            new Map<string, unknown>([
              ['idx', options.statusIndex],
              ['uri', issuer.statusListUrl],
            ]),
          ],
        ]);
  return issueMdoc({ docType: MNC_DOCTYPE, nameSpaces, signer: issuer.ds, validity: MSO_VALIDITY, status });
}

/** A DeviceResponse carrying `mdocs` (all elements disclosed), device-signed over SCALE_TRANSCRIPT. */
export function scaleResponse(mdocs: IssuedMdoc[]): Uint8Array {
  return createDeviceResponse({ sessionTranscript: SCALE_TRANSCRIPT, documents: mdocs.map((mdoc) => ({ mdoc, deviceAuth: { kind: 'signature' as const } })) });
}
