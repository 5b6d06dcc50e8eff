/**
 * The bound on what all revocation lists hold together (RevocationLists' maxHeldBytes, the service's
 * KAKUNIN_REVOCATION_MAX_MB). Each list has its own size limit, but 512 of them at 64 MB would be
 * 32 GB: a copy that would take the total beyond the bound is refused with REVOCATION_LISTS_FULL,
 * the copies already held stay, and a document that needs the refused list fails closed.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import { createDeviceResponse, createDocumentSigner, createIaca, issueMdoc, MNC_DOCTYPE, createMyNumberCardElements, type SandboxCa, type SandboxCertificate } from '../../src/sandbox/index.js';
import { Metrics } from '../../src/service/observability/metrics.js';
import { ServiceRevocation } from '../../src/service/startup/revocation.js';
import { heldBytesOf, IDENTIFIER_OVERHEAD_BYTES } from '../../src/trust/list-memory.js';
import { DEFAULT_MAX_HELD_BYTES, RevocationLists, type RevocationListTarget } from '../../src/trust/revocation-lists.js';
import { verifyStatusListToken } from '../../src/trust/status-list.js';
import { TrustStore } from '../../src/trust/store.js';
import { capturingLogger } from '../service/helpers.js';
import { makeCrl, makeIdentifierList, makeStatusList, type ListSigner } from './helpers/lists.js';

const AT = new Date('2026-06-01T00:00:00Z');
const IACA_VALIDITY = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
const DS_VALIDITY = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
const MSO_VALIDITY = { signed: new Date('2026-05-01T00:00:00Z'), validFrom: new Date('2026-05-01T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };
const TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('list-memory').digest())]]);
const THIS_UPDATE = new Date('2026-05-31T00:00:00Z');
const NEXT_UPDATE = new Date('2026-06-07T00:00:00Z');

/** Two issuers, each with a CRL at its own URL: a small one (a) and one of 400 serials (b). */
let a: { iaca: SandboxCa; ds: SandboxCertificate; crl: Uint8Array; target: RevocationListTarget };
let b: typeof a;
let trust: TrustStore;
let listSigner: ListSigner;
const size = (target: RevocationListTarget, bytes: Uint8Array) => {
  const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
  lists.accept(target, bytes, AT);
  return lists.heldBytes();
};

async function issuer(name: string, revoked: number) {
  const url = `http://lists.example/${name}.crl`;
  const iaca = await createIaca({ ...IACA_VALIDITY, commonName: `kakunin list-memory ${name}`, crlDistributionPoint: url });
  const ds = await createDocumentSigner(iaca, DS_VALIDITY);
  const serials = Array.from({ length: revoked }, (_, i) => ({ serial: (0x1000 + i).toString(16), date: new Date('2026-05-15T00:00:00Z') }));
  const crl = await makeCrl(iaca, serials, THIS_UPDATE, NEXT_UPDATE);
  return { iaca, ds, crl, target: { url, kind: 'crl' as const, issuer: iaca.der } };
}

async function present(ds: SandboxCertificate): Promise<Uint8Array> {
  const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer: ds, validity: MSO_VALIDITY });
  return createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
}

function revocationCheck(bytes: Uint8Array, lists: RevocationLists) {
  const r = verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: TRANSCRIPT, revocation: lists });
  return { valid: r.valid, check: r.documents[0].checks.find((c) => c.check === 'issuer_revocation') };
}

beforeAll(async () => {
  a = await issuer('a', 0);
  b = await issuer('b', 400);
  trust = TrustStore.fromCertificates([a.iaca.der, b.iaca.der], { set: 'sandbox' });
  const signer = await createDocumentSigner(a.iaca, { ...DS_VALIDITY, commonName: 'kakunin list-memory status list signer' });
  listSigner = { key: signer.keys.privateKey, chain: [signer.der] };
});

describe('what a list holds', () => {
  it('a CRL: its DER and its serial table; a status list: its inflated bits; an identifier list: its strings and set entries', () => {
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    lists.accept(b.target, b.crl, AT);
    const held = lists.heldBytes();
    // 400 serials: the DER plus at least a start, a length, a hash and two slots per serial.
    expect(held).toBeGreaterThanOrEqual(b.crl.length + 400 * (4 + 1 + 4 + 2 * 4));
    expect(held).toBeLessThan(b.crl.length * 2);
    expect(lists.metrics(AT)[0].heldBytes).toBe(held);

    const uri = 'http://lists.example/status';
    const token = makeStatusList(uri, new Array<number>(80_000).fill(0), listSigner, THIS_UPDATE);
    const list = verifyStatusListToken(token, { anchors: [a.iaca.der], at: AT, uri });
    // 80,000 one-bit entries inflate to 10,000 bytes (the token itself is a few hundred).
    expect(heldBytesOf({ list })).toBe(10_000);
    expect(token.length).toBeLessThan(1_000);

    const ids = Array.from({ length: 300 }, (_, i) => new Uint8Array([i >> 8, i & 0xff, 7]));
    const identifiers = verifyStatusListToken(makeIdentifierList('http://lists.example/ids', ids, listSigner, THIS_UPDATE), { anchors: [a.iaca.der], at: AT, uri: 'http://lists.example/ids' });
    expect(heldBytesOf({ list: identifiers })).toBe(300 * (IDENTIFIER_OVERHEAD_BYTES + 2 * 3));
  });

  it('the default bound is 512 MiB', () => {
    expect(DEFAULT_MAX_HELD_BYTES).toBe(512 * 1024 * 1024);
  });
});

describe('the bound on all lists together', () => {
  it('the list that would go beyond it is refused with REVOCATION_LISTS_FULL; the one held stays and answers', () => {
    const sizeA = size(a.target, a.crl);
    const sizeB = size(b.target, b.crl);
    // Room for either, not for both.
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail', maxHeldBytes: sizeA + sizeB - 1 });
    lists.accept(a.target, a.crl, AT);
    expect(() => lists.accept(b.target, b.crl, AT)).toThrow(expect.objectContaining({ code: 'REVOCATION_LISTS_FULL' }));
    expect(lists.heldBytes()).toBe(sizeA);
    const m = lists.metrics(AT);
    expect(m.find((x) => x.url === a.target.url)).toMatchObject({ usable: true, heldBytes: sizeA });
    expect(m.find((x) => x.url === b.target.url)).toMatchObject({ usable: false, heldBytes: undefined, lastError: { code: 'REVOCATION_LISTS_FULL' } });
    expect(m.find((x) => x.url === b.target.url)!.lastError!.message).toMatch(/beyond the limit of .* MB: refused, the copies held stay/);

    // First come stays: the other order keeps b and refuses a.
    const other = new RevocationLists({ trust, unavailablePolicy: 'fail', maxHeldBytes: sizeA + sizeB - 1 });
    other.accept(b.target, b.crl, AT);
    expect(() => other.accept(a.target, a.crl, AT)).toThrow(expect.objectContaining({ code: 'REVOCATION_LISTS_FULL' }));
    expect(other.heldBytes()).toBe(sizeB);

    // With room for both (the default), both are held.
    const roomy = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    roomy.accept(a.target, a.crl, AT);
    roomy.accept(b.target, b.crl, AT);
    expect(roomy.heldBytes()).toBe(sizeA + sizeB);
  });

  it('a document whose issuer lost out fails closed (STATUS_UNAVAILABLE), under warn too it never passes the check', async () => {
    const sizeA = size(a.target, a.crl);
    const sizeB = size(b.target, b.crl);
    const fromA = await present(a.ds);
    const fromB = await present(b.ds);
    for (const policy of ['fail', 'warn'] as const) {
      const lists = new RevocationLists({ trust, unavailablePolicy: policy, maxHeldBytes: sizeA + sizeB - 1 });
      lists.accept(a.target, a.crl, AT);
      expect(() => lists.accept(b.target, b.crl, AT)).toThrow(/REVOCATION_LISTS_FULL|beyond the limit/);
      expect(revocationCheck(fromA, lists)).toMatchObject({ valid: true, check: { status: 'pass' } });
      const refused = revocationCheck(fromB, lists);
      expect(refused.valid).toBe(false);
      expect(refused.check).toMatchObject({ status: policy === 'fail' ? 'fail' : 'not_run', code: 'STATUS_UNAVAILABLE' });
      expect(refused.check!.message).toContain('REVOCATION_LISTS_FULL');
    }
  });

  it('a new copy of a list held counts instead of the old one, not beside it; one grown beyond the room is refused and the old copy stays', async () => {
    const sizeB = size(b.target, b.crl);
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail', maxHeldBytes: sizeB + 100 });
    lists.accept(b.target, b.crl, AT);
    const newer = await makeCrl(
      b.iaca,
      Array.from({ length: 400 }, (_, i) => ({ serial: (0x2000 + i).toString(16), date: new Date('2026-05-15T00:00:00Z') })),
      new Date('2026-05-31T06:00:00Z'),
      NEXT_UPDATE,
    );
    lists.accept(b.target, newer, AT);
    expect(lists.heldBytes()).toBe(size(b.target, newer));
    const grown = await makeCrl(
      b.iaca,
      Array.from({ length: 800 }, (_, i) => ({ serial: (0x3000 + i).toString(16), date: new Date('2026-05-15T00:00:00Z') })),
      new Date('2026-05-31T12:00:00Z'),
      NEXT_UPDATE,
    );
    expect(() => lists.accept(b.target, grown, AT)).toThrow(expect.objectContaining({ code: 'REVOCATION_LISTS_FULL' }));
    expect(lists.heldBytes()).toBe(size(b.target, newer));
    expect(lists.metrics(AT)[0]).toMatchObject({ usable: true, lastError: { code: 'REVOCATION_LISTS_FULL' } });
    expect(lists.checkCertificate(b.ds.der, b.iaca.der, AT).status).toBe('good');
  });

  it('a status list that inflates beyond the room is refused, however small its token', () => {
    const uri = 'http://lists.example/status';
    const target: RevocationListTarget = { url: uri, kind: 'status_list', anchor: a.iaca.der };
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail', maxHeldBytes: 9_999 });
    const token = makeStatusList(uri, new Array<number>(80_000).fill(0), listSigner, THIS_UPDATE);
    expect(() => lists.accept(target, token, AT)).toThrow(expect.objectContaining({ code: 'REVOCATION_LISTS_FULL' }));
    expect(lists.heldBytes()).toBe(0);
  });
});

describe('in the service', () => {
  it('KAKUNIN_REVOCATION_MAX_MB reaches the lists; the round summary names the code and the setting; the gauge reports what is held', async () => {
    const bytes = new Map([
      [a.target.url, a.crl],
      [b.target.url, b.crl],
    ]);
    const sizeA = size(a.target, a.crl);
    const log = capturingLogger('info');
    const metrics = new Metrics();
    const revocation = new ServiceRevocation({
      mode: 'fail',
      trust,
      logger: log.logger,
      now: () => AT,
      metrics,
      intervalSeconds: 300,
      allowPrivate: false,
      // Room for a, not for b even alone: the outcome does not depend on which fetch ends first.
      maxHeldBytes: sizeA + 100,
      fetch: async (url) => bytes.get(url)!,
    });
    await revocation.ready;
    const results = await revocation.refresher.refreshOnce();
    expect(results.sort((x, y) => x.url.localeCompare(y.url))).toMatchObject([
      { url: a.target.url, ok: true },
      { url: b.target.url, ok: false, code: 'REVOCATION_LISTS_FULL' },
    ]);
    const warning = log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; codes?: Record<string, number> }).find((l) => l.level === 40);
    expect(warning).toMatchObject({ codes: { REVOCATION_LISTS_FULL: 1 } });
    expect(warning!.msg).toContain('documents that need those fail with STATUS_UNAVAILABLE');
    expect(warning!.msg).toContain('KAKUNIN_REVOCATION_MAX_MB');
    expect(await metrics.render()).toContain(`kakunin_revocation_lists_held_bytes ${sizeA}`);
    await revocation.stop();
  });
});
