/**
 * Every size limit of the revocation and trust-list readers, at the limit (accepted) and one byte
 * past it (refused with its code): a CRL (MAX_CRL_BYTES of input), a status list or identifier list
 * token (MAX_LIST_BYTES), a status list's inflated bits (MAX_LIST_INFLATED) and a VICAL
 * (MAX_VICAL_BYTES). The inputs at the limit are real signed lists made exactly that large: a CRL by
 * one entry's extension, the COSE lists by a parameter in the unprotected header (which the
 * signature does not cover), a status list by its own length. And the bound on the lists tracked
 * (maxLists, KAKUNIN_REVOCATION_MAX_LISTS): the last one tracked is fetched and answers, the one
 * past it is never tracked and answers `unavailable`, saying why.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentSigner, createIaca, type SandboxCa } from '../../src/sandbox/index.js';
import { parseCertificate, readCertificates } from '../../src/trust/certificate.js';
import { MAX_CRL_BYTES, verifyCrl, verifyCrlAsync } from '../../src/trust/crl.js';
import { MAX_LIST_BYTES, MAX_LIST_INFLATED, statusAt, verifyStatusListToken, verifyStatusListTokenAsync } from '../../src/trust/status-list.js';
import { MAX_VICAL_BYTES, verifyVical } from '../../src/trust/vical.js';
import { Metrics } from '../../src/service/observability/metrics.js';
import { ServiceRevocation } from '../../src/service/startup/revocation.js';
import { heldBytesOf } from '../../src/trust/list-memory.js';
import { DEFAULT_MAX_LISTS, RevocationLists, type RevocationListTarget } from '../../src/trust/revocation-lists.js';
import { MAX_SIGNER_PATH } from '../../src/trust/revocation-path.js';
import { TrustStore } from '../../src/trust/store.js';
import { capturingLogger } from '../service/helpers.js';
import { coseOfSize, crlOfSize, makeIdentifierList, makeStatusList, type ListSigner } from './helpers/lists.js';

const AT = new Date('2026-06-01T00:00:00Z');
const IACA_VALIDITY = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
const THIS_UPDATE = new Date('2026-05-31T00:00:00Z');
const NEXT_UPDATE = new Date('2026-06-07T00:00:00Z');
const noPause = () => Promise.resolve();

let iaca: SandboxCa;
let signer: ListSigner;
beforeAll(async () => {
  iaca = await createIaca({ ...IACA_VALIDITY, commonName: 'kakunin list-limits IACA' });
  const ds = await createDocumentSigner(iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z'), commonName: 'kakunin list-limits list signer' });
  signer = { key: ds.keys.privateKey, chain: [ds.der] };
});

const failure = async (f: () => unknown): Promise<{ code?: string; message: string } | undefined> => {
  try {
    await f();
    return undefined;
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
};
/** One byte more: the refusal must come from the size, whatever the bytes say. */
const plusOne = (b: Uint8Array) => {
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
};

describe(`CRL: ${MAX_CRL_BYTES} bytes (64 MiB) of input`, () => {
  let atLimit: Uint8Array;
  beforeAll(async () => {
    atLimit = await crlOfSize(iaca, MAX_CRL_BYTES, THIS_UPDATE, NEXT_UPDATE);
  });

  it('exactly at the limit: read, verified and answering, in one go and in slices', async () => {
    const issuer = parseCertificate(iaca.der);
    expect(atLimit.length).toBe(MAX_CRL_BYTES);
    expect(verifyCrl(atLimit, issuer, { at: AT }).revoked.get('1234')).toEqual(new Date('2026-05-15T00:00:00Z'));
    expect((await verifyCrlAsync(atLimit, issuer, { at: AT, pause: noPause })).revoked.get('1234')).toEqual(new Date('2026-05-15T00:00:00Z'));
  });

  it('one byte past: CRL_MALFORMED naming the limit, before anything is read', async () => {
    const issuer = parseCertificate(iaca.der);
    const expected = { code: 'CRL_MALFORMED', message: `CRL larger than ${MAX_CRL_BYTES} bytes` };
    expect(await failure(() => verifyCrl(plusOne(atLimit), issuer, { at: AT }))).toEqual(expected);
    expect(await failure(() => verifyCrlAsync(plusOne(atLimit), issuer, { at: AT, pause: noPause }))).toEqual(expected);
  });
});

describe(`status list and identifier list tokens: ${MAX_LIST_BYTES} bytes (10 MiB)`, () => {
  const uri = 'http://lists.example/limits';
  const verify = (bytes: Uint8Array) => verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri });
  const verifyAsync = (bytes: Uint8Array) => verifyStatusListTokenAsync(bytes, { anchors: [iaca.der], at: AT, uri, pause: noPause });
  const expected = { code: 'STATUS_LIST_MALFORMED', message: `list larger than ${MAX_LIST_BYTES} bytes` };

  it('a status list token exactly at the limit verifies and answers; one byte more is refused', async () => {
    const token = coseOfSize(makeStatusList(uri, [0, 1, 0], signer, THIS_UPDATE), MAX_LIST_BYTES);
    const list = verify(token);
    expect(list.kind === 'status_list' && statusAt(list, 1)).toBe(1);
    expect((await verifyAsync(token)).kind).toBe('status_list');
    expect(await failure(() => verify(plusOne(token)))).toEqual(expected);
    expect(await failure(() => verifyAsync(plusOne(token)))).toEqual(expected);
  });

  it('an identifier list exactly at the limit verifies and answers; one byte more is refused', async () => {
    const token = coseOfSize(makeIdentifierList(uri, [Uint8Array.of(1, 2, 3)], signer, THIS_UPDATE), MAX_LIST_BYTES);
    const list = verify(token);
    expect(list.kind === 'identifier_list' && list.identifiers.has('010203')).toBe(true);
    expect((await verifyAsync(token)).kind).toBe('identifier_list');
    expect(await failure(() => verify(plusOne(token)))).toEqual(expected);
    expect(await failure(() => verifyAsync(plusOne(token)))).toEqual(expected);
  });
});

describe(`status list bits: ${MAX_LIST_INFLATED} bytes (64 MiB) inflated`, () => {
  const uri = 'http://lists.example/inflated';
  /** A token whose lst inflates to `n` bytes, the last one 0x01 (the last byte's first entry revoked). */
  const tokenInflatingTo = (n: number) => {
    const bits = new Uint8Array(n);
    bits[n - 1] = 1;
    return makeStatusList(uri, [], signer, THIS_UPDATE, undefined, undefined, new Uint8Array(deflateSync(bits, { level: 1 })));
  };

  it('exactly at the limit: inflated and answering, on the event loop and on the thread pool', async () => {
    const token = tokenInflatingTo(MAX_LIST_INFLATED);
    expect(token.length).toBeLessThan(MAX_LIST_BYTES);
    const last = (MAX_LIST_INFLATED - 1) * 8;
    for (const list of [verifyStatusListToken(token, { anchors: [iaca.der], at: AT, uri }), await verifyStatusListTokenAsync(token, { anchors: [iaca.der], at: AT, uri, pause: noPause })]) {
      expect(list.kind === 'status_list' && list.lst.length).toBe(MAX_LIST_INFLATED);
      expect(list.kind === 'status_list' && [statusAt(list, last - 1), statusAt(list, last), statusAt(list, last + 8)]).toEqual([0, 1, undefined]);
    }
  });

  it('one byte past: STATUS_LIST_MALFORMED naming the limit (the inflate stops there: a zlib bomb costs nothing to send)', async () => {
    const token = tokenInflatingTo(MAX_LIST_INFLATED + 1);
    const expected = { code: 'STATUS_LIST_MALFORMED', message: `lst is not zlib data within ${MAX_LIST_INFLATED} bytes` };
    expect(await failure(() => verifyStatusListToken(token, { anchors: [iaca.der], at: AT, uri }))).toEqual(expected);
    expect(await failure(() => verifyStatusListTokenAsync(token, { anchors: [iaca.der], at: AT, uri, pause: noPause }))).toEqual(expected);
  });
});

describe(`VICAL: ${MAX_VICAL_BYTES} bytes (8 MiB)`, () => {
  const VEC = join(import.meta.dirname, '../vectors/vicals-multipaz-parser-test');
  const aamva = new Uint8Array(readFileSync(join(VEC, 'aamva_vical_2024-09-24.cbor')));
  const root = readCertificates(readFileSync(join(VEC, 'aamva_dts_root.pem')))[0];
  const at = new Date('2024-09-24T18:00:00Z');

  it("AAMVA's VICAL made exactly as large as the limit verifies; one byte more is refused with VICAL_MALFORMED", async () => {
    const padded = coseOfSize(aamva, MAX_VICAL_BYTES);
    expect(verifyVical(padded, { roots: [root], at }).vical.certificateInfos).toHaveLength(3);
    expect(await failure(() => verifyVical(plusOne(padded), { roots: [root], at }))).toEqual({ code: 'VICAL_MALFORMED', message: `VICAL larger than ${MAX_VICAL_BYTES} bytes` });
  });
});

describe(`lists tracked: ${DEFAULT_MAX_LISTS} by default`, () => {
  const target = (i: number): RevocationListTarget => ({ url: `http://lists.example/shard/${i}`, kind: 'status_list', anchor: iaca.der });
  const status = (i: number) =>
    new Map([
      [
        'status_list',
        new Map<string, unknown>([
          ['idx', 1],
          ['uri', target(i).url],
        ]),
      ],
    ]);

  it('the last one within the bound is tracked, fetched and answers; the one past it is not tracked and says why, whichever way it comes', () => {
    const trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
    const untracked: string[] = [];
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail', onUntracked: (t) => untracked.push(t.url) });
    for (let i = 1; i <= DEFAULT_MAX_LISTS; i++) expect(lists.checkMsoStatus(status(i), AT, iaca.der)).toEqual({ status: 'unavailable', message: 'status list not fetched yet' });
    expect(lists.targets()).toHaveLength(DEFAULT_MAX_LISTS);
    expect(lists.due(AT)).toHaveLength(DEFAULT_MAX_LISTS);
    const last = target(DEFAULT_MAX_LISTS);
    lists.accept(last, makeStatusList(last.url, [0, 1], signer, THIS_UPDATE), AT);
    expect(lists.checkMsoStatus(status(DEFAULT_MAX_LISTS), AT, iaca.der)).toMatchObject({ status: 'revoked' });
    expect(untracked).toEqual([]);

    const past = target(DEFAULT_MAX_LISTS + 1);
    expect(lists.checkMsoStatus(status(DEFAULT_MAX_LISTS + 1), AT, iaca.der)).toEqual({ status: 'unavailable', message: 'too many revocation lists tracked to add this one' });
    lists.want(past);
    expect(() => lists.accept(past, makeStatusList(past.url, [0, 1], signer, THIS_UPDATE), AT)).toThrow(expect.objectContaining({ code: 'REVOCATION_LISTS_FULL' }));
    expect(lists.targets()).toHaveLength(DEFAULT_MAX_LISTS);
    expect(lists.due(AT).map((t) => t.url)).not.toContain(past.url);
    expect(untracked.length).toBeGreaterThan(0);
    expect(new Set(untracked)).toEqual(new Set([past.url]));
  });

  it('KAKUNIN_REVOCATION_MAX_LISTS reaches the lists: an anchor CRL past it is not tracked, its documents are unavailable, and the first such list is logged once', async () => {
    const crlAnchor = async (name: string) => {
      const ca = await createIaca({ ...IACA_VALIDITY, commonName: `kakunin list-limits ${name}`, crlDistributionPoint: `http://lists.example/${name}.crl` });
      const ds = await createDocumentSigner(ca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z'), crlDistributionPoint: `http://lists.example/${name}.crl` });
      return { ca, ds };
    };
    const [first, second] = [await crlAnchor('first'), await crlAnchor('second')];
    const log = capturingLogger('info');
    const revocation = new ServiceRevocation({
      mode: 'fail',
      trust: TrustStore.fromCertificates([first.ca.der, second.ca.der], { set: 'sandbox' }),
      logger: log.logger,
      now: () => AT,
      metrics: new Metrics(),
      intervalSeconds: 300,
      allowPrivate: false,
      maxLists: 1,
      fetch: () => Promise.reject(new Error('not fetched in this test')),
    });
    await revocation.ready;
    expect(revocation.lists.targets().map((t) => t.url)).toEqual(['http://lists.example/first.crl']);
    for (let i = 0; i < 3; i++)
      expect(revocation.lists.checkCertificate(second.ds.der, second.ca.der, AT)).toEqual({ status: 'unavailable', message: 'too many revocation lists tracked to add this one' });
    const warnings = log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; url?: string; code?: string }).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ url: 'http://lists.example/second.crl', code: 'REVOCATION_LISTS_FULL' });
    expect(warnings[0].msg).toContain('KAKUNIN_REVOCATION_MAX_LISTS');
    await revocation.stop();
  });
});

describe('memory of all lists together (maxHeldBytes, KAKUNIN_REVOCATION_MAX_MB)', () => {
  it('a copy that takes the total to exactly the bound is kept; with one byte less of room it is refused with REVOCATION_LISTS_FULL', () => {
    const trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
    const uri = 'http://lists.example/held';
    const target: RevocationListTarget = { url: uri, kind: 'status_list', anchor: iaca.der };
    const token = makeStatusList(uri, new Array<number>(80_000).fill(0), signer, THIS_UPDATE);
    const size = heldBytesOf({ list: verifyStatusListToken(token, { anchors: [iaca.der], at: AT, uri }) });
    const atBound = new RevocationLists({ trust, unavailablePolicy: 'fail', maxHeldBytes: size });
    atBound.accept(target, token, AT);
    expect(atBound.heldBytes()).toBe(size);
    const past = new RevocationLists({ trust, unavailablePolicy: 'fail', maxHeldBytes: size - 1 });
    expect(() => past.accept(target, token, AT)).toThrow(expect.objectContaining({ code: 'REVOCATION_LISTS_FULL' }));
    expect(past.heldBytes()).toBe(0);
  });
});

describe('nesting and chains of a signed list', () => {
  const uri = 'http://lists.example/structure';
  const verify = (bytes: Uint8Array) => verifyStatusListToken(bytes, { anchors: [iaca.der], at: AT, uri });

  it('an IdentifierInfo of 47 nested maps (the 48th level is its innermost item) is read; one level more is refused, STATUS_LIST_MALFORMED', async () => {
    const nested = (levels: number) => {
      let v: unknown = 0;
      for (let i = 0; i < levels; i++) v = new Map([['a', v]]);
      return v;
    };
    const list = verify(makeIdentifierList(uri, [Uint8Array.of(9)], signer, THIS_UPDATE, undefined, nested(47)));
    expect(list.kind === 'identifier_list' && list.identifiers.has('09')).toBe(true);
    expect(await failure(() => verify(makeIdentifierList(uri, [Uint8Array.of(9)], signer, THIS_UPDATE, undefined, nested(48))))).toEqual({
      code: 'STATUS_LIST_MALFORMED',
      message: 'identifier list: nested too deeply',
    });
  });

  it(`an x5chain of ${MAX_SIGNER_PATH} certificates verifies (the path within it); ${MAX_SIGNER_PATH + 1} are refused, STATUS_LIST_MALFORMED`, async () => {
    const chain = (n: number) => ({ key: signer.key, chain: [signer.chain[0], ...new Array<Uint8Array>(n - 1).fill(iaca.der)] });
    expect(verify(makeStatusList(uri, [0, 1], chain(MAX_SIGNER_PATH), THIS_UPDATE)).kind).toBe('status_list');
    expect(await failure(() => verify(makeStatusList(uri, [0, 1], chain(MAX_SIGNER_PATH + 1), THIS_UPDATE)))).toEqual({
      code: 'STATUS_LIST_MALFORMED',
      message: `certificate chain longer than ${MAX_SIGNER_PATH}`,
    });
  });
});
