/**
 * X.509 CRLs (RFC 5280 §5) for IACAs and document signers. @peculiar/asn1-x509 and @peculiar/x509
 * read the structure (the tbsCertList kept as the exact bytes received); node:crypto checks the
 * signature over those bytes. What a CRL must say to answer for a document signer is kakunin's own
 * policy, below.
 */
import { createVerify, verify } from 'node:crypto';
import { AsnParser, AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, IssuingDistributionPoint } from '@peculiar/asn1-x509';
import * as x509 from './x509.js';
import { KakuninError } from '../codes/error.js';
import type { ParsedCertificate } from './certificate.js';
import { TRUST_CLOCK_SKEW_SECONDS } from './clock-skew.js';

/** A CRL of a million 16-byte serials with reason codes is about 42 MB. */
export const MAX_CRL_BYTES = 64 * 1024 * 1024;

export interface ParsedCrl {
  der: Uint8Array;
  /** Issuer DN as node:crypto prints a certificate subject (one RDN per line), for messages. */
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers -> revocation date (`get` takes hex as certificates print it). */
  revoked: RevokedSerials;
  crlNumber?: string;
}

function bad(message: string): never {
  throw new KakuninError('CRL_MALFORMED', message);
}

/** The CertificateList must be the whole input: the ASN.1 reader stops after the first element and
 * would accept trailing bytes. Reads the outer DER header only. */
function checkWhole(der: Uint8Array): void {
  if (der.length < 2 || der[0] !== 0x30) bad('not a DER SEQUENCE');
  let len = der[1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) bad('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
    head += n;
  }
  if (head + len !== der.length) bad(head + len > der.length ? 'truncated' : 'trailing bytes');
}

/** Serial numbers compare as lower-case hex without leading zeros (CRLs, certificates and VICALs
 * each print them their own way). */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

function unsupported(message: string): never {
  throw new KakuninError('CRL_UNSUPPORTED', message);
}

const OID = { crlNumber: '2.5.29.20', authorityKeyIdentifier: '2.5.29.35', deltaCrlIndicator: '2.5.29.27', issuingDistributionPoint: '2.5.29.28' } as const;
/** CRL extensions whose meaning this verifier takes into account. */
const UNDERSTOOD = new Set<string>([OID.crlNumber, OID.authorityKeyIdentifier, OID.issuingDistributionPoint]);

/**
 * IssuingDistributionPoint (RFC 5280 §5.2.5): a CRL that covers only CA certificates, only some
 * revocation reasons, or other issuers' certificates (indirect) says nothing complete about a
 * document signer, so an absent serial would wrongly read as "good". Such a CRL is refused; one
 * partitioned only by distribution point name or to end-entity certificates is complete for a DS
 * whose distribution point led to it.
 */
function checkIssuingDistributionPoint(value: Uint8Array): void {
  let idp: IssuingDistributionPoint;
  try {
    idp = AsnParser.parse(value, IssuingDistributionPoint);
  } catch (e) {
    bad(`IssuingDistributionPoint: ${(e as Error).message}`);
  }
  if (idp.onlyContainsCACerts) unsupported('CRL covers only CA certificates (onlyContainsCACerts)');
  if (idp.onlySomeReasons) unsupported('CRL covers only some revocation reasons (onlySomeReasons)');
  if (idp.indirectCRL) unsupported('indirect CRL (indirectCRL)');
  if (idp.onlyContainsAttributeCerts) unsupported('CRL covers only attribute certificates (onlyContainsAttributeCerts)');
}

/** One DER element: its tag, where its content starts and ends, and where the element began. */
interface Tlv {
  tag: number;
  head: number;
  start: number;
  end: number;
}

/** Reads the element at `pos`, which must end by `limit`. Definite lengths of up to 4 bytes only. */
function readTlv(b: Uint8Array, pos: number, limit: number): Tlv {
  const start = head(b, pos, limit);
  return { tag: HEAD.tag, head: pos, start, end: start + HEAD.length };
}

const two = (b: Uint8Array, i: number) => (b[i] - 0x30) * 10 + (b[i + 1] - 0x30);

/** What readTime accepts, checked without building a string or a Date (a million times per CRL). */
function checkTime(b: Uint8Array, t: Tlv): void {
  const len = t.end - t.start;
  let p = t.start;
  let digitsEnd: number;
  if (t.tag === 0x17 && (len === 11 || len === 13)) digitsEnd = t.end - 1;
  else if (t.tag === 0x18 && len >= 15) {
    digitsEnd = p + 14;
    if (len > 15 && (b[digitsEnd] !== 0x2e || len < 17)) bad('revocationDate is not a UTCTime or GeneralizedTime in UTC');
    for (let i = digitsEnd + 1; i < t.end - 1; i++) if (b[i] < 0x30 || b[i] > 0x39) bad('revocationDate is not a UTCTime or GeneralizedTime in UTC');
    p += 2;
  } else bad('revocationDate is not a UTCTime or GeneralizedTime in UTC');
  if (b[t.end - 1] !== 0x5a) bad('revocationDate is not in UTC');
  for (let i = t.start; i < digitsEnd; i++) if (b[i] < 0x30 || b[i] > 0x39) bad('revocationDate is not a UTCTime or GeneralizedTime in UTC');
  const month = two(b, p + 2);
  const day = two(b, p + 4);
  if (month < 1 || month > 12 || day < 1 || day > 31 || two(b, p + 6) > 23 || two(b, p + 8) > 59 || (digitsEnd - p > 10 && two(b, p + 10) > 59)) bad('revocationDate is not a real date');
}

/** UTCTime (YYMMDDHHMM[SS]Z) or GeneralizedTime (YYYYMMDDHHMMSS[.f+]Z), as RFC 5280 §4.1.2.5 has them. */
function readTime(b: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(b.buffer, b.byteOffset + t.start, t.end - t.start).toString('latin1');
  let m: RegExpExecArray | null;
  let iso: string;
  if (t.tag === 0x17 && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s))) {
    const yy = Number(m[1]);
    iso = `${yy >= 50 ? 19 : 20}${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
  } else if (t.tag === 0x18 && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d+)?Z$/.exec(s))) {
    iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? m[7].slice(0, 4) : ''}Z`;
  } else bad('revocationDate is not a UTCTime or GeneralizedTime in UTC');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) bad('revocationDate is not a real date');
  return d;
}

function oidText(b: Uint8Array, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** The serials of a CRL's revokedCertificates, as offsets into its DER: about 10 bytes per entry
 * besides the DER itself, where a Map of strings and Dates took over 200. Looked up by hash. */
export class RevokedSerials {
  /** Offset of each entry's serial content (leading zero bytes skipped), its length and hash. */
  private readonly starts: Uint32Array;
  private readonly lengths: Uint8Array;
  private readonly hashes: Uint32Array;
  /** Open addressing: entry index + 1, 0 for empty. */
  private readonly slots: Int32Array;

  /** @internal Built by the CRL reader. */
  constructor(
    private readonly der: Uint8Array,
    starts: Uint32Array,
    lengths: Uint8Array,
    hashes: Uint32Array,
    slots: Int32Array,
    readonly size: number,
  ) {
    this.starts = starts;
    this.lengths = lengths;
    this.hashes = hashes;
    this.slots = slots;
  }

  /** Bytes this table holds besides the DER: its arrays whole, with the unused tail their capacity left. */
  get byteLength(): number {
    return this.starts.buffer.byteLength + this.lengths.buffer.byteLength + this.hashes.buffer.byteLength + this.slots.buffer.byteLength;
  }

  /** The revocation date of a serial (hex, any case, leading zeros or not), if the CRL lists it. */
  get(serialHex: string): Date | undefined {
    let hex = normalizeSerial(serialHex);
    if (!/^[0-9a-f]+$/.test(hex)) return undefined;
    if (hex.length % 2) hex = `0${hex}`;
    let key = Buffer.from(hex, 'hex');
    let z = 0;
    while (z < key.length && key[z] === 0) z++;
    key = key.subarray(z);
    const h = serialHash(key, 0, key.length);
    const mask = this.slots.length - 1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const slot = this.slots[j];
      if (slot === 0) return undefined;
      const k = slot - 1;
      if (this.hashes[k] === h && this.lengths[k] === key.length && Buffer.compare(key, this.der.subarray(this.starts[k], this.starts[k] + key.length)) === 0) {
        // The entry's revocationDate follows its serial (checked when the CRL was read).
        const serialEnd = this.starts[k] + this.lengths[k];
        return readTime(this.der, readTlv(this.der, serialEnd, this.der.length));
      }
    }
  }
}

/**
 * Reads up to `count` revoked entries from `p` (a plain function, not the generator: V8 optimises
 * it better), filling `arrays` from index `n`. Returns where it stopped; arrays.n is the new count.
 */
function readEntries(der: Uint8Array, p: number, end: number, arrays: { starts: Uint32Array; lengths: Uint8Array; hashes: Uint32Array; n: number }, n: number, count: number): number {
  const { starts, lengths, hashes } = arrays;
  for (const stop = n + count; p < end && n < stop;) {
    const eStart = head(der, p, end);
    const eEnd = eStart + HEAD.length;
    if (HEAD.tag !== 0x30) bad('revoked entry is not a SEQUENCE');
    const sStart = head(der, eStart, eEnd);
    const sEnd = sStart + HEAD.length;
    if ((HEAD.tag as number) !== 0x02 || sEnd === sStart) bad('revoked entry without a serial number');
    const dStart = head(der, sEnd, eEnd);
    const dEnd = dStart + HEAD.length;
    checkTime(der, { tag: HEAD.tag, head: sEnd, start: dStart, end: dEnd });
    if (dEnd < eEnd) checkEntryExtensions(der, dEnd, eEnd);
    let s = sStart;
    while (s < sEnd && der[s] === 0) s++;
    if (sEnd - s > 255) bad('serial number longer than 255 bytes');
    starts[n] = s;
    lengths[n] = sEnd - s;
    hashes[n] = serialHash(der, s, sEnd);
    n++;
    p = eEnd;
  }
  arrays.n = n;
  return p;
}

/** Puts up to ENTRIES_PER_STEP * 4 entries from `from` on into the open-addressing table; returns
 * how many new serials it added and where it stopped. */
function insertEntries(der: Uint8Array, starts: Uint32Array, lengths: Uint8Array, hashes: Uint32Array, slots: Int32Array, from: number, to: number): { added: number; next: number } {
  const mask = slots.length - 1;
  let added = 0;
  let k = from;
  for (const stop = Math.min(to, from + ENTRIES_PER_STEP * 4); k < stop; k++) {
    for (let j = hashes[k] & mask; ; j = (j + 1) & mask) {
      const slot = slots[j];
      if (slot === 0) {
        slots[j] = k + 1;
        added++;
        break;
      }
      const o = slot - 1;
      // The same serial twice: the later entry answers, as a Map.set of each entry in order did.
      if (hashes[o] === hashes[k] && lengths[o] === lengths[k] && Buffer.compare(der.subarray(starts[o], starts[o] + lengths[o]), der.subarray(starts[k], starts[k] + lengths[k])) === 0) {
        slots[j] = k + 1;
        break;
      }
    }
  }
  return { added, next: k };
}

const HEAD = { tag: 0, length: 0 };
/** An element's header at `pos` (which must end by `limit`): returns where its content starts; its tag
 * and length land in HEAD, so the entry loop makes no object per element. Definite lengths of up to 4 bytes. */
function head(b: Uint8Array, pos: number, limit: number): number {
  if (pos + 2 > limit) bad('truncated element');
  const tag = b[pos];
  if ((tag & 0x1f) === 0x1f) bad('multi-byte tag');
  let len = b[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const k = len & 0x7f;
    if (k === 0 || k > 4 || start + k > limit) bad('bad DER length');
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + b[start + i];
    start += k;
  }
  if (start + len > limit) bad('element runs past its parent');
  HEAD.tag = tag;
  HEAD.length = len;
  return start;
}

/** crlEntryExtensions from `from` to the end of the entry: well formed, none critical. */
function checkEntryExtensions(der: Uint8Array, from: number, to: number): void {
  const exts = readTlv(der, from, to);
  if (exts.tag !== 0x30 || exts.end !== to) bad('revoked entry: bad crlEntryExtensions');
  for (let q = exts.start; q < exts.end;) {
    const x = readTlv(der, q, exts.end);
    if (x.tag !== 0x30) bad('revoked entry: extension is not a SEQUENCE');
    const oid = readTlv(der, x.start, x.end);
    if (oid.tag !== 0x06) bad('revoked entry: extension without an OID');
    let v = readTlv(der, oid.end, x.end);
    // A critical entry extension (certificateIssuer of an indirect CRL, say) changes whose serial it is.
    if (v.tag === 0x01) {
      if (v.end - v.start !== 1) bad('revoked entry: bad BOOLEAN');
      if (der[v.start] !== 0) unsupported(`critical CRL entry extension ${oidText(der, oid)}`);
      v = readTlv(der, v.end, x.end);
    }
    if (v.tag !== 0x04 || v.end !== x.end) bad('revoked entry: bad extension value');
    q = x.end;
  }
}

/** FNV-1a over a serial's bytes. */
function serialHash(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Entries read between two calls of the asynchronous reader's `pause`: well under a millisecond once
 * V8 has optimised the loop, a few before. The caller's pause decides whether to let the event loop
 * run (this layer reads no clock and sets no timer). */
const ENTRIES_PER_STEP = 1_000;

/** A CRL as read, before its serials are put in a lookup table (that waits for the signature). */
type CrlParts = Omit<ParsedCrl, 'revoked'> & { signature: Uint8Array; tbs: Uint8Array; algorithm: x509.HashedAlgorithm; issuerDer: Uint8Array; entries: RevokedEntries };

/** Where each revoked entry's serial is in the DER (see RevokedSerials). */
interface RevokedEntries {
  starts: Uint32Array;
  lengths: Uint8Array;
  hashes: Uint32Array;
  n: number;
}

function pemToDer(input: Uint8Array): Uint8Array {
  const text = Buffer.from(input.buffer, input.byteOffset, input.length).toString('latin1');
  const begin = text.indexOf('-----BEGIN X509 CRL-----');
  const end = begin < 0 ? -1 : text.indexOf('-----END X509 CRL-----', begin);
  if (begin < 0 || end < 0) bad('PEM without an X509 CRL block');
  // Buffer's base64 decoder skips the line breaks itself.
  return new Uint8Array(Buffer.from(text.slice(begin + 24, end), 'base64'));
}

/**
 * Reads a CRL a slice at a time: it yields after every ENTRIES_PER_STEP revoked entries, so a caller
 * can let other work run between slices (readCrlAsync), or drain it at once (parseCrl). The header,
 * extensions and signature fields go through @peculiar/asn1-schema as before, given a copy of the
 * CertificateList without its revokedCertificates; the entries, which are most of a large CRL, are
 * read here: a generic ASN.1 object per entry cost ~400 µs and ~1 KB each (40 s for 100,000).
 */
function* crlReader(input: Uint8Array): Generator<void, CrlParts> {
  if (input.length > MAX_CRL_BYTES) bad(`CRL larger than ${MAX_CRL_BYTES} bytes`);
  const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
  const der = head.includes('-----BEGIN') ? pemToDer(input) : input;
  checkWhole(der);
  const outer = readTlv(der, 0, der.length);
  const tbsTlv = readTlv(der, outer.start, outer.end);
  if (tbsTlv.tag !== 0x30) bad('tbsCertList is not a SEQUENCE');
  // tbsCertList: version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions?
  const children: Tlv[] = [];
  for (let p = tbsTlv.start; p < tbsTlv.end;) {
    const c = readTlv(der, p, tbsTlv.end);
    children.push(c);
    p = c.end;
  }
  let i = children[0]?.tag === 0x02 ? 1 : 0;
  i += 3; // signature, issuer, thisUpdate
  if (children[i] && (children[i].tag === 0x17 || children[i].tag === 0x18)) i++;
  const revokedTlv = children[i]?.tag === 0x30 ? children[i] : undefined;
  const keep = children.filter((c) => c !== revokedTlv).map((c) => der.subarray(c.head, c.end));
  const rest = der.subarray(tbsTlv.end, outer.end);
  const tbsBody = Buffer.concat(keep);
  const tbsSkeleton = Buffer.concat([Buffer.from([0x30]), derLengthOf(tbsBody.length), tbsBody]);
  const body = Buffer.concat([tbsSkeleton, rest]);
  const skeleton = new Uint8Array(Buffer.concat([Buffer.from([0x30]), derLengthOf(body.length), body]));
  let asn: CertificateList;
  let crl: x509.X509Crl;
  try {
    asn = AsnParser.parse(skeleton, CertificateList, { berOptions: { maxNodes: Math.ceil(skeleton.length / 2) + 16, maxDepth: 32 } });
    crl = new x509.X509Crl(asn);
  } catch (e) {
    bad(`unreadable CRL: ${(e as Error).message}`);
  }
  // RFC 5280 §5.1.1.2: the algorithm inside the signed part must be the one outside it.
  if (!asn.signatureAlgorithm.isEqual(asn.tbsCertList.signature)) bad('signature algorithm differs between tbsCertList and CertificateList');
  // The signature is over the tbsCertList as received, entries included.
  const tbs = der.subarray(tbsTlv.head, tbsTlv.end);
  for (const ext of crl.extensions) {
    if (ext.type === OID.deltaCrlIndicator) unsupported('delta CRL: not a complete list');
    if (ext.type === OID.issuingDistributionPoint) checkIssuingDistributionPoint(new Uint8Array(ext.value));
    else if (ext.critical && !UNDERSTOOD.has(ext.type)) unsupported(`unknown critical CRL extension ${ext.type}`);
  }

  // Entries: SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }.
  // At most one entry per 18 bytes (the smallest entry a DER encoder can write).
  const capacity = revokedTlv ? Math.ceil((revokedTlv.end - revokedTlv.start) / 18) : 0;
  let starts = new Uint32Array(capacity);
  let lengths = new Uint8Array(capacity);
  let hashes = new Uint32Array(capacity);
  const arrays = { starts, lengths, hashes, n: 0 };
  let n = 0;
  for (let p = revokedTlv?.start ?? 0, end = revokedTlv?.end ?? 0; p < end;) {
    p = readEntries(der, p, end, arrays, n, ENTRIES_PER_STEP);
    n = arrays.n;
    if (p < end) yield;
  }
  // Views, not copies: copying ~20 MB held the event loop for tens of milliseconds; the unused tail
  // (the capacity is an upper bound) costs less than that in memory.
  starts = starts.subarray(0, n);
  lengths = lengths.subarray(0, n);
  hashes = hashes.subarray(0, n);
  const number = crl.getExtension('2.5.29.20');
  return {
    der,
    tbs,
    signature: new Uint8Array(crl.signature),
    algorithm: crl.signatureAlgorithm,
    issuer: crl.issuerName.toString().split(', ').join('\n'),
    issuerDer: new Uint8Array(AsnConvert.serialize(asn.tbsCertList.issuer)),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    entries: { starts, lengths, hashes, n },
    crlNumber: number ? Buffer.from(number.value).toString('hex') : undefined,
  };
}

function derLengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * The serials' lookup table, a slice at a time. Built only from a CRL whose signature has been
 * checked (verifyCrl, verifyCrlAsync): the serials pick the table's slots, so a forged CRL (one fetched
 * over plain HTTP, as distribution points are) with serials chosen to share a slot would cost
 * n² probes, where the issuer's own serials cost about n.
 */
function* revokedTable(der: Uint8Array, entries: RevokedEntries): Generator<void, RevokedSerials> {
  const { starts, lengths, hashes, n } = entries;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const slots = new Int32Array(cap);
  let size = 0;
  for (let k = 0; k < n;) {
    const done = insertEntries(der, starts, lengths, hashes, slots, k, n);
    size += done.added;
    k = done.next;
    if (k < n) yield;
  }
  return new RevokedSerials(der, starts, lengths, hashes, slots, size);
}

function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

async function drainAsync<T>(steps: Generator<void, T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await pause();
  }
}

function withTable(crl: CrlParts, revoked: RevokedSerials): ParsedCrl {
  const { der, issuer, thisUpdate, nextUpdate, crlNumber } = crl;
  return { der, issuer, thisUpdate, nextUpdate, revoked, crlNumber };
}

/** Accepts DER or PEM. Reads the whole CRL at once, signature unchecked (see verifyCrl). */
export function parseCrl(input: Uint8Array): ParsedCrl {
  const crl = drain(crlReader(input));
  return withTable(crl, drain(revokedTable(crl.der, crl.entries)));
}

/** parseCrl, calling `pause` between slices of ENTRIES_PER_STEP entries: the caller's pause lets
 * other work run (runtime's eventLoopPause yields once the work since its last yield took ~5 ms). */
export async function parseCrlAsync(input: Uint8Array, pause: () => Promise<void>): Promise<ParsedCrl> {
  const crl = await drainAsync(crlReader(input), pause);
  return withTable(crl, await drainAsync(revokedTable(crl.der, crl.entries), pause));
}

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

export interface VerifyCrlOptions {
  at: Date;
  /** Tolerated clock difference on thisUpdate, seconds. Default TRUST_CLOCK_SKEW_SECONDS. */
  clockSkewSeconds?: number;
}

function checkIssuer(crl: CrlParts, issuer: ParsedCertificate): void {
  // Names compare as DER (RFC 5280 §7.1 allows more, but issuers encode their own name one way).
  if (!Buffer.from(crl.issuerDer).equals(Buffer.from(issuer.subjectDer))) throw new KakuninError('CRL_UNTRUSTED', 'CRL issuer name is not the certificate issuer');
  if (issuer.keyUsage !== undefined && !(issuer.keyUsage & x509.KeyUsageFlags.cRLSign)) {
    throw new KakuninError('CRL_UNTRUSTED', 'issuer certificate may not sign CRLs (no cRLSign)');
  }
}

/** The node:crypto hash of the CRL's signature algorithm (null for EdDSA). */
function hashOf(crl: CrlParts): string | null {
  const name = crl.algorithm.name;
  const hash = (crl.algorithm as { hash?: { name: string } }).hash?.name;
  if (name === 'ECDSA' || name === 'RSASSA-PKCS1-v1_5') {
    const h = hash && HASHES[hash];
    if (!h || h === 'sha1') throw new KakuninError('CRL_SIGNATURE_INVALID', `unsupported CRL signature hash ${hash}`);
    return h;
  }
  if (name === 'Ed25519' || name === 'EdDSA' || name === 'Ed448') return null;
  throw new KakuninError('CRL_SIGNATURE_INVALID', `unsupported CRL signature algorithm ${name}`);
}

function checkSignatureResult(ok: boolean): void {
  if (!ok) throw new KakuninError('CRL_SIGNATURE_INVALID', 'CRL signature does not verify with the issuer key');
}

function checkCurrent(crl: CrlParts, options: VerifyCrlOptions): void {
  const skew = (options.clockSkewSeconds ?? TRUST_CLOCK_SKEW_SECONDS) * 1000;
  if (crl.thisUpdate.getTime() > options.at.getTime() + skew) throw new KakuninError('CRL_EXPIRED', `CRL thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
  if (crl.nextUpdate && crl.nextUpdate.getTime() < options.at.getTime()) throw new KakuninError('CRL_EXPIRED', `CRL nextUpdate ${crl.nextUpdate.toISOString()} has passed`);
}

/**
 * Checks that `issuer` signed the CRL, names it as issuer, may sign CRLs, and that the CRL is
 * current at `at`. Throws CRL_MALFORMED, CRL_UNSUPPORTED (a
 * partitioned, delta or indirect CRL, or an unknown critical extension), CRL_UNTRUSTED,
 * CRL_SIGNATURE_INVALID or CRL_EXPIRED.
 */
export function verifyCrl(input: Uint8Array, issuer: ParsedCertificate, options: VerifyCrlOptions): ParsedCrl {
  const crl = drain(crlReader(input));
  checkIssuer(crl, issuer);
  let ok: boolean;
  try {
    ok = verify(hashOf(crl), crl.tbs, issuer.publicKey, crl.signature);
  } catch (e) {
    if (e instanceof KakuninError) throw e;
    throw new KakuninError('CRL_SIGNATURE_INVALID', (e as Error).message);
  }
  checkSignatureResult(ok);
  checkCurrent(crl, options);
  return withTable(crl, drain(revokedTable(crl.der, crl.entries)));
}

/**
 * verifyCrl for large CRLs in a process that serves requests: the entries are read, and the
 * tbsCertList hashed for the signature (tens of milliseconds for a million entries), in slices with
 * `pause` called between them. The same checks, the same errors.
 */
export async function verifyCrlAsync(input: Uint8Array, issuer: ParsedCertificate, options: VerifyCrlOptions & { pause: () => Promise<void> }): Promise<ParsedCrl> {
  const { pause } = options;
  const crl = await drainAsync(crlReader(input), pause);
  checkIssuer(crl, issuer);
  let ok: boolean;
  try {
    const hash = hashOf(crl);
    if (hash === null) ok = verify(null, crl.tbs, issuer.publicKey, crl.signature);
    else {
      // Hashed a slice at a time. (node's verify with a callback, meant to run on the thread pool,
      // held the event loop ~600 ms on a 42 MB tbsCertList, longer than verifying in place.)
      const verifier = createVerify(hash);
      for (let at = 0; at < crl.tbs.length; at += HASH_SLICE_BYTES) {
        verifier.update(crl.tbs.subarray(at, at + HASH_SLICE_BYTES));
        if (at + HASH_SLICE_BYTES < crl.tbs.length) await pause();
      }
      ok = verifier.verify(issuer.publicKey, crl.signature);
    }
  } catch (e) {
    if (e instanceof KakuninError) throw e;
    throw new KakuninError('CRL_SIGNATURE_INVALID', (e as Error).message);
  }
  checkSignatureResult(ok);
  checkCurrent(crl, options);
  return withTable(crl, await drainAsync(revokedTable(crl.der, crl.entries), pause));
}

/** Bytes hashed between two calls of `pause`: about a millisecond of SHA-256. */
const HASH_SLICE_BYTES = 256 * 1024;
