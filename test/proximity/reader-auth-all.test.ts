/**
 * ISO 18013-5 second edition in person: an mdoc whose DeviceEngagement (1.1) says ReaderAuthAllSupport
 * (Capabilities, key 6 → 3: true) gets a DeviceRequest 1.1 signed once with readerAuthAll over
 * ReaderAuthenticationAll; any other mdoc gets 1.0 with readerAuth per DocRequest, as before. The
 * structures are checked byte by byte, and the sandbox holder (which speaks both) verifies them; the
 * same over the Digital Credentials API (org-iso-mdoc) when a caller asks for it.
 */
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor, Tagged } from '../../src/cbor/index.js';
import { parseCoseSign1, verifyCoseSign1 } from '../../src/cose/index.js';
import { createLoopbackPair, parseQrEngagement, readMdoc, type ItemsRequest } from '../../src/protocols/proximity/index.js';
import { anyOneOf, buildDeviceRequest, encodeItemsRequest, readerAuthenticationAllBytes } from '../../src/protocols/request/device-request.js';
import { parseDeviceRequest, verifyReaderAuthAll } from '../../src/protocols/request/parse-device-request.js';
import { SandboxProximityHolder } from '../../src/sandbox/holder-proximity.js';
import { createDigitalCredentialRequest } from '../../src/protocols/dcapi/digital-credential-request.js';
import { receiveDigitalCredentialResponse } from '../../src/protocols/dcapi/digital-credential-response.js';
import { answerAnnexC } from '../../src/sandbox/wallet-annex-c.js';
import { AGE_AND_RESIDENCE, ORIGIN, world } from '../protocols/fixtures.js';
import { AT, makeFixtures, type Fixtures } from './fixtures.js';

const TWO_DOCS: ItemsRequest[] = [
  { docType: 'org.iso.23220.1.jp.mnc', nameSpaces: { 'org.iso.23220.1': { age_over_20: false } } },
  { docType: 'org.iso.18013.5.1.mDL', nameSpaces: { 'org.iso.18013.5.1': { age_over_21: false } } },
];
const SECOND_EDITION = new Map<number, unknown>([
  [5, []],
  [6, new Map([[3, true]])],
]);
const TRANSCRIPT = encodeCbor([null, null, ['test-handover']]);

let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures();
});

describe('readerAuthAll (ISO 18013-5 second edition)', () => {
  it('DeviceRequest 1.1: no per-document readerAuth, one readerAuthAll over ["ReaderAuthenticationAll", SessionTranscript, [ItemsRequestBytes…], null]', () => {
    const bytes = buildDeviceRequest(TWO_DOCS, TRANSCRIPT, fx.reader, '1.1', { readerAuthAll: true });
    const request = decodeCbor(bytes) as Map<string, unknown>;
    expect([...request.keys()]).toEqual(['version', 'docRequests', 'readerAuthAll']);
    expect(request.get('version')).toBe('1.1');
    for (const d of request.get('docRequests') as Map<string, unknown>[]) expect([...d.keys()]).toEqual(['itemsRequest']);
    // Rebuilt independently with the encoder: the signed structure, wrapped in #6.24.
    const expected = encodeCbor(new Tagged(24, encodeCbor(['ReaderAuthenticationAll', decodeCbor(TRANSCRIPT), TWO_DOCS.map((r) => new Tagged(24, encodeItemsRequest(r).bytes)), null])));
    expect(Buffer.from(readerAuthenticationAllBytes(TRANSCRIPT, TWO_DOCS.map(encodeItemsRequest))).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    const [sig] = request.get('readerAuthAll') as unknown[];
    const sign1 = parseCoseSign1(sig);
    expect(sign1.payload).toBeNull();
    expect(verifyCoseSign1(sign1, new X509Certificate(fx.reader.x5chain[0]).publicKey, { detachedPayload: expected })).toBe(true);
    expect(verifyReaderAuthAll(parseDeviceRequest(bytes), TRANSCRIPT).subject).toContain('CN=');
  });

  it('a readerAuthAll over other documents, or another transcript, does not verify', () => {
    const bytes = buildDeviceRequest(TWO_DOCS, TRANSCRIPT, fx.reader, '1.1', { readerAuthAll: true });
    expect(() => verifyReaderAuthAll(parseDeviceRequest(bytes), encodeCbor([null, null, ['other']]))).toThrow(/readerAuthAll signature does not verify/);
    const parsed = parseDeviceRequest(bytes);
    expect(() => verifyReaderAuthAll({ ...parsed, docRequests: parsed.docRequests.slice(0, 1) }, TRANSCRIPT)).toThrow(/does not verify/);
    expect(() => buildDeviceRequest(TWO_DOCS, TRANSCRIPT, fx.reader, '1.0', { readerAuthAll: true })).toThrow(/needs DeviceRequest version 1.1/);
  });

  it('in person: the reader signs once when the engagement says ReaderAuthAllSupport, per document otherwise', async () => {
    for (const [keys, expected] of [
      [SECOND_EDITION, { readerAuthAll: true, requestVersion: '1.1' }],
      [undefined, { requestVersion: '1.0' }],
    ] as const) {
      const wallet = new SandboxProximityHolder({ documents: [fx.mnc, fx.mdl], requireReaderAuth: true, ...(keys ? { extraEngagementKeys: keys } : {}) });
      const engagement = parseQrEngagement(wallet.qrEngagement());
      expect(engagement.deviceEngagement.readerAuthAllSupport).toBe(keys !== undefined);
      const { reader, mdoc } = createLoopbackPair();
      const served = wallet.serve(mdoc, 2000);
      const { result } = await readMdoc({ engagement, transport: reader, reader: fx.reader, timeoutMs: 2000, requests: TWO_DOCS.slice(0, 1), verify: { trust: fx.trust, at: AT } });
      const report = await served;
      expect(result.valid).toBe(true);
      expect(report).toMatchObject({ readerSubject: expect.any(String), ...expected });
      if (!keys) expect(report.readerAuthAll).toBeUndefined();
    }
  });
});

describe('DeviceRequestInfo (second edition): which DocRequests together answer', () => {
  const INFO = anyOneOf(2);

  it('goes in DeviceRequest 1.1 as #6.24 bytes, and readerAuthAll covers exactly those bytes', () => {
    const bytes = buildDeviceRequest(TWO_DOCS, TRANSCRIPT, fx.reader, '1.1', { readerAuthAll: true, deviceRequestInfo: INFO });
    const request = decodeCbor(bytes) as Map<string, unknown>;
    expect([...request.keys()]).toEqual(['version', 'docRequests', 'deviceRequestInfo', 'readerAuthAll']);
    // Built independently: {"useCases": [{"mandatory": true, "documentSets": [[0], [1]]}]}.
    const infoBytes = encodeCbor(
      new Map([
        [
          'useCases',
          [
            new Map<string, unknown>([
              ['mandatory', true],
              ['documentSets', [[0], [1]]],
            ]),
          ],
        ],
      ]),
    );
    expect(Buffer.from(encodeCbor(request.get('deviceRequestInfo'))).toString('hex')).toBe(Buffer.from(encodeCbor(new Tagged(24, infoBytes))).toString('hex'));
    const expected = encodeCbor(
      new Tagged(24, encodeCbor(['ReaderAuthenticationAll', decodeCbor(TRANSCRIPT), TWO_DOCS.map((r) => new Tagged(24, encodeItemsRequest(r).bytes)), new Tagged(24, infoBytes)])),
    );
    const [sig] = request.get('readerAuthAll') as unknown[];
    expect(verifyCoseSign1(parseCoseSign1(sig), new X509Certificate(fx.reader.x5chain[0]).publicKey, { detachedPayload: expected })).toBe(true);
    const parsed = parseDeviceRequest(bytes);
    expect(parsed.deviceRequestInfo?.value).toEqual(INFO);
    expect(verifyReaderAuthAll(parsed, TRANSCRIPT).subject).toContain('CN=');
  });

  it('the signature does not cover other use cases; a 1.0 request cannot carry them; bad ones do not parse', () => {
    const bytes = buildDeviceRequest(TWO_DOCS, TRANSCRIPT, fx.reader, '1.1', { readerAuthAll: true, deviceRequestInfo: INFO });
    const request = decodeCbor(bytes) as Map<string, unknown>;
    const swapped = new Map(request);
    swapped.set(
      'deviceRequestInfo',
      new Tagged(
        24,
        encodeCbor(
          new Map([
            [
              'useCases',
              [
                new Map<string, unknown>([
                  ['mandatory', true],
                  ['documentSets', [[1], [0]]],
                ]),
              ],
            ],
          ]),
        ),
      ),
    );
    expect(() => verifyReaderAuthAll(parseDeviceRequest(encodeCbor(swapped)), TRANSCRIPT)).toThrow(/does not verify/);
    expect(() => buildDeviceRequest(TWO_DOCS, TRANSCRIPT, fx.reader, '1.0', { deviceRequestInfo: INFO })).toThrow(/deviceRequestInfo needs DeviceRequest version 1.1/);
    for (const bad of [[[2]], [[-1]], [['0']]]) {
      const m = new Map(request);
      m.set(
        'deviceRequestInfo',
        new Tagged(
          24,
          encodeCbor(
            new Map([
              [
                'useCases',
                [
                  new Map<string, unknown>([
                    ['mandatory', true],
                    ['documentSets', bad],
                  ]),
                ],
              ],
            ]),
          ),
        ),
      );
      expect(() => parseDeviceRequest(encodeCbor(m))).toThrow(expect.objectContaining({ code: 'SESSION_MESSAGE_INVALID' }));
    }
  });

  it('in person: told "any one of", a second-edition holder presents one document; a 1.0 holder presents all it holds', async () => {
    for (const [keys, docTypes] of [
      [SECOND_EDITION, ['org.iso.23220.1.jp.mnc']],
      [undefined, ['org.iso.23220.1.jp.mnc', 'org.iso.18013.5.1.mDL']],
    ] as const) {
      const wallet = new SandboxProximityHolder({ documents: [fx.mnc, fx.mdl], requireReaderAuth: true, ...(keys ? { extraEngagementKeys: keys } : {}) });
      const engagement = parseQrEngagement(wallet.qrEngagement());
      const { reader, mdoc } = createLoopbackPair();
      const served = wallet.serve(mdoc, 2000);
      const { result } = await readMdoc({ engagement, transport: reader, reader: fx.reader, timeoutMs: 2000, requests: TWO_DOCS, deviceRequestInfo: INFO, verify: { trust: fx.trust, at: AT } });
      const report = await served;
      expect(result.valid).toBe(true);
      expect(result.documents.map((d) => d.docType)).toEqual(docTypes);
      if (keys) expect(report.useCaseDocTypes).toEqual(['org.iso.23220.1.jp.mnc']);
      else expect(report.useCaseDocTypes).toBeUndefined();
    }
  });

  it('a holder with only the second document answers with it', async () => {
    const wallet = new SandboxProximityHolder({ documents: [fx.mdl], requireReaderAuth: true, extraEngagementKeys: SECOND_EDITION });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, reader: fx.reader, timeoutMs: 2000, requests: TWO_DOCS, deviceRequestInfo: INFO, verify: { trust: fx.trust, at: AT } });
    expect((await served).useCaseDocTypes).toEqual(['org.iso.18013.5.1.mDL']);
    expect([result.valid, result.documents.map((d) => d.docType)]).toEqual([true, ['org.iso.18013.5.1.mDL']]);
  });
});

describe('readerAuthAll over the Digital Credentials API (org-iso-mdoc, DeviceRequest 1.1)', () => {
  it('a wallet that pins the reader root verifies the one signature and answers; the answer verifies', async () => {
    const w = await world();
    const req = await createDigitalCredentialRequest({
      request: AGE_AND_RESIDENCE,
      origin: ORIGIN,
      identity: w.identity,
      protocols: ['org-iso-mdoc'],
      deviceRequestVersion: '1.1',
      readerAuthAll: true,
      deviceRequestInfo: anyOneOf(AGE_AND_RESIDENCE.documents.length),
      at: w.at,
      store: w.store,
    });
    const data = req.credentialRequestOptions.digital.requests[0].data as { deviceRequest: string; encryptionInfo: string };
    const deviceRequest = decodeCbor(Buffer.from(data.deviceRequest, 'base64url')) as Map<string, unknown>;
    expect([deviceRequest.get('version'), (deviceRequest.get('readerAuthAll') as unknown[]).length, deviceRequest.has('deviceRequestInfo')]).toEqual(['1.1', 1, true]);
    const response = await answerAnnexC(w.wallet(), data, ORIGIN);
    const r = await receiveDigitalCredentialResponse({ id: req.id, response, store: w.store, trust: w.trust, at: w.at });
    expect([r.errors, r.valid]).toEqual([[], true]);
    // The same request with its readerAuthAll signature altered is refused by the wallet.
    const [sig] = deviceRequest.get('readerAuthAll') as unknown[][];
    const tampered = new Uint8Array(sig[3] as Uint8Array);
    tampered[0] ^= 1;
    deviceRequest.set('readerAuthAll', [[sig[0], sig[1], sig[2], tampered]]);
    await expect(answerAnnexC(w.wallet(), { ...data, deviceRequest: Buffer.from(encodeCbor(deviceRequest)).toString('base64url') }, ORIGIN)).rejects.toThrow(/readerAuthAll does not verify/);
  });
});
