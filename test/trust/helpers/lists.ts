/**
 * Test issuers of revocation material: CRLs signed by a sandbox IACA, Token Status Lists and
 * identifier lists signed by a certificate under it, and a local HTTP server to serve them.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { encodeCbor } from '../../../src/cbor/index.js';
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

export function makeIdentifierList(uri: string, ids: Uint8Array[], signer: ListSigner, iat: Date, exp?: Date): Uint8Array {
  const claims = new Map<number, unknown>([
    [2, uri],
    [6, Math.floor(iat.getTime() / 1000)],
    [65530, new Map<string, unknown>([['identifiers', new Map(ids.map((id) => [id, new Map()]))]])],
  ]);
  if (exp) claims.set(4, Math.floor(exp.getTime() / 1000));
  return signCwt(claims, 'application/identifierlist+cwt', signer.key, signer.chain);
}
