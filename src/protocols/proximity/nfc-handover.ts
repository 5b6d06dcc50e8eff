/**
 * NFC engagement (ISO 18013-5 §8.2.2.1): the mdoc's Handover Select message carries the
 * DeviceEngagement in an external record `iso.org:18013:deviceengagement` (id "mdoc") and one
 * Alternative Carrier record per transport it offers, each pointing at a carrier configuration
 * record (BLE LE OOB, `iso.org:18013:nfc`, Wi-Fi Aware). Static handover: the reader just reads it.
 * Negotiated handover: the reader first writes a Handover Request naming the carriers it supports.
 * The Handover Select (and Request) bytes go into the SessionTranscript exactly as exchanged.
 */
import { randomBytes } from 'node:crypto';
import { parseDeviceEngagement, type DeviceEngagement } from './device-engagement.js';
import { ProximityError } from './errors.js';
import { ascii, encodeNdefMessage, parseNdefMessage, record, text, TNF, type NdefRecord } from './ndef.js';
import { uuidFromBytes, uuidToBytes, type BleRetrieval, type DeviceRetrievalMethod, type NfcRetrieval } from './retrieval-methods.js';

export const TYPE_DEVICE_ENGAGEMENT = 'iso.org:18013:deviceengagement';
export const TYPE_NFC_CARRIER = 'iso.org:18013:nfc';
export const TYPE_BLE_OOB = 'application/vnd.bluetooth.le.oob';
export const TYPE_WIFI_AWARE = 'application/vnd.wfa.nan';
/** NFC Forum connection handover version 1.5. */
const HANDOVER_VERSION = 0x15;

/** Bluetooth Core Supplement AD types used in LE OOB records. */
const AD_LE_ROLE = 0x1c;
const AD_UUID128_COMPLETE = 0x07;
const AD_LE_DEVICE_ADDRESS = 0x1b;
/** Multipaz's not-yet-allocated AD type for the L2CAP PSM. */
const AD_PSM = 0x77;

export interface NfcEngagement {
  deviceEngagement: DeviceEngagement;
  /** Transports from the alternative carriers, in the mdoc's order. */
  retrievalMethods: DeviceRetrievalMethod[];
  /** The Handover Select message as received (goes into the transcript). */
  handoverSelect: Uint8Array;
}

function invalid(message: string, cause?: unknown): never {
  throw new ProximityError('ENGAGEMENT_INVALID', `Handover: ${message}`, { cause });
}

const isType = (r: NdefRecord, tnf: number, type: string): boolean => r.tnf === tnf && text(r.type) === type;

interface AlternativeCarrier {
  powerState: number;
  carrierReference: string;
  auxiliaryReferences: string[];
}

function parseAlternativeCarrier(p: Uint8Array): AlternativeCarrier {
  if (p.length < 3) invalid('alternative carrier record too short');
  const refLen = p[1];
  let pos = 2 + refLen;
  if (pos >= p.length) invalid('alternative carrier record truncated');
  const carrierReference = text(p.subarray(2, pos));
  const count = p[pos++];
  const auxiliaryReferences: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pos >= p.length) invalid('auxiliary reference truncated');
    const len = p[pos++];
    if (pos + len > p.length) invalid('auxiliary reference truncated');
    auxiliaryReferences.push(text(p.subarray(pos, pos + len)));
    pos += len;
  }
  return { powerState: p[0] & 0x03, carrierReference, auxiliaryReferences };
}

/** LE OOB data (Bluetooth Core Supplement AD structures) of a carrier the mdoc offers. The LE role
 * is the mdoc's: 0x00 peripheral only (peripheral server mode), 0x01 central only (central client
 * mode), 0x02/0x03 both. The 128-bit UUID is little-endian on the wire. */
export function parseBleOob(payload: Uint8Array): BleRetrieval {
  let role: number | undefined;
  let uuid: string | undefined;
  let address: string | undefined;
  let psm: number | undefined;
  let pos = 0;
  while (pos < payload.length) {
    const len = payload[pos];
    if (len === 0 || pos + 1 + len > payload.length) invalid('malformed LE OOB data');
    const type = payload[pos + 1];
    const value = payload.subarray(pos + 2, pos + 1 + len);
    if (type === AD_LE_ROLE && value.length === 1) role = value[0];
    else if (type === AD_UUID128_COMPLETE && value.length >= 16 && value.length % 16 === 0) {
      uuid = uuidFromBytes(Uint8Array.from(value.subarray(value.length - 16)).reverse());
    } else if (type === AD_LE_DEVICE_ADDRESS && value.length === 7) address = Buffer.from(value.subarray(0, 6)).toString('hex');
    else if (type === AD_PSM && value.length === 4) psm = Buffer.from(value).readUInt32BE(0);
    pos += 1 + len;
  }
  if (role === undefined || role > 3) invalid('LE OOB data without a valid LE role');
  const central = role === 0x01 || role >= 0x02;
  const peripheral = role === 0x00 || role >= 0x02;
  const ble: BleRetrieval = { type: 'ble', centralClientMode: central, peripheralServerMode: peripheral };
  if (central) ble.centralClientUuid = uuid;
  if (peripheral) ble.peripheralServerUuid = uuid;
  if (address) ble.peripheralServerAddress = address;
  if (psm !== undefined) ble.peripheralServerPsm = psm;
  return ble;
}

export function encodeBleOob(ble: BleRetrieval): Uint8Array {
  const role = ble.centralClientMode && ble.peripheralServerMode ? 0x03 : ble.centralClientMode ? 0x01 : 0x00;
  const parts = [Uint8Array.of(2, AD_LE_ROLE, role)];
  const uuid = ble.centralClientUuid ?? ble.peripheralServerUuid;
  if (uuid) parts.push(Uint8Array.of(17, AD_UUID128_COMPLETE), Uint8Array.from(uuidToBytes(uuid)).reverse());
  return Buffer.concat(parts);
}

/** `iso.org:18013:nfc` payload: version 1, then [length, type, big-endian value] entries:
 * type 1 max command data length, type 2 max response data length. */
export function parseNfcCarrier(payload: Uint8Array): NfcRetrieval {
  if (payload.length < 1 || payload[0] !== 0x01) invalid('unsupported NFC carrier version');
  const out: NfcRetrieval = { type: 'nfc', maxCommandDataLength: 255, maxResponseDataLength: 256 };
  let pos = 1;
  while (pos < payload.length) {
    const len = payload[pos];
    if (len < 2 || len > 5 || pos + 1 + len > payload.length) invalid('malformed NFC carrier data');
    let value = 0;
    for (const b of payload.subarray(pos + 2, pos + 1 + len)) value = value * 256 + b;
    if (payload[pos + 1] === 0x01) out.maxCommandDataLength = value;
    else if (payload[pos + 1] === 0x02) out.maxResponseDataLength = value;
    pos += 1 + len;
  }
  return out;
}

export function encodeNfcCarrier(nfc: NfcRetrieval): Uint8Array {
  const b = Buffer.alloc(9);
  b[0] = 1;
  b[1] = 3;
  b[2] = 1;
  b.writeUInt16BE(nfc.maxCommandDataLength, 3);
  b[5] = 3;
  b[6] = 2;
  b.writeUInt16BE(Math.min(nfc.maxResponseDataLength, 0xffff), 7);
  return new Uint8Array(b);
}

/** Embedded records of a Handover Select/Request payload (after the version byte). */
function embeddedRecords(hx: NdefRecord): NdefRecord[] {
  if (hx.payload.length < 1) invalid('empty handover record');
  const major = hx.payload[0] >> 4;
  if (major !== 1) invalid(`unsupported connection handover version ${hx.payload[0].toString(16)}`);
  return hx.payload.length > 1 ? parseNdefMessage(hx.payload.subarray(1)) : [];
}

function carrierToMethod(r: NdefRecord): DeviceRetrievalMethod | undefined {
  if (isType(r, TNF.mime, TYPE_BLE_OOB)) return parseBleOob(r.payload);
  if (isType(r, TNF.external, TYPE_NFC_CARRIER)) return parseNfcCarrier(r.payload);
  if (isType(r, TNF.mime, TYPE_WIFI_AWARE)) return { type: 'wifi-aware' };
  return undefined;
}

/** Parses the mdoc's Handover Select message (static or negotiated handover). */
export function parseHandoverSelect(bytes: Uint8Array): NfcEngagement {
  const records = parseNdefMessage(bytes);
  const hs = records[0];
  if (!isType(hs, TNF.wellKnown, 'Hs')) invalid('first record is not a Handover Select (Hs)');
  const deRecord = records.find((r) => isType(r, TNF.external, TYPE_DEVICE_ENGAGEMENT));
  if (!deRecord) invalid('no iso.org:18013:deviceengagement record');
  const deviceEngagement = parseDeviceEngagement(deRecord.payload);
  const retrievalMethods: DeviceRetrievalMethod[] = [];
  for (const ac of embeddedRecords(hs).filter((r) => isType(r, TNF.wellKnown, 'ac'))) {
    const { carrierReference } = parseAlternativeCarrier(ac.payload);
    const carrier = records.find((r) => r !== hs && text(r.id) === carrierReference);
    if (!carrier) invalid(`alternative carrier refers to missing record "${carrierReference}"`);
    const method = carrierToMethod(carrier);
    if (method) retrievalMethods.push(method);
  }
  // Engagements that carry the methods inside the DeviceEngagement too are honoured.
  for (const m of deviceEngagement.retrievalMethods) if (!retrievalMethods.some((x) => x.type === m.type)) retrievalMethods.push(m);
  return { deviceEngagement, retrievalMethods, handoverSelect: bytes };
}

function alternativeCarrierRecord(reference: string, auxiliary: string[]): NdefRecord {
  const parts = [Uint8Array.of(0x01, reference.length), ascii(reference), Uint8Array.of(auxiliary.length)];
  for (const a of auxiliary) parts.push(Uint8Array.of(a.length), ascii(a));
  return record(TNF.wellKnown, 'ac', Buffer.concat(parts));
}

function carrierRecords(methods: DeviceRetrievalMethod[]): { ac: NdefRecord[]; carriers: NdefRecord[] } {
  const ac: NdefRecord[] = [];
  const carriers: NdefRecord[] = [];
  for (const m of methods) {
    if (m.type === 'ble') {
      ac.push(alternativeCarrierRecord('0', []));
      carriers.push(record(TNF.mime, TYPE_BLE_OOB, encodeBleOob(m), '0'));
    } else if (m.type === 'nfc') {
      ac.push(alternativeCarrierRecord('nfc', []));
      carriers.push(record(TNF.external, TYPE_NFC_CARRIER, encodeNfcCarrier(m), 'nfc'));
    }
  }
  return { ac, carriers };
}

/** The reader's Handover Request for negotiated handover: a collision-resolution record and the
 * carriers the reader supports. */
export function buildHandoverRequest(methods: DeviceRetrievalMethod[]): Uint8Array {
  const { ac, carriers } = carrierRecords(methods);
  const cr = record(TNF.wellKnown, 'cr', new Uint8Array(randomBytes(2)));
  const hr = record(TNF.wellKnown, 'Hr', Buffer.concat([Uint8Array.of(HANDOVER_VERSION), encodeNdefMessage([cr, ...ac])]));
  return encodeNdefMessage([hr, ...carriers]);
}

/** Carriers a Handover Request asks for (the mdoc side of negotiated handover). */
export function parseHandoverRequest(bytes: Uint8Array): DeviceRetrievalMethod[] {
  const records = parseNdefMessage(bytes);
  if (!isType(records[0], TNF.wellKnown, 'Hr')) invalid('first record is not a Handover Request (Hr)');
  const out: DeviceRetrievalMethod[] = [];
  for (const r of records.slice(1)) {
    const m = carrierToMethod(r);
    if (m) out.push(m);
  }
  return out;
}

/** The mdoc's Handover Select: Hs with one ac per carrier (each with auxiliary reference "mdoc"),
 * the carrier records, and the DeviceEngagement record. Used by the sandbox wallet. */
export function buildHandoverSelect(deviceEngagement: Uint8Array, methods: DeviceRetrievalMethod[]): Uint8Array {
  const { carriers } = carrierRecords(methods);
  const ac = methods.filter((m) => m.type === 'ble' || m.type === 'nfc').map((m) => alternativeCarrierRecord(m.type === 'ble' ? '0' : 'nfc', ['mdoc']));
  const hsPayload = Buffer.concat([Uint8Array.of(HANDOVER_VERSION), ac.length ? encodeNdefMessage(ac) : new Uint8Array(0)]);
  return encodeNdefMessage([record(TNF.wellKnown, 'Hs', hsPayload), ...carriers, record(TNF.external, TYPE_DEVICE_ENGAGEMENT, deviceEngagement, 'mdoc')]);
}
