/**
 * Whole in-person sessions between the reader and the sandbox wallet over the loopback transport:
 * QR and NFC engagement, deviceSignature and deviceMac, and the ways a session goes wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createLoopbackPair,
  decodeSessionData,
  parseNfcEngagement,
  parseQrEngagement,
  buildHandoverRequest,
  readMdoc,
  ReaderSession,
  STATUS,
  type ItemsRequest,
} from '../../src/protocols/proximity/index.js';
import { SandboxProximityHolder, type HolderProximityOptions } from '../../src/sandbox/holder-proximity.js';
import { AT, makeFixtures, type Fixtures } from './fixtures.js';

const AGE_OVER_20: ItemsRequest[] = [{ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: { 'org.iso.23220.1': { age_over_20: false } } }];

let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures();
});

function holder(options: Partial<HolderProximityOptions> = {}): SandboxProximityHolder {
  return new SandboxProximityHolder({ documents: [fx.mnc, fx.mdl], ...options });
}

describe('in-person age check over loopback', () => {
  it.each(['signature', 'mac'] as const)('QR engagement, device%s: verified, over 20 = true, nothing else disclosed', async (deviceAuth) => {
    const wallet = holder({ deviceAuth, requireReaderAuth: true });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, reader: fx.reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    const report = await served;
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.documents[0].elements.issuerSigned).toEqual({ 'org.iso.23220.1': { age_over_20: true } });
    expect(report.requests).toEqual([{ docType: 'org.iso.23220.1.jp.mnc', elements: ['age_over_20'] }]);
    expect(report.readerSubject).toContain('CN=kakunin sandbox reader');
    expect(report.end).toBe('terminated-by-reader');
    // The reader sent status 20 last, and both ends are closed with no receive pending.
    expect(decodeSessionData(reader.sent.at(-1)!)).toEqual({ status: STATUS.sessionTermination });
    expect(reader.closed && mdoc.closed).toBe(true);
    expect(reader.pendingReceives + mdoc.pendingReceives).toBe(0);
  });

  it.each(['P-384', 'brainpoolP256r1', 'X25519'] as const)('EDeviceKey on %s: the reader follows the curve', async (eDeviceCurve) => {
    // deviceSignature: deviceMac would need the MSO device key on the same curve as EReaderKey.
    const wallet = holder({ eDeviceCurve, deviceAuth: 'signature' });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    expect((await served).end).toBe('terminated-by-reader');
    expect(result.valid).toBe(true);
  });

  it('a wallet that discloses more than asked (birth date with age_over_20) fails ELEMENT_NOT_REQUESTED', async () => {
    const wallet = holder({ defects: { discloseExtra: { 'org.iso.23220.1': ['birth_date'] } } });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    await served;
    expect(result.valid).toBe(false);
    expect(result.documents[0].valid).toBe(false);
    expect(result.errors.map((e) => e.code)).toEqual(['ELEMENT_NOT_REQUESTED']);
  });

  it('a v1.1 engagement with extra keys keeps its bytes and verifies', async () => {
    const wallet = holder({
      extraEngagementKeys: new Map<number, unknown>([
        [5, [[1, 1, 'https://example.jp']]],
        [6, new Map([[2, true]])],
      ]),
    });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    expect(engagement.deviceEngagement.version).toBe('1.1');
    expect([...engagement.deviceEngagement.extra.keys()]).toEqual([5, 6]);
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    await served;
    expect(result.valid).toBe(true);
  });

  it('NFC static handover: the Handover Select goes into the transcript', async () => {
    const wallet = holder({ deviceAuth: 'mac' });
    const engagement = parseNfcEngagement(wallet.staticHandoverSelect(), null);
    expect(engagement.retrievalMethods[0]).toMatchObject({ type: 'ble', centralClientMode: true });
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    await served;
    expect(result.valid).toBe(true);
  });

  it('NFC negotiated handover: [HandoverSelect, HandoverRequest] in the transcript', async () => {
    const wallet = holder({
      deviceAuth: 'mac',
      retrievalMethods: [
        { type: 'nfc', maxCommandDataLength: 255, maxResponseDataLength: 65536 },
        { type: 'ble', centralClientMode: true, peripheralServerMode: false, centralClientUuid: '11111111-2222-3333-4444-555555555555' },
      ],
    });
    const hr = buildHandoverRequest([{ type: 'ble', centralClientMode: true, peripheralServerMode: false }]);
    const engagement = parseNfcEngagement(wallet.negotiatedHandoverSelect(hr), hr);
    expect(engagement.retrievalMethods.map((m) => m.type)).toEqual(['ble']);
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    await served;
    expect(result.valid).toBe(true);
  });

  it('a document the wallet does not hold comes back as a documentError, not a crash', async () => {
    const wallet = holder({ documents: [fx.mdl] });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({ engagement, transport: reader, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    await served;
    expect(result.valid).toBe(false);
    expect(result.documentErrors).toEqual({ 'org.iso.23220.1.jp.mnc': 0 });
  });

  it('two requests in one session use counters 1 and 2 each way', async () => {
    const wallet = holder();
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const session = new ReaderSession({ engagement, transport: reader, timeoutMs: 2000 });
    await session.request(AGE_OVER_20);
    await session.request([{ docType: 'org.iso.18013.5.1.mDL', nameSpaces: { 'org.iso.18013.5.1': { age_over_18: false } } }]);
    await session.terminate();
    const report = await served;
    expect(report.requests.map((r) => r.docType)).toEqual(['org.iso.23220.1.jp.mnc', 'org.iso.18013.5.1.mDL']);
    expect(report.end).toBe('terminated-by-reader');
  });
});

describe('sessions that go wrong', () => {
  async function failingRead(options: Partial<HolderProximityOptions>, timeoutMs = 2000) {
    const wallet = holder(options);
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 5000);
    const error = await readMdoc({ engagement, transport: reader, timeoutMs, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const report = await served;
    return { error, report, reader, mdoc };
  }

  it('wrong session key on the wallet: SESSION_ENCRYPTION, reader sends status 10 and tears down', async () => {
    const { error, reader, mdoc } = await failingRead({ defects: { wrongSessionKey: true } });
    expect(error).toMatchObject({ code: 'SESSION_ENCRYPTION' });
    expect(decodeSessionData(reader.sent.at(-1)!)).toEqual({ status: STATUS.encryptionError });
    expect(reader.closed && mdoc.closed).toBe(true);
  });

  it('a wallet that derives keys from another transcript cannot read the request: it answers 10', async () => {
    const { error, report } = await failingRead({ defects: { wrongTranscript: true } });
    expect(report.end).toBe('decryption-failed');
    expect(error).toMatchObject({ code: 'SESSION_TERMINATED' });
    expect((error as Error).message).toContain('(10)');
  });

  it('out-of-order counter (the wallet skips one): SESSION_ENCRYPTION', async () => {
    const { error } = await failingRead({ defects: { skipCounters: 1 } });
    expect(error).toMatchObject({ code: 'SESSION_ENCRYPTION' });
  });

  it('a replayed response to a second request: SESSION_ENCRYPTION on the second, not a stale answer', async () => {
    const wallet = holder({ defects: { replayFirstResponse: true } });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const served = wallet.serve(mdoc, 2000);
    const session = new ReaderSession({ engagement, transport: reader, timeoutMs: 2000 });
    await session.request(AGE_OVER_20);
    await expect(session.request(AGE_OVER_20)).rejects.toMatchObject({ code: 'SESSION_ENCRYPTION' });
    await served;
    expect(session.isEnded && reader.closed).toBe(true);
  });

  it.each([
    [STATUS.encryptionError, '(10)'],
    [STATUS.decodingError, '(11)'],
    [STATUS.sessionTermination, '(20)'],
  ])('the wallet answers with status %i: SESSION_TERMINATED naming it', async (status, text) => {
    const { error, reader } = await failingRead({ defects: { answerWithStatus: status } });
    expect(error).toMatchObject({ code: 'SESSION_TERMINATED' });
    expect((error as Error).message).toContain(text);
    expect(reader.closed).toBe(true);
  });

  it('garbage instead of SessionData: SESSION_MESSAGE_INVALID and status 11 to the wallet', async () => {
    const { error, reader } = await failingRead({ defects: { rawAnswer: Uint8Array.of(0xa1, 0x64) } });
    expect(error).toMatchObject({ code: 'SESSION_MESSAGE_INVALID' });
    expect(decodeSessionData(reader.sent.at(-1)!)).toEqual({ status: STATUS.decodingError });
  });

  it('a wallet that stops answering: SESSION_TIMEOUT after the timeout, both ends closed, no timer left', async () => {
    const started = Date.now();
    const { error, report, reader, mdoc } = await failingRead({ defects: { silent: true } }, 300);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'SESSION_TIMEOUT' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(report.end).toBe('transport-closed');
    expect(reader.closed && mdoc.closed).toBe(true);
    expect(reader.pendingReceives + mdoc.pendingReceives).toBe(0);
  });

  it('the phone walks away (link closed) mid-session: TRANSPORT_FAILED, not a hang', async () => {
    const wallet = holder();
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = createLoopbackPair();
    const session = new ReaderSession({ engagement, transport: reader, timeoutMs: 5000 });
    const pending = session.request(AGE_OVER_20);
    await mdoc.receive(1000);
    await mdoc.close();
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    expect(reader.closed).toBe(true);
  });

  it('a wallet that requires readerAuth refuses an unsigned request with status 11', async () => {
    const { error, report } = await failingRead({ requireReaderAuth: true });
    expect(error).toMatchObject({ code: 'SESSION_TERMINATED' });
    expect((error as Error).message).toContain('(11)');
    expect(report.end).toBe('status-sent');
  });
});

describe('an engagement the session cannot start from', () => {
  it('EReaderKey on another curve than EDeviceKey: ENGAGEMENT_INVALID and the link is released', async () => {
    const wallet = holder();
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader } = createLoopbackPair();
    const { generateEphemeralKey } = await import('../../src/protocols/proximity/index.js');
    await expect(
      readMdoc({ engagement, transport: reader, timeoutMs: 500, eReaderKey: generateEphemeralKey('P-384'), requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } }),
    ).rejects.toMatchObject({ code: 'ENGAGEMENT_INVALID' });
    expect(reader.closed).toBe(true);
  });
});
