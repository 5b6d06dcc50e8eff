/**
 * BLE mdoc central client mode (ISO 18013-5 §8.3.3.1.1.4, Table 12): the reader is the GATT server,
 * advertising the service UUID from the engagement; the phone connects, subscribes to Server2Client,
 * writes 0x01 to State and sends SessionEstablishment in chunks to Client2Server. This is what Apple
 * Wallet, Google Wallet and Samsung Wallet choose. Runs on @stoprocent/bleno (optional dependency).
 */
import type { DeviceEngagement } from '../../protocols/proximity/device-engagement.js';
import { ProximityError } from '../../protocols/proximity/errors.js';
import { BLE_STATE, bleIdent, GattMessageTransport, READER_GATT } from '../../protocols/proximity/ble-gatt.js';
import { importOptional } from './optional-module.js';
import type { BleRetrieval } from '../../protocols/proximity/retrieval-methods.js';
import type { SessionTransport } from '../../protocols/proximity/transport.js';

/** The part of the bleno API this adapter uses. */
interface Bleno {
  state: string;
  on(event: 'stateChange', cb: (state: string) => void): void;
  on(event: 'advertisingStart', cb: (error?: Error | null) => void): void;
  on(event: 'accept' | 'disconnect', cb: (address: string) => void): void;
  on(event: 'mtuChange', cb: (mtu: number) => void): void;
  removeAllListeners(event?: string): void;
  startAdvertising(name: string, serviceUuids: string[], cb?: (e?: Error | null) => void): void;
  stopAdvertising(cb?: () => void): void;
  setServices(services: unknown[], cb?: (e?: Error | null) => void): void;
  disconnect(): void;
  PrimaryService: new (options: { uuid: string; characteristics: unknown[] }) => unknown;
  Characteristic: (new (options: Record<string, unknown>) => unknown) & { RESULT_SUCCESS: number; RESULT_UNLIKELY_ERROR: number };
}

export const BLENO_INSTALL =
  'For BLE install @stoprocent/bleno: `npm install @stoprocent/bleno` (Linux: BlueZ with a Bluetooth LE adapter; run with CAP_NET_ADMIN/CAP_NET_RAW or as root, and stop bluetoothd from owning the adapter).';

const bare = (uuid: string): string => uuid.replace(/-/g, '').toLowerCase();

/** How long to wait for the phone over BLE, and which bleno package to use. */
export interface BleCentralClientOptions {
  /** How long to wait for the phone to connect and write State 0x01. */
  connectTimeoutMs: number;
  /** Packages to try, in order; default @stoprocent/bleno, then @abandonware/bleno. */
  modules?: string[];
}

/**
 * Opens the GATT server for the engagement and resolves once the phone has started the session.
 *
 * @example
 * ```ts
 * import { openBleCentralClient, parseQrEngagement, type BleRetrieval } from 'kakunin';
 * declare const scanned: string; // the QR code the phone shows: mdoc:...
 * const engagement = parseQrEngagement(scanned);
 * const ble = engagement.deviceEngagement.retrievalMethods.find((m): m is BleRetrieval => m.type === 'ble')!;
 * const transport = await openBleCentralClient(engagement.deviceEngagement, ble, { connectTimeoutMs: 10_000 });
 * ```
 */
export async function openBleCentralClient(engagement: DeviceEngagement, method: BleRetrieval, options: BleCentralClientOptions): Promise<SessionTransport> {
  if (!method.centralClientMode || !method.centralClientUuid) throw new ProximityError('ENGAGEMENT_NO_TRANSPORT', 'the engagement does not offer BLE mdoc central client mode');
  const bleno = await importOptional<Bleno>(options.modules ?? ['@stoprocent/bleno', '@abandonware/bleno'], 'BLE (mdoc central client mode)', BLENO_INSTALL);
  const serviceUuid = bare(method.centralClientUuid);
  const ident = Buffer.from(bleIdent(engagement.eDeviceKeyBytes));
  let notify: ((data: Buffer) => void) | undefined;
  let mtu = 23;
  let started: () => void = () => undefined;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));

  const teardown = async (): Promise<void> => {
    try {
      if (notify) notify(Buffer.of(BLE_STATE.end));
    } catch {
      // Already disconnected.
    }
    bleno.stopAdvertising();
    bleno.setServices([]);
    bleno.disconnect();
    for (const e of ['stateChange', 'advertisingStart', 'accept', 'disconnect', 'mtuChange']) bleno.removeAllListeners(e);
  };
  const transport = new GattMessageTransport('ble-central-client', {
    mtu: () => mtu,
    teardown,
    writeChunk: async (chunk) => {
      if (!notify) throw new ProximityError('TRANSPORT_FAILED', 'ble: the phone has not subscribed to Server2Client');
      notify(Buffer.from(chunk));
    },
  });

  const { Characteristic, PrimaryService } = bleno;
  const ok = Characteristic.RESULT_SUCCESS;
  const service = new PrimaryService({
    uuid: serviceUuid,
    characteristics: [
      new Characteristic({
        uuid: bare(READER_GATT.state),
        properties: ['notify', 'writeWithoutResponse'],
        onWriteRequest: (data: Buffer, _o: number, _w: boolean, cb: (r: number) => void) => {
          if (data[0] === BLE_STATE.start) started();
          if (data[0] === BLE_STATE.end) transport.onLinkLost(new ProximityError('SESSION_TERMINATED', 'ble: the phone ended the session (State 0x02)'));
          cb(ok);
        },
      }),
      new Characteristic({
        uuid: bare(READER_GATT.client2server),
        properties: ['writeWithoutResponse'],
        onWriteRequest: (data: Buffer, _o: number, _w: boolean, cb: (r: number) => void) => {
          transport.onChunk(new Uint8Array(data));
          cb(ok);
        },
      }),
      new Characteristic({
        uuid: bare(READER_GATT.server2client),
        properties: ['notify'],
        onSubscribe: (maxValueSize: number, update: (data: Buffer) => void) => {
          mtu = maxValueSize + 3;
          notify = update;
        },
        onUnsubscribe: () => {
          notify = undefined;
        },
      }),
      new Characteristic({ uuid: bare(READER_GATT.ident), properties: ['read'], value: ident }),
    ],
  });

  bleno.on('mtuChange', (m) => (mtu = m));
  bleno.on('disconnect', () => transport.onLinkLost());
  const poweredOn = new Promise<void>((resolve, reject) => {
    const check = (state: string): void => {
      if (state === 'poweredOn') resolve();
      else if (state === 'unsupported' || state === 'unauthorized') reject(new ProximityError('TRANSPORT_UNAVAILABLE', `ble: adapter state "${state}". ${BLENO_INSTALL}`));
    };
    bleno.on('stateChange', check);
    check(bleno.state);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProximityError('SESSION_TIMEOUT', `ble: no phone connected within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
  });
  try {
    await Promise.race([poweredOn, timeout]);
    await new Promise<void>((resolve, reject) => bleno.setServices([service], (e) => (e ? reject(e) : resolve())));
    bleno.startAdvertising('kakunin', [serviceUuid]);
    await Promise.race([startedPromise, timeout]);
    return transport;
  } catch (e) {
    await transport.close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
