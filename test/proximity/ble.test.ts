/**
 * BLE: chunk framing, the Ident characteristic, a whole session over two GATT message transports
 * wired back to back with a small MTU, and the message a machine without the BLE library gets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hkdfSync } from 'node:crypto';
import { bleChunks, bleIdent, parseQrEngagement, GattMessageTransport, parseDeviceEngagement, readMdoc, READER_GATT, type BleRetrieval } from '../../src/protocols/proximity/index.js';
import { openBleCentralClient } from '../../src/runtime/proximity/ble-central-client.js';
import { openBlePeripheralServer } from '../../src/runtime/proximity/ble-peripheral-server.js';
import { SandboxProximityHolder } from '../../src/sandbox/holder-proximity.js';
import { hex } from '../helpers/vectors.js';
import { AT, makeFixtures, type Fixtures } from './fixtures.js';

let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures();
});

const annexDEngagement = parseDeviceEngagement(hex('iso18013-5-annexD-multipaz/device_engagement.hex'));

describe('BLE framing and Ident', () => {
  it('splits into MTU-4 byte chunks with 01 (more) / 00 (last) headers', () => {
    const message = new Uint8Array(50).map((_, i) => i);
    const chunks = bleChunks(message, 23);
    expect(chunks.map((c) => c.length)).toEqual([20, 20, 13]);
    expect(chunks.map((c) => c[0])).toEqual([1, 1, 0]);
    expect(Buffer.concat(chunks.map((c) => c.subarray(1)))).toEqual(Buffer.from(message));
    expect(bleChunks(new Uint8Array(19), 23)).toHaveLength(1);
  });

  it('Ident = HKDF-SHA256(EDeviceKeyBytes as tag 24, no salt, "BLEIdent", 16)', () => {
    const expected = Buffer.from(hkdfSync('sha256', annexDEngagement.eDeviceKeyBytes.tagged, Buffer.alloc(32), 'BLEIdent', 16));
    expect(Buffer.from(bleIdent(annexDEngagement.eDeviceKeyBytes))).toEqual(expected);
    expect(annexDEngagement.eDeviceKeyBytes.tagged.subarray(0, 2)).toEqual(Uint8Array.of(0xd8, 0x18));
  });

  it('uses the characteristic UUIDs of mdoc central client mode', () => {
    expect(READER_GATT).toMatchObject({
      state: '00000005-a123-48ce-896b-4c76973373e6',
      client2server: '00000006-a123-48ce-896b-4c76973373e6',
      server2client: '00000007-a123-48ce-896b-4c76973373e6',
      ident: '00000008-a123-48ce-896b-4c76973373e6',
    });
  });
});

/** Two GATT message transports connected chunk by chunk, as a GATT server and client would be. */
function gattPair(mtu: number): { reader: GattMessageTransport; mdoc: GattMessageTransport } {
  let mdoc!: GattMessageTransport;
  const chunksSeen: number[] = [];
  const reader: GattMessageTransport = new GattMessageTransport('gatt-reader', {
    mtu: () => mtu,
    writeChunk: async (c) => {
      chunksSeen.push(c.length);
      queueMicrotask(() => mdoc.onChunk(c));
    },
    teardown: async () => mdoc.onLinkLost(),
  });
  mdoc = new GattMessageTransport('gatt-mdoc', {
    mtu: () => mtu,
    writeChunk: async (c) => {
      chunksSeen.push(c.length);
      queueMicrotask(() => reader.onChunk(c));
    },
    teardown: async () => reader.onLinkLost(),
  });
  expect(chunksSeen).toEqual([]);
  return { reader, mdoc };
}

describe('a session over GATT chunks', () => {
  it('runs the age check with a 23-byte MTU (every message split in many chunks)', async () => {
    const wallet = new SandboxProximityHolder({ documents: [fx.mnc], deviceAuth: 'mac' });
    const engagement = parseQrEngagement(wallet.qrEngagement());
    const { reader, mdoc } = gattPair(23);
    const served = wallet.serve(mdoc, 2000);
    const { result } = await readMdoc({
      engagement,
      transport: reader,
      timeoutMs: 2000,
      requests: [{ docType: 'org.iso.23220.1.jp.mnc', nameSpaces: { 'org.iso.23220.1': { age_over_20: false } } }],
      verify: { trust: fx.trust, at: AT },
    });
    expect(result.valid).toBe(true);
    expect((await served).end).toBe('terminated-by-reader');
    expect(reader.closed && mdoc.closed).toBe(true);
  });

  it('a bad chunk header fails the link instead of being glued into a message', async () => {
    const { reader } = gattPair(23);
    const pending = reader.receive(1000);
    reader.onChunk(Uint8Array.of(0x07, 1, 2));
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});

describe('without the BLE library', () => {
  const central: BleRetrieval = { type: 'ble', centralClientMode: true, peripheralServerMode: false, centralClientUuid: '45efef74-2b2c-4837-a9a3-b0e1d05a6917' };
  const peripheral: BleRetrieval = { type: 'ble', centralClientMode: false, peripheralServerMode: true, peripheralServerUuid: '45efef74-2b2c-4837-a9a3-b0e1d05a6917' };

  // A package name that cannot exist stands for a machine where the library is not installed.
  const absent = ['@kakunin-test/no-such-ble-library'];

  it('central client mode says what to install', async () => {
    await expect(openBleCentralClient(annexDEngagement, central, { connectTimeoutMs: 100, modules: absent })).rejects.toMatchObject({
      code: 'TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining('npm install @stoprocent/bleno'),
    });
  });

  it('peripheral server mode says what to install', async () => {
    await expect(openBlePeripheralServer(peripheral, { connectTimeoutMs: 100, modules: absent })).rejects.toMatchObject({
      code: 'TRANSPORT_UNAVAILABLE',
      message: expect.stringContaining('npm install @stoprocent/noble'),
    });
  });

  it('an engagement without the mode is ENGAGEMENT_NO_TRANSPORT', async () => {
    await expect(openBleCentralClient(annexDEngagement, peripheral, { connectTimeoutMs: 100 })).rejects.toMatchObject({ code: 'ENGAGEMENT_NO_TRANSPORT' });
  });
});
