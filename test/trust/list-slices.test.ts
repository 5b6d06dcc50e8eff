/**
 * Loading a large revocation list lets the event loop run: a status list's `lst` is inflated on the
 * thread pool, an identifier list is read in slices with the caller's pause between them, and the
 * service restores its cached copies (a large CRL among them) the same way. Each test fails on
 * code that loads the whole list in one synchronous step.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScaleIssuer, fillerSerial, largeCrl, SCALE_AT, statusListAtLimit, type ScaleIssuer } from '../../bench/scale-fixtures.js';
import { RevocationCache } from '../../src/runtime/revocation-cache.js';
import { createDocumentSigner } from '../../src/sandbox/index.js';
import { createLogger } from '../../src/service/observability/logger.js';
import { Metrics } from '../../src/service/observability/metrics.js';
import { ServiceRevocation } from '../../src/service/startup/revocation.js';
import { IDENTIFIERS_PER_STEP } from '../../src/trust/identifier-list.js';
import { RevocationLists, type RevocationListTarget } from '../../src/trust/revocation-lists.js';
import { statusAt, verifyStatusListToken, type IdentifierList, type StatusList } from '../../src/trust/status-list.js';
import { TrustStore } from '../../src/trust/store.js';
import { makeIdentifierList, makeStatusList, type ListSigner } from './helpers/lists.js';

const IAT = new Date('2026-05-31T00:00:00Z');
const URI = 'https://status.example/list/1';
let issuer: ScaleIssuer;
let signer: ListSigner;
let trust: TrustStore;
const dirs: string[] = [];

beforeAll(async () => {
  issuer = await createScaleIssuer();
  const c = await createDocumentSigner(issuer.iaca, { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
  signer = { key: c.keys.privateKey, chain: [c.der] };
  trust = TrustStore.fromCertificates([issuer.iaca.der], { set: 'scale' });
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const target: RevocationListTarget = { url: URI, kind: 'status_list', anchor: new Uint8Array() };
const lists = () => new RevocationLists({ trust, unavailablePolicy: 'fail' });
/** A pause that yields to the event loop every time and counts its calls. */
function countingPause(): { pause: () => Promise<void>; calls: () => number } {
  let n = 0;
  return { pause: () => new Promise<void>((r) => setImmediate(() => (n++, r()))), calls: () => n };
}
/** Whether a setImmediate queued right after `start` begins ran before the promise it returns settled. */
async function ranDuring(start: () => Promise<unknown>): Promise<boolean> {
  let ran = false;
  let ranBeforeSettled = false;
  const loading = start().then(() => void (ranBeforeSettled = ran));
  setImmediate(() => (ran = true));
  await loading;
  return ranBeforeSettled;
}

describe('loading large lists in slices', () => {
  it('an identifier list of 20,000 entries is read in slices, with a pause between them, and says what the whole-list reader says', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => new Uint8Array(fillerSerial(i)));
    const bytes = makeIdentifierList(URI, ids, signer, IAT);
    const { pause, calls } = countingPause();
    const l = lists();
    const t = { ...target, anchor: issuer.iaca.der };
    await l.acceptAsync(t, bytes, SCALE_AT, pause);
    // At least once per IDENTIFIERS_PER_STEP entries (the old reader decoded all at once, no pause).
    expect(calls()).toBeGreaterThanOrEqual(20_000 / IDENTIFIERS_PER_STEP - 1);
    const whole = verifyStatusListToken(bytes, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: URI }) as IdentifierList;
    expect(whole.identifiers.size).toBe(20_000);
    expect(whole.identifiers.has(fillerSerial(19_999).toString('hex'))).toBe(true);
    const listed = new Map([
      [
        'identifier_list',
        new Map<string, unknown>([
          ['id', ids[123]],
          ['uri', URI],
        ]),
      ],
    ]);
    const absent = new Map([
      [
        'identifier_list',
        new Map<string, unknown>([
          ['id', new Uint8Array(fillerSerial(20_000))],
          ['uri', URI],
        ]),
      ],
    ]);
    expect(l.checkMsoStatus(listed, SCALE_AT, issuer.iaca.der).status).toBe('revoked');
    expect(l.checkMsoStatus(absent, SCALE_AT, issuer.iaca.der).status).toBe('good');
  });

  it('an identifier listed twice is malformed, as the whole-list decoder had it', async () => {
    const bytes = makeIdentifierList(URI, [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([1, 2])], signer, IAT);
    expect(() => verifyStatusListToken(bytes, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: URI })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_MALFORMED' }));
    await expect(lists().acceptAsync({ ...target, anchor: issuer.iaca.der }, bytes, SCALE_AT, countingPause().pause)).rejects.toMatchObject({ code: 'STATUS_LIST_MALFORMED' });
  });

  it("a status list's lst inflating to 60 MB is inflated off the event loop: a timer runs meanwhile", async () => {
    const raw = new Uint8Array(60 * 1024 * 1024);
    raw[7] = 0b10; // index 57 revoked
    const bytes = makeStatusList(URI, [], signer, IAT, undefined, undefined, new Uint8Array(deflateSync(raw)));
    const l = lists();
    const t = { ...target, anchor: issuer.iaca.der };
    expect(await ranDuring(() => l.acceptAsync(t, bytes, SCALE_AT, countingPause().pause))).toBe(true);
    const whole = verifyStatusListToken(bytes, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: URI }) as StatusList;
    expect(statusAt(whole, 57)).toBe(1);
    const at = (idx: number) =>
      new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', idx],
            ['uri', URI],
          ]),
        ],
      ]);
    expect(l.checkMsoStatus(at(57), SCALE_AT, issuer.iaca.der).status).toBe('revoked');
    expect(l.checkMsoStatus(at(58), SCALE_AT, issuer.iaca.der).status).toBe('good');
  });

  it('a status list at the size limit is hashed for its signature in slices, with a pause between them, and a changed byte still fails', async () => {
    const bytes = statusListAtLimit(issuer, { iat: IAT });
    const { pause, calls } = countingPause();
    const l = lists();
    const t: RevocationListTarget = { url: issuer.statusListUrl, kind: 'status_list', anchor: issuer.iaca.der };
    await l.acceptAsync(t, bytes, SCALE_AT, pause);
    // Between slices of the hashing, and once after the inflate: the whole-token hash paused once.
    expect(calls()).toBeGreaterThan(10);
    const whole = verifyStatusListToken(bytes, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: issuer.statusListUrl }) as StatusList;
    const revoked = Array.from({ length: 64 }, (_, i) => 8 + i).find((i) => statusAt(whole, i) === 1)!;
    const at = (idx: number) =>
      new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', idx],
            ['uri', issuer.statusListUrl],
          ]),
        ],
      ]);
    expect(l.checkMsoStatus(at(0), SCALE_AT, issuer.iaca.der).status).toBe('good');
    expect(l.checkMsoStatus(at(revoked), SCALE_AT, issuer.iaca.der).status).toBe('revoked');
    // A byte of the signed payload changed in its last slice: the sliced hash covers all of it.
    const changed = new Uint8Array(bytes);
    changed[changed.length - 200] ^= 1;
    await expect(lists().acceptAsync(t, changed, SCALE_AT, countingPause().pause)).rejects.toMatchObject({ code: 'STATUS_LIST_SIGNATURE_INVALID' });
    expect(() => verifyStatusListToken(changed, { anchors: [issuer.iaca.der], at: SCALE_AT, uri: issuer.statusListUrl })).toThrow(expect.objectContaining({ code: 'STATUS_LIST_SIGNATURE_INVALID' }));
  });

  it('a zlib bomb past 64 MB is refused by the thread-pool inflate as by the synchronous one', async () => {
    const bytes = makeStatusList(URI, [], signer, IAT, undefined, undefined, new Uint8Array(deflateSync(new Uint8Array(65 * 1024 * 1024))));
    await expect(lists().acceptAsync({ ...target, anchor: issuer.iaca.der }, bytes, SCALE_AT, countingPause().pause)).rejects.toMatchObject({ code: 'STATUS_LIST_MALFORMED' });
  });

  it('the service restores a cached 100,000-entry CRL without holding the event loop, and it answers once ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kakunin-slices-'));
    dirs.push(dir);
    const window = { thisUpdate: new Date('2026-05-31T00:00:00Z'), nextUpdate: new Date('2026-06-07T00:00:00Z') };
    const crlTarget: RevocationListTarget = { url: issuer.crlUrl, kind: 'crl', issuer: issuer.iaca.der };
    new RevocationCache(dir).saveCopy(crlTarget, largeCrl(issuer.iaca, 100_000, window), SCALE_AT);
    let revocation: ServiceRevocation | undefined;
    const ran = await ranDuring(() => {
      revocation = new ServiceRevocation({
        mode: 'fail',
        trust,
        logger: createLogger('error'),
        now: () => SCALE_AT,
        metrics: new Metrics(),
        cacheDir: dir,
        intervalSeconds: 3600,
        allowPrivate: false,
        fetch: () => Promise.reject(new Error('offline')),
      });
      return revocation.ready;
    });
    expect(ran).toBe(true);
    const m = revocation!.lists.metrics(SCALE_AT).find((x) => x.url === issuer.crlUrl);
    expect(m?.usable).toBe(true);
  });
});
