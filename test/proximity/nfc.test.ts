/**
 * NFC: engagement from a Type 4 Tag (static and TNEP negotiated handover) and NFC data transfer with
 * ENVELOPE / GET RESPONSE, against the sandbox wallet acting as the card.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  berTlv,
  buildHandoverRequest,
  parseNfcEngagement,
  NfcSessionTransport,
  parseBerTlv,
  parseNdefMessage,
  readMdoc,
  readTagEngagement,
  text,
  type ItemsRequest,
} from '../../src/protocols/proximity/index.js';
import { SandboxProximityHolder } from '../../src/sandbox/holder-proximity.js';
import { SandboxNfcCard } from '../../src/sandbox/holder-proximity-nfc.js';
import { AT, makeFixtures, type Fixtures } from './fixtures.js';

const AGE_OVER_20: ItemsRequest[] = [{ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: { 'org.iso.23220.1': { age_over_20: false } } }];
const NFC_ONLY = [{ type: 'nfc' as const, maxCommandDataLength: 255, maxResponseDataLength: 256 }];

let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures();
});

describe('BER-TLV', () => {
  it.each([0, 1, 127, 128, 255, 256, 70000])('round-trips %i bytes', (n) => {
    const v = new Uint8Array(n).fill(7);
    expect(Buffer.from(parseBerTlv(berTlv(0x53, v), 0x53)).equals(Buffer.from(v))).toBe(true);
  });
  it('rejects a length that does not match', () => {
    expect(() => parseBerTlv(Uint8Array.of(0x53, 0x05, 1, 2), 0x53)).toThrow(expect.objectContaining({ code: 'TRANSPORT_FAILED' }));
  });
});

describe('NFC engagement and data transfer against the sandbox card', () => {
  it('static handover, then the whole session over ENVELOPE / GET RESPONSE (deviceMac)', async () => {
    const holder = new SandboxProximityHolder({ documents: [fx.mnc], deviceAuth: 'mac', retrievalMethods: NFC_ONLY });
    const card = new SandboxNfcCard(holder, { maxResponseData: 100 });
    const tag = await readTagEngagement(card);
    expect(tag.handoverRequest).toBeNull();
    const engagement = parseNfcEngagement(tag.handoverSelect, null);
    expect(engagement.retrievalMethods).toEqual(NFC_ONLY);
    const transport = new NfcSessionTransport(card, { maxCommandData: 64, onClose: () => card.remove() });
    const { result } = await readMdoc({ engagement, transport, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    const report = await card.served!;
    expect(result.valid).toBe(true);
    expect(result.documents[0].elements.issuerSigned).toEqual({ 'org.iso.23220.1': { age_over_20: true } });
    expect(report.end).toBe('terminated-by-reader');
    // Chained ENVELOPEs (CLA 10) and GET RESPONSE (C0) were both needed.
    expect(card.log).toContain('10c3');
    expect(card.log).toContain('00c0');
    expect(transport.closed).toBe(true);
  });

  it('negotiated handover over TNEP: Handover Request written, Handover Select read, both in the transcript', async () => {
    const holder = new SandboxProximityHolder({ documents: [fx.mnc], deviceAuth: 'mac', retrievalMethods: NFC_ONLY });
    const card = new SandboxNfcCard(holder, { negotiated: true });
    const hr = buildHandoverRequest(NFC_ONLY);
    const tag = await readTagEngagement(card, hr);
    expect(tag.handoverRequest).toBe(hr);
    expect(text(parseNdefMessage(tag.handoverSelect)[0].type)).toBe('Hs');
    const engagement = parseNfcEngagement(tag.handoverSelect, tag.handoverRequest);
    const transport = new NfcSessionTransport(card, { onClose: () => card.remove() });
    const { result } = await readMdoc({ engagement, transport, timeoutMs: 2000, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } });
    await card.served;
    expect(result.valid).toBe(true);
  });

  it('a negotiated-only tag without a Handover Request to send: ENGAGEMENT_INVALID', async () => {
    const holder = new SandboxProximityHolder({ documents: [fx.mnc] });
    await expect(readTagEngagement(new SandboxNfcCard(holder, { negotiated: true }))).rejects.toMatchObject({ code: 'ENGAGEMENT_INVALID' });
  });

  it('the phone is taken away while the wallet thinks: SESSION_TIMEOUT, the link is released', async () => {
    const holder = new SandboxProximityHolder({ documents: [fx.mnc], retrievalMethods: NFC_ONLY, defects: { silent: true } });
    const card = new SandboxNfcCard(holder, { sessionTimeoutMs: 5000 });
    const tag = await readTagEngagement(card);
    const transport = new NfcSessionTransport(card, { onClose: () => card.remove() });
    await expect(readMdoc({ engagement: parseNfcEngagement(tag.handoverSelect, null), transport, timeoutMs: 200, requests: AGE_OVER_20, verify: { trust: fx.trust, at: AT } })).rejects.toMatchObject({
      code: 'SESSION_TIMEOUT',
    });
    expect(transport.closed).toBe(true);
    expect((await card.served)!.end).toBe('transport-closed');
  });
});

describe('without a PC/SC binding', () => {
  it('waitForCard says what to install', async () => {
    const { waitForCard } = await import('../../src/runtime/proximity/pcsc.js');
    await expect(waitForCard({ timeoutMs: 100, modules: ['@kakunin-test/no-such-pcsc-library'] })).rejects.toMatchObject({
      code: 'TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining('npm install @pokusew/pcsclite'),
    });
  });
});
