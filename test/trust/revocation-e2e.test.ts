/**
 * Revocation end to end: sandbox IACA and document signers, CRLs and status lists served by a local
 * HTTP server, fetched by the refresher, verified, and consulted by verifyDeviceResponse.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/cbor/index.js';
import { verifyDeviceResponse } from '../../src/mdoc/verify.js';
import type { CheckResult } from '../../src/mdoc/result.js';
import { createDeviceResponse, createDocumentSigner, createIaca, issueMdoc, MNC_DOCTYPE, createMyNumberCardElements, type SandboxCa, type SandboxCertificate } from '../../src/sandbox/index.js';
import { TrustRefresher } from '../../src/runtime/refresher.js';
import { RevocationLists } from '../../src/trust/revocation-lists.js';
import { TrustStore } from '../../src/trust/store.js';
import { ListServer, makeCrl, makeIdentifierList, makeStatusList, type ListSigner } from './helpers/lists.js';

const AT = new Date('2026-06-01T00:00:00Z');
const LATER = (s: number) => new Date(AT.getTime() + s * 1000);
const IACA_VALIDITY = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
const DS_VALIDITY = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
const MSO_VALIDITY = { signed: new Date('2026-05-01T00:00:00Z'), validFrom: new Date('2026-05-01T00:00:00Z'), validUntil: new Date('2026-12-01T00:00:00Z') };
const TRANSCRIPT = encodeCbor([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update('revocation').digest())]]);

const server = new ListServer();
let iaca: SandboxCa;
let impostor: SandboxCa;
let goodDs: SandboxCertificate;
let revokedDs: SandboxCertificate;
let listSigner: ListSigner;
let trust: TrustStore;

beforeAll(async () => {
  await server.start();
  iaca = await createIaca({ ...IACA_VALIDITY, crlDistributionPoint: `${server.base}/iaca.crl` });
  // Same name, different key: a CRL it signs must not pass for the real IACA's.
  impostor = await createIaca({ ...IACA_VALIDITY });
  goodDs = await createDocumentSigner(iaca, DS_VALIDITY);
  revokedDs = await createDocumentSigner(iaca, DS_VALIDITY);
  const sl = await createDocumentSigner(iaca, { ...DS_VALIDITY, commonName: 'kakunin sandbox status list signer' });
  listSigner = { key: sl.keys.privateKey, chain: [sl.der] };
  trust = TrustStore.fromCertificates([iaca.der], { set: 'sandbox' });
});

afterAll(() => server.stop());

async function present(signer: SandboxCertificate, status?: Map<string, unknown>): Promise<Uint8Array> {
  const mdoc = await issueMdoc({ docType: MNC_DOCTYPE, nameSpaces: createMyNumberCardElements(undefined, AT), signer, validity: MSO_VALIDITY, status });
  return createDeviceResponse({ sessionTranscript: TRANSCRIPT, documents: [{ mdoc, deviceAuth: { kind: 'signature' } }] });
}

function check(bytes: Uint8Array, lists: RevocationLists, at = AT, name: CheckResult['check'] = 'issuer_revocation'): CheckResult | undefined {
  const r = verifyDeviceResponse(bytes, { trust, at, sessionTranscript: TRANSCRIPT, revocation: lists });
  return r.documents[0].checks.find((c) => c.check === name);
}

function setup(policy: 'fail' | 'warn' = 'fail') {
  const lists = new RevocationLists({ trust, unavailablePolicy: policy });
  let now = AT;
  const refresher = new TrustRefresher({ lists, now: () => now, intervalMs: 60_000, fetchPolicy: { allowLoopback: true } });
  return { lists, refresher, setNow: (d: Date) => (now = d) };
}

describe('CRL revocation', () => {
  let crl: Uint8Array;
  beforeAll(async () => {
    crl = await makeCrl(iaca, [{ serial: revokedDs.certificate.serialNumber, date: new Date('2026-05-15T00:00:00Z') }], new Date('2026-05-31T00:00:00Z'), new Date('2026-06-07T00:00:00Z'));
    server.files.set('/iaca.crl', crl);
  });

  it('before any CRL is fetched: STATUS_UNAVAILABLE, failing under "fail", not_run under "warn", never a pass', async () => {
    const bytes = await present(goodDs);
    const failing = setup('fail');
    expect(check(bytes, failing.lists)).toMatchObject({ status: 'fail', code: 'STATUS_UNAVAILABLE' });
    const warning = setup('warn');
    expect(check(bytes, warning.lists)).toMatchObject({ status: 'not_run', code: 'STATUS_UNAVAILABLE' });
    expect(verifyDeviceResponse(bytes, { trust, at: AT, sessionTranscript: TRANSCRIPT, revocation: warning.lists }).valid).toBe(false);
  });

  it('fetches the IACA CRL from its distribution point; good DS passes, revoked DS fails ISSUER_CERT_REVOKED', async () => {
    const { lists, refresher } = setup();
    expect(lists.wantTrustStoreCrls()).toBe(1);
    const results = await refresher.refreshOnce();
    expect(results).toEqual([{ url: `${server.base}/iaca.crl`, kind: 'crl', ok: true }]);
    const good = await present(goodDs);
    const r = verifyDeviceResponse(good, { trust, at: AT, sessionTranscript: TRANSCRIPT, revocation: lists });
    expect(r.documents[0].checks.find((c) => c.check === 'issuer_revocation')).toMatchObject({ status: 'pass' });
    expect(r.valid).toBe(true);
    const revoked = verifyDeviceResponse(await present(revokedDs), { trust, at: AT, sessionTranscript: TRANSCRIPT, revocation: lists });
    expect(revoked.valid).toBe(false);
    expect(revoked.documents[0].checks.find((c) => c.check === 'issuer_revocation')).toMatchObject({ status: 'fail', code: 'ISSUER_CERT_REVOKED' });
    expect(revoked.errors.map((e) => e.code)).toEqual(['ISSUER_CERT_REVOKED']);
  });

  it('a DS revoked after `at` is still good at `at`', async () => {
    const { lists } = setup();
    lists.accept({ url: `${server.base}/iaca.crl`, kind: 'crl', issuer: iaca.der }, crl, AT);
    expect(lists.checkCertificate(revokedDs.der, iaca.der, new Date('2026-05-14T00:00:00Z'))).toEqual({ status: 'good' });
  });

  it('the hot path learns distribution points it did not know, and the refresher fetches them', async () => {
    const { lists, refresher } = setup();
    expect(lists.checkCertificate(revokedDs.der, iaca.der, AT).status).toBe('unavailable');
    // DSs carry no DP here, so nothing is learnt from them; an IACA-issued DS with a DP is:
    const dsWithDp = await createDocumentSigner(iaca, { ...DS_VALIDITY, crlDistributionPoint: `${server.base}/iaca.crl` });
    expect(lists.checkCertificate(dsWithDp.der, iaca.der, AT).status).toBe('unavailable');
    expect(lists.due(AT).map((t) => t.url)).toEqual([`${server.base}/iaca.crl`]);
    await refresher.refreshOnce();
    expect(lists.checkCertificate(revokedDs.der, iaca.der, AT).status).toBe('revoked');
    expect(lists.checkCertificate(dsWithDp.der, iaca.der, AT).status).toBe('good');
  });

  it('corrupt, wrongly signed, expired or older CRLs are rejected with a code and the last good copy stays', async () => {
    const { lists, refresher, setNow } = setup();
    lists.wantTrustStoreCrls();
    await refresher.refreshOnce();
    const url = `${server.base}/iaca.crl`;
    const tries: [Uint8Array, string][] = [
      [new Uint8Array([0x30, 0x03, 0x02, 0x01]), 'CRL_MALFORMED'],
      [await makeCrl(impostor, [], new Date('2026-05-31T12:00:00Z'), new Date('2026-06-08T00:00:00Z')), 'CRL_SIGNATURE_INVALID'],
      [await makeCrl(iaca, [], new Date('2026-05-20T00:00:00Z'), new Date('2026-05-30T00:00:00Z')), 'CRL_EXPIRED'],
      [await makeCrl(iaca, [], new Date('2026-05-30T00:00:00Z'), new Date('2026-06-08T00:00:00Z')), 'CRL_EXPIRED'],
    ];
    try {
      for (const [bytes, code] of tries) {
        server.files.set('/iaca.crl', bytes);
        setNow(LATER(3600 * 2));
        const [res] = await refresher.refreshOnce();
        expect(res).toMatchObject({ ok: false, code });
        const m = lists.metrics(LATER(3600 * 2))[0];
        expect(m).toMatchObject({ url, kind: 'crl', usable: true, lastSuccess: AT.toISOString(), lastError: { code } });
        expect(m.ageSeconds).toBe(7200);
        expect(lists.checkCertificate(revokedDs.der, iaca.der, LATER(3600 * 2)).status).toBe('revoked');
      }
      server.files.set('/iaca.crl', 404);
      const [res] = await refresher.refreshOnce();
      expect(res).toMatchObject({ ok: false, code: 'FETCH_FAILED' });
      // Once the last good copy passes its nextUpdate, it no longer answers.
      const after = new Date('2026-06-07T00:00:01Z');
      expect(lists.checkCertificate(goodDs.der, iaca.der, after).status).toBe('unavailable');
      expect(lists.metrics(after)[0].usable).toBe(false);
    } finally {
      server.files.set('/iaca.crl', crl);
    }
  });
});

describe('MSO status: Token Status List and identifier list', () => {
  const statusAt = (idx: number) =>
    new Map([
      [
        'status_list',
        new Map<string, unknown>([
          ['idx', idx],
          ['uri', `${server.base}/status`],
        ]),
      ],
    ]);
  const idAt = (id: number[]) =>
    new Map([
      [
        'identifier_list',
        new Map<string, unknown>([
          ['id', new Uint8Array(id)],
          ['uri', `${server.base}/ids`],
        ]),
      ],
    ]);

  beforeAll(() => {
    const statuses = Array.from({ length: 100 }, (_, i) => (i === 6 ? 1 : 0));
    server.files.set('/status', makeStatusList(`${server.base}/status`, statuses, listSigner, new Date('2026-05-31T00:00:00Z'), new Date('2026-06-02T00:00:00Z'), 600));
    server.files.set('/ids', makeIdentifierList(`${server.base}/ids`, [new Uint8Array([9, 9])], listSigner, new Date('2026-05-31T00:00:00Z')));
  });

  it('unavailable until fetched, then good / STATUS_REVOKED by index', async () => {
    const { lists, refresher } = setup();
    lists.wantTrustStoreCrls();
    const valid = await present(goodDs, statusAt(5));
    const revoked = await present(goodDs, statusAt(6));
    expect(check(valid, lists, AT, 'status')).toMatchObject({ status: 'fail', code: 'STATUS_UNAVAILABLE' });
    const results = await refresher.refreshOnce();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.kind).sort()).toEqual(['crl', 'status_list']);
    const ok = verifyDeviceResponse(valid, { trust, at: AT, sessionTranscript: TRANSCRIPT, revocation: lists });
    expect(ok.valid).toBe(true);
    const bad = verifyDeviceResponse(revoked, { trust, at: AT, sessionTranscript: TRANSCRIPT, revocation: lists });
    expect(bad.valid).toBe(false);
    expect(bad.errors.map((e) => e.code)).toEqual(['STATUS_REVOKED']);
    expect(check(await present(goodDs, statusAt(4000)), lists, AT, 'status')).toMatchObject({ status: 'fail', code: 'STATUS_UNAVAILABLE' });
  });

  it('identifier list: a listed id is STATUS_REVOKED, an unlisted one passes', async () => {
    const { lists, refresher } = setup();
    lists.checkMsoStatus(idAt([9, 9]), AT, iaca.der);
    await refresher.refreshOnce();
    expect(lists.checkMsoStatus(idAt([9, 9]), AT, iaca.der)).toMatchObject({ status: 'revoked' });
    expect(lists.checkMsoStatus(idAt([1, 2]), AT, iaca.der)).toEqual({ status: 'good' });
    lists.wantTrustStoreCrls();
    await refresher.refreshOnce();
    expect(check(await present(goodDs, idAt([9, 9])), lists, AT, 'status')).toMatchObject({ status: 'fail', code: 'STATUS_REVOKED' });
  });

  it('honours ttl for refresh and exp for use', async () => {
    const { lists, refresher, setNow } = setup();
    lists.checkMsoStatus(statusAt(1), AT, iaca.der);
    await refresher.refreshOnce();
    expect(lists.due(LATER(599))).toHaveLength(0);
    expect(lists.due(LATER(601))).toHaveLength(1);
    setNow(LATER(601));
    const hitsBefore = server.hits.get('/status') ?? 0;
    await refresher.refreshOnce();
    expect(server.hits.get('/status')).toBe(hitsBefore + 1);
    expect(lists.checkMsoStatus(statusAt(1), new Date('2026-06-02T00:00:01Z'), iaca.der).status).toBe('unavailable');
  });

  it('wrongly signed, untrusted, swapped or expired lists are rejected and the last good copy stays', async () => {
    const { lists, refresher, setNow } = setup();
    lists.checkMsoStatus(statusAt(6), AT, iaca.der);
    await refresher.refreshOnce();
    const good = server.files.get('/status')!;
    const strangerCa = await createIaca({ ...IACA_VALIDITY, commonName: 'stranger' });
    const stranger = await createDocumentSigner(strangerCa, DS_VALIDITY);
    const all0 = Array.from({ length: 100 }, () => 0);
    const iat = new Date('2026-06-01T00:30:00Z');
    const forged = makeStatusList(`${server.base}/status`, all0, { key: stranger.keys.privateKey, chain: listSigner.chain }, iat);
    const tries: [Uint8Array, string][] = [
      [new Uint8Array([1, 2, 3]), 'STATUS_LIST_MALFORMED'],
      [forged, 'STATUS_LIST_SIGNATURE_INVALID'],
      [makeStatusList(`${server.base}/status`, all0, { key: stranger.keys.privateKey, chain: [stranger.der] }, iat), 'STATUS_LIST_UNTRUSTED'],
      [makeStatusList(`${server.base}/other`, all0, listSigner, iat), 'STATUS_LIST_UNTRUSTED'],
      [makeStatusList(`${server.base}/status`, all0, listSigner, iat, new Date('2026-06-01T00:40:00Z')), 'STATUS_LIST_EXPIRED'],
    ];
    try {
      for (const [bytes, code] of tries) {
        server.files.set('/status', bytes);
        setNow(LATER(3600));
        const [res] = await refresher.refreshOnce();
        expect(res).toMatchObject({ ok: false, code });
        expect(lists.checkMsoStatus(statusAt(6), LATER(3600), iaca.der)).toMatchObject({ status: 'revoked' });
        expect(lists.metrics(LATER(3600))[0]).toMatchObject({ usable: true, ageSeconds: 3600, lastError: { code } });
      }
    } finally {
      server.files.set('/status', good);
    }
  });

  it('an MSO status the checker cannot read is unavailable, not good', () => {
    const { lists } = setup();
    expect(lists.checkMsoStatus(new Map([['something_else', 1]]), AT, iaca.der).status).toBe('unavailable');
    expect(
      lists.checkMsoStatus(
        new Map([
          [
            'status_list',
            new Map<string, unknown>([
              ['idx', -1],
              ['uri', 'x'],
            ]),
          ],
        ]),
        AT,
        iaca.der,
      ).status,
    ).toBe('unavailable');
  });
});

describe('MSO status across issuers', () => {
  it('a status list signed under IACA B never answers for IACA A, even at the same URI', async () => {
    const iacaB = await createIaca({ ...IACA_VALIDITY, commonName: 'kakunin sandbox IACA B' });
    const dsB = await createDocumentSigner(iacaB, DS_VALIDITY);
    const slB = await createDocumentSigner(iacaB, { ...DS_VALIDITY, commonName: 'IACA B status list signer' });
    const both = TrustStore.fromCertificates([iaca.der, iacaB.der], { set: 'sandbox' });
    const uri = `${server.base}/shared-status`;
    // Index 3 revoked, index 4 valid, as IACA B's signer says.
    server.files.set('/shared-status', makeStatusList(uri, [0, 0, 0, 1, 0], { key: slB.keys.privateKey, chain: [slB.der] }, new Date('2026-05-31T00:00:00Z')));
    const ref = (idx: number) =>
      new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', idx],
            ['uri', uri],
          ]),
        ],
      ]);
    const lists = new RevocationLists({ trust: both, unavailablePolicy: 'fail' });
    const refresher = new TrustRefresher({ lists, now: () => AT, intervalMs: 60_000, fetchPolicy: { allowLoopback: true } });

    // Both issuers' documents name the URI; each is a list of its own.
    expect(lists.checkMsoStatus(ref(3), AT, iaca.der).status).toBe('unavailable');
    expect(lists.checkMsoStatus(ref(3), AT, iacaB.der).status).toBe('unavailable');
    expect(lists.targets()).toHaveLength(2);
    const results = await refresher.refreshOnce();
    expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: 'STATUS_LIST_UNTRUSTED' });

    expect(lists.checkMsoStatus(ref(3), AT, iacaB.der)).toMatchObject({ status: 'revoked' });
    expect(lists.checkMsoStatus(ref(4), AT, iacaB.der)).toEqual({ status: 'good' });
    expect(lists.checkMsoStatus(ref(3), AT, iaca.der)).toMatchObject({ status: 'unavailable' });
    expect(lists.checkMsoStatus(ref(4), AT, iaca.der)).toMatchObject({ status: 'unavailable' });

    // Through the pipeline: B's revoked mdoc fails STATUS_REVOKED; A's mdoc gets nothing from B's list.
    const verify = (bytes: Uint8Array) => verifyDeviceResponse(bytes, { trust: both, at: AT, sessionTranscript: TRANSCRIPT, revocation: lists }).documents[0].checks.find((c) => c.check === 'status');
    expect(verify(await present(dsB, ref(3)))).toMatchObject({ status: 'fail', code: 'STATUS_REVOKED' });
    expect(verify(await present(goodDs, ref(4)))).toMatchObject({ status: 'fail', code: 'STATUS_UNAVAILABLE' });
    expect(verify(await present(goodDs, ref(3)))).toMatchObject({ status: 'fail', code: 'STATUS_UNAVAILABLE' });
  });

  it('a status list is never accepted for an anchor this verifier does not trust, nor without one', () => {
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    const uri = `${server.base}/status`;
    const bytes = makeStatusList(uri, [0], listSigner, new Date('2026-05-31T00:00:00Z'));
    expect(() => lists.accept({ url: uri, kind: 'status_list', anchor: impostor.der }, bytes, AT)).toThrow(expect.objectContaining({ code: 'STATUS_LIST_UNTRUSTED' }));
    expect(() => lists.accept({ url: uri, kind: 'status_list' }, bytes, AT)).toThrow(expect.objectContaining({ code: 'STATUS_LIST_UNTRUSTED' }));
    lists.accept({ url: uri, kind: 'status_list', anchor: iaca.der }, bytes, AT);
    expect(
      lists.checkMsoStatus(
        new Map([
          [
            'status_list',
            new Map<string, unknown>([
              ['idx', 0],
              ['uri', uri],
            ]),
          ],
        ]),
        AT,
        iaca.der,
      ),
    ).toEqual({ status: 'good' });
  });
});

describe('checkCertificate hot path', () => {
  it('reads a certificate’s distribution points once, not on every call (5,000 calls well under a second)', async () => {
    const noDp = await createDocumentSigner(impostor, DS_VALIDITY);
    const lists = new RevocationLists({ trust, unavailablePolicy: 'fail' });
    // Re-parsing with @peculiar/x509 per call cost about 1.3 ms; 5,000 calls took about 6.5 s.
    const t = performance.now();
    for (let i = 0; i < 5_000; i++) expect(lists.checkCertificate(noDp.der, impostor.der, AT).status).toBe('unavailable');
    expect(performance.now() - t).toBeLessThan(2_000);
    expect(lists.targets()).toHaveLength(0);
  });
});
