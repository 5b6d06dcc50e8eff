/**
 * DeviceRetrievalMethod (ISO 18013-5 §8.2.1.1): `[type, version, RetrievalOptions]`.
 * Type 1 NFC, 2 BLE, 3 Wi-Fi Aware. Unknown types are skipped, not rejected: a newer wallet may
 * offer transports this reader does not speak next to ones it does.
 */
import { asArray, asInt, asMap } from '../../cbor/index.js';
import { ProximityError } from './errors.js';

export const RETRIEVAL_NFC = 1;
export const RETRIEVAL_BLE = 2;
export const RETRIEVAL_WIFI_AWARE = 3;

/** BleOptions keys. The L2CAP PSM key is not standardised yet; Multipaz uses 2023. */
export const BLE_OPTION = {
  peripheralServerMode: 0,
  centralClientMode: 1,
  peripheralServerUuid: 10,
  centralClientUuid: 11,
  peripheralServerAddress: 20,
  peripheralServerPsm: 2023,
} as const;

/** BLE retrieval options: mdoc central client and/or peripheral server mode, their service UUIDs and address. */
export interface BleRetrieval {
  type: 'ble';
  /** The mdoc is the GATT server (the reader connects to it). */
  peripheralServerMode: boolean;
  /** The mdoc is the GATT client: the reader is the GATT server. Apple, Google and Samsung choose this. */
  centralClientMode: boolean;
  peripheralServerUuid?: string;
  centralClientUuid?: string;
  /** BLE device address of the mdoc in peripheral server mode, as hex. */
  peripheralServerAddress?: string;
  /** L2CAP PSM offered for peripheral server mode. */
  peripheralServerPsm?: number;
}

/** NFC retrieval options: the maximum command and response data lengths. */
export interface NfcRetrieval {
  type: 'nfc';
  maxCommandDataLength: number;
  maxResponseDataLength: number;
}

/** Wi-Fi Aware retrieval, offered by some devices; kakunin does not use it. */
export interface WifiAwareRetrieval {
  type: 'wifi-aware';
}

/** A way the holder's device offers to carry the session (ISO 18013-5 DeviceRetrievalMethod). */
export type DeviceRetrievalMethod = BleRetrieval | NfcRetrieval | WifiAwareRetrieval;

function invalid(message: string): never {
  throw new ProximityError('ENGAGEMENT_INVALID', `DeviceRetrievalMethod: ${message}`);
}

/** 16 bytes -> canonical lower-case UUID text. */
export function uuidFromBytes(b: Uint8Array): string {
  if (b.length !== 16) invalid(`UUID must be 16 bytes, got ${b.length}`);
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidToBytes(uuid: string): Uint8Array {
  const h = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) invalid(`not a UUID: ${uuid}`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}

function optionalBool(m: Map<unknown, unknown>, key: number): boolean {
  const v = m.get(key);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') invalid(`option ${key} must be a bool`);
  return v;
}

function optionalUuid(m: Map<unknown, unknown>, key: number): string | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) invalid(`option ${key} must be a bstr UUID`);
  return uuidFromBytes(v);
}

export function parseRetrievalMethod(value: unknown): DeviceRetrievalMethod | undefined {
  const a = asArray(value, 'DeviceRetrievalMethod', 'ENGAGEMENT_INVALID');
  if (a.length < 3) invalid('must be [type, version, options]');
  const type = asInt(a[0], 'retrieval type', 'ENGAGEMENT_INVALID');
  asInt(a[1], 'retrieval version', 'ENGAGEMENT_INVALID');
  const options = asMap(a[2], 'RetrievalOptions', 'ENGAGEMENT_INVALID');
  switch (type) {
    case RETRIEVAL_BLE: {
      const address = options.get(BLE_OPTION.peripheralServerAddress);
      const psm = options.get(BLE_OPTION.peripheralServerPsm);
      const ble: BleRetrieval = {
        type: 'ble',
        peripheralServerMode: optionalBool(options, BLE_OPTION.peripheralServerMode),
        centralClientMode: optionalBool(options, BLE_OPTION.centralClientMode),
        peripheralServerUuid: optionalUuid(options, BLE_OPTION.peripheralServerUuid),
        centralClientUuid: optionalUuid(options, BLE_OPTION.centralClientUuid),
      };
      if (address instanceof Uint8Array) ble.peripheralServerAddress = Buffer.from(address).toString('hex');
      if (typeof psm === 'number') ble.peripheralServerPsm = psm;
      if (ble.centralClientMode && !ble.centralClientUuid) invalid('central client mode without its UUID');
      if (ble.peripheralServerMode && !ble.peripheralServerUuid) invalid('peripheral server mode without its UUID');
      return ble;
    }
    case RETRIEVAL_NFC:
      return {
        type: 'nfc',
        maxCommandDataLength: asInt(options.get(0), 'NFC max command data length', 'ENGAGEMENT_INVALID'),
        maxResponseDataLength: asInt(options.get(1), 'NFC max response data length', 'ENGAGEMENT_INVALID'),
      };
    case RETRIEVAL_WIFI_AWARE:
      return { type: 'wifi-aware' };
    default:
      return undefined;
  }
}

/** The CBOR value of a retrieval method, for the sandbox wallet's own engagement. */
export function encodeRetrievalMethod(m: DeviceRetrievalMethod): unknown[] {
  switch (m.type) {
    case 'ble': {
      const o = new Map<number, unknown>();
      o.set(BLE_OPTION.peripheralServerMode, m.peripheralServerMode);
      o.set(BLE_OPTION.centralClientMode, m.centralClientMode);
      if (m.peripheralServerUuid) o.set(BLE_OPTION.peripheralServerUuid, uuidToBytes(m.peripheralServerUuid));
      if (m.centralClientUuid) o.set(BLE_OPTION.centralClientUuid, uuidToBytes(m.centralClientUuid));
      return [RETRIEVAL_BLE, 1, o];
    }
    case 'nfc':
      return [
        RETRIEVAL_NFC,
        1,
        new Map([
          [0, m.maxCommandDataLength],
          [1, m.maxResponseDataLength],
        ]),
      ];
    case 'wifi-aware':
      return [RETRIEVAL_WIFI_AWARE, 1, new Map()];
  }
}
