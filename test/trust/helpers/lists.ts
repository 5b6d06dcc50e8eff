/**
 * Test issuers of revocation material: CRLs signed by a sandbox IACA, Token Status Lists and
 * identifier lists signed by a certificate under it, lists made exactly N bytes long (for tests at a
 * size limit), and a local HTTP server to serve them.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { decodeCbor } from '../../../src/cbor/decode.js';
import { encodeCbor } from '../../../src/cbor/index.js';
import { Tagged } from '../../../src/cbor/types.js';
import { toBeSigned } from '../../../src/cose/sign1.js';
import type { SandboxCa } from '../../../src/sandbox/index.js';

export class ListServer {
  readonly files = new Map<string, Uint8Array | number>();
  hits = new Map<string, number>();
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const body = this.files.get(path);
      if (body === undefined) return res.writeHead(404).end();
      if (typeof body === 'number') return res.writeHead(body).end();
      if (path.startsWith('/redirect')) return res.writeHead(302, { location: Buffer.from(body).toString() }).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(body));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

export async function makeCrl(issuer: SandboxCa, revoked: { serial: string; date: Date }[], thisUpdate: Date, nextUpdate: Date, extensions: x509.Extension[] = []): Promise<Uint8Array> {
  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: issuer.certificate.subject,
      thisUpdate,
      nextUpdate,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      signingKey: issuer.keys.cryptoKeys.privateKey,
      entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: r.date })),
      extensions,
    },
    crypto,
  );
  return new Uint8Array(crl.rawData);
}

/** COSE_Sign1 with typ in the protected header (what a Status List Token carries). ES256 only. */
function signCwt(claims: Map<number, unknown>, typ: string, key: KeyObject, x5chain: Uint8Array[]): Uint8Array {
  const protectedBytes = encodeCbor(
    new Map<number, unknown>([
      [1, -7],
      [16, typ],
    ]),
  );
  const payload = encodeCbor(claims);
  const sig = sign('sha256', toBeSigned('Signature1', protectedBytes, new Uint8Array(0), payload), { key, dsaEncoding: 'ieee-p1363' });
  const unprotected = new Map<number, unknown>([[33, x5chain.length === 1 ? x5chain[0] : x5chain]]);
  return encodeCbor([protectedBytes, unprotected, payload, new Uint8Array(sig)]);
}

export interface ListSigner {
  key: KeyObject;
  chain: Uint8Array[];
}

/** statuses[i] = status of index i (1 bit each). */
export function makeStatusList(uri: string, statuses: number[], signer: ListSigner, iat: Date, exp?: Date, ttl?: number, rawLst?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(statuses.length / 8));
  statuses.forEach((s, i) => {
    if (s) bytes[i >> 3] |= 1 << (i & 7);
  });
  const claims = new Map<number, unknown>([
    [2, uri],
    [6, Math.floor(iat.getTime() / 1000)],
    [
      65533,
      new Map<string, unknown>([
        ['bits', 1],
        ['lst', rawLst ?? new Uint8Array(deflateSync(bytes))],
      ]),
    ],
  ]);
  if (exp) claims.set(4, Math.floor(exp.getTime() / 1000));
  if (ttl) claims.set(65534, ttl);
  return signCwt(claims, 'application/statuslist+cwt', signer.key, signer.chain);
}

/** `info`: every identifier's IdentifierInfo (default an empty map). */
export function makeIdentifierList(uri: string, ids: Uint8Array[], signer: ListSigner, iat: Date, exp?: Date, info: unknown = new Map()): Uint8Array {
  const claims = new Map<number, unknown>([
    [2, uri],
    [6, Math.floor(iat.getTime() / 1000)],
    [65530, new Map<string, unknown>([['identifiers', new Map(ids.map((id) => [id, info]))]])],
  ]);
  if (exp) claims.set(4, Math.floor(exp.getTime() / 1000));
  return signCwt(claims, 'application/identifierlist+cwt', signer.key, signer.chain);
}

// DER, enough to rebuild a CRL around one large entry.
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag: number, ...content: Uint8Array[]) => {
  const body = Buffer.concat(content);
  return new Uint8Array(Buffer.concat([Buffer.from([tag, ...derLength(body.length)]), body]));
};
function children(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = b[1] & 0x80 ? 2 + (b[1] & 0x7f) : 2;
  while (p < b.length) {
    const n = b[p + 1] & 0x80 ? b[p + 1] & 0x7f : 0;
    let len = n ? 0 : b[p + 1];
    for (let i = 0; i < n; i++) len = len * 256 + b[p + 2 + i];
    const end = p + 2 + n + len;
    out.push(b.subarray(p, end));
    p = end;
  }
  return out;
}

/**
 * A CRL of exactly `total` bytes, signed by `ca`, revoking serial 0x1234: its one entry carries a
 * non-critical private extension as large as it takes (a CRL reader skips those).
 */
export async function crlOfSize(ca: SandboxCa, total: number, thisUpdate: Date, nextUpdate: Date): Promise<Uint8Array> {
  const small = await makeCrl(ca, [{ serial: '1234', date: new Date('2026-05-15T00:00:00Z') }], thisUpdate, nextUpdate);
  const [tbs, algorithm] = children(small);
  const parts = children(tbs);
  const revokedAt = parts.findIndex((c, i) => i > 3 && c[0] === 0x30);
  const [serial, date] = children(children(parts[revokedAt])[0]);
  const build = (pad: number, signature: Uint8Array) => {
    const extension = tlv(0x30, tlv(0x06, Uint8Array.of(0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x63, 0x01)), tlv(0x04, new Uint8Array(pad)));
    const entry = tlv(0x30, serial, date, tlv(0x30, extension));
    const newTbs = tlv(0x30, ...parts.map((c, i) => (i === revokedAt ? tlv(0x30, entry) : c)));
    return { tbs: newTbs, crl: tlv(0x30, newTbs, algorithm, tlv(0x03, Uint8Array.of(0), signature)) };
  };
  // Sized for a 71-byte signature (the commonest DER length of P-256 ECDSA), then signed until one is that long.
  let pad = total - build(0, new Uint8Array(71)).crl.length;
  for (let made = build(pad, new Uint8Array(71)).crl.length; made !== total; made = build(pad, new Uint8Array(71)).crl.length) pad += total - made;
  const { tbs: body } = build(pad, new Uint8Array(0));
  for (;;) {
    const signature = new Uint8Array(sign('sha256', body, ca.keys.privateKey));
    if (signature.length === 71) return build(pad, signature).crl;
  }
}

/** The COSE_Sign1 `token` made exactly `total` bytes long by an unprotected header parameter (not signed). */
export function coseOfSize(token: Uint8Array, total: number): Uint8Array {
  const decoded = decodeCbor(token);
  const array = (decoded instanceof Tagged ? decoded.value : decoded) as unknown[];
  const unprotected = array[1] as Map<unknown, unknown>;
  const encode = (pad: number) => {
    unprotected.set(-65_537, new Uint8Array(pad));
    return encodeCbor(decoded);
  };
  const first = encode(100_000);
  const out = encode(100_000 + total - first.length);
  if (out.length !== total) throw new Error(`made ${out.length} bytes, not ${total}`);
  return out;
}
