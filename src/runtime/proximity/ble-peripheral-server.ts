/**
 * BLE mdoc peripheral server mode (ISO 18013-5 §8.3.3.1.1.4, Table 11): the phone is the GATT server
 * and the reader connects to it as a client. Runs on @stoprocent/noble (optional dependency).
 */
import { ProximityError } from '../../protocols/proximity/errors.js';
import { BLE_STATE, GattMessageTransport, MDOC_GATT } from '../../protocols/proximity/ble-gatt.js';
import { importOptional } from './optional-module.js';
import type { BleRetrieval } from '../../protocols/proximity/retrieval-methods.js';

interface NobleCharacteristic {
  uuid: string;
  on(event: 'data', cb: (data: Buffer) => void): void;
  subscribeAsync(): Promise<void>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
}
interface NoblePeripheral {
  mtu?: number | null;
  once(event: 'disconnect', cb: () => void): void;
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(services: string[], characteristics: string[]): Promise<{ characteristics: NobleCharacteristic[] }>;
}
interface Noble {
  state: string;
  on(event: 'stateChange', cb: (state: string) => void): void;
  on(event: 'discover', cb: (p: NoblePeripheral) => void): void;
  removeAllListeners(event?: string): void;
  startScanningAsync(services: string[], allowDuplicates: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

export const NOBLE_INSTALL = 'For BLE peripheral server mode install @stoprocent/noble: `npm install @stoprocent/noble` (Linux: BlueZ with a Bluetooth LE adapter and CAP_NET_RAW).';

const bare = (uuid: string): string => uuid.replace(/-/g, '').toLowerCase();

export async function openBlePeripheralServer(
  method: BleRetrieval,
  options: { connectTimeoutMs: number; /** Packages to try; default @stoprocent/noble, then @abandonware/noble. */ modules?: string[] },
): Promise<GattMessageTransport> {
  if (!method.peripheralServerMode || !method.peripheralServerUuid) throw new ProximityError('ENGAGEMENT_NO_TRANSPORT', 'the engagement does not offer BLE mdoc peripheral server mode');
  const noble = await importOptional<Noble>(options.modules ?? ['@stoprocent/noble', '@abandonware/noble'], 'BLE (mdoc peripheral server mode)', NOBLE_INSTALL);
  const serviceUuid = bare(method.peripheralServerUuid);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProximityError('SESSION_TIMEOUT', `ble: the phone was not found within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
  });
  let peripheral: NoblePeripheral | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        const check = (s: string): void => {
          if (s === 'poweredOn') resolve();
          else if (s === 'unsupported' || s === 'unauthorized') reject(new ProximityError('TRANSPORT_UNAVAILABLE', `ble: adapter state "${s}". ${NOBLE_INSTALL}`));
        };
        noble.on('stateChange', check);
        check(noble.state);
      }),
      timeout,
    ]);
    const found = new Promise<NoblePeripheral>((resolve) => noble.on('discover', resolve));
    await noble.startScanningAsync([serviceUuid], false);
    peripheral = await Promise.race([found, timeout]);
    await noble.stopScanningAsync();
    await Promise.race([peripheral.connectAsync(), timeout]);
    const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([serviceUuid], [MDOC_GATT.state, MDOC_GATT.client2server, MDOC_GATT.server2client].map(bare));
    const byUuid = (u: string): NobleCharacteristic => {
      const c = characteristics.find((x) => bare(x.uuid) === bare(u));
      if (!c) throw new ProximityError('TRANSPORT_FAILED', `ble: the phone has no characteristic ${u}`);
      return c;
    };
    const state = byUuid(MDOC_GATT.state);
    const c2s = byUuid(MDOC_GATT.client2server);
    const s2c = byUuid(MDOC_GATT.server2client);
    const p = peripheral;
    const transport = new GattMessageTransport('ble-peripheral-server', {
      mtu: () => p.mtu ?? 23,
      writeChunk: (chunk) => c2s.writeAsync(Buffer.from(chunk), true),
      teardown: async () => {
        try {
          await state.writeAsync(Buffer.of(BLE_STATE.end), true);
        } catch {
          // Already gone.
        }
        await p.disconnectAsync().catch(() => undefined);
        noble.removeAllListeners('discover');
        noble.removeAllListeners('stateChange');
      },
    });
    s2c.on('data', (d) => transport.onChunk(new Uint8Array(d)));
    p.once('disconnect', () => transport.onLinkLost());
    await s2c.subscribeAsync();
    await state.writeAsync(Buffer.of(BLE_STATE.start), true);
    return transport;
  } catch (e) {
    await noble.stopScanningAsync().catch(() => undefined);
    await peripheral?.disconnectAsync().catch(() => undefined);
    noble.removeAllListeners('discover');
    noble.removeAllListeners('stateChange');
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
