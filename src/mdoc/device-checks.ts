/**
 * mdoc authentication (ISO 18013-5 §9.1.3): device_authentication (the device key in the MSO signed,
 * or MACed, this session's DeviceAuthenticationBytes) and key_authorizations (the device-signed
 * elements are ones the MSO lets the device key sign). Device-signed values are reported only when
 * both pass.
 */
import type { KeyObject } from 'node:crypto';
import { decodeCbor } from '../cbor/decode.js';
import { asMap } from '../cbor/read.js';
import type { EncodedCbor } from '../cbor/types.js';
import { coseKeyToKeyObject } from '../cose/key.js';
import { parseCoseMac0, verifyCoseMac0 } from '../cose/mac0.js';
import { parseCoseSign1, verifyCoseSign1 } from '../cose/sign1.js';
import { fail, type Checks } from './checks.js';
import { deriveEMacKey, deviceAuthenticationBytes } from './device-authentication.js';
import type { Document } from './device-response.js';
import type { MobileSecurityObject } from './mso.js';
import type { FailureCode, NameSpaceValues } from './result.js';
import type { SessionTranscriptForms } from './session-transcript.js';

type DeviceSigned = NonNullable<Document['deviceSigned']>;

/** Why device authentication fails or cannot run before any cryptography, or undefined when it can run. */
function precondition(
  deviceAuth: DeviceSigned['deviceAuth'],
  mso: MobileSecurityObject | undefined,
  transcript: SessionTranscriptForms | undefined,
  readerEphemeralKey: KeyObject | undefined,
): { status: 'fail' | 'not_run'; code: FailureCode; message: string } | undefined {
  const hasSignature = deviceAuth.has('deviceSignature');
  const hasMac = deviceAuth.has('deviceMac');
  if (!hasSignature && !hasMac) return { status: 'fail', code: 'DEVICE_AUTH_MISSING', message: 'deviceAuth has neither deviceSignature nor deviceMac' };
  // ISO 18013-5 allows exactly one; a wallet sending both (even one as undefined) is ambiguous.
  if (hasSignature && hasMac) return { status: 'fail', code: 'DEVICE_AUTH_INVALID', message: 'deviceAuth has both deviceSignature and deviceMac' };
  if (!transcript) return { status: 'not_run', code: 'TRANSCRIPT_MISSING', message: 'no SessionTranscript given: device authentication cannot be checked' };
  if (!mso) return { status: 'not_run', code: 'MSO_INVALID', message: 'no readable MSO: the device key is unknown' };
  if (deviceAuth.get('deviceMac') !== undefined && !readerEphemeralKey) return { status: 'not_run', code: 'READER_KEY_MISSING', message: "deviceMac needs the reader's ephemeral private key" };
  return undefined;
}

function verifyDeviceSignature(signature: unknown, deviceKey: KeyObject, payload: Uint8Array): 'deviceSignature' {
  const sign1 = parseCoseSign1(signature);
  // ISO 18013-5 sends the payload detached. Some wallets (@auth0/mdl) attach it; that is accepted
  // only when it is exactly the DeviceAuthenticationBytes the verifier built itself.
  if (sign1.payload !== null && Buffer.compare(sign1.payload, payload) !== 0) {
    fail('DEVICE_AUTH_INVALID', "deviceSignature carries a payload other than this session's DeviceAuthenticationBytes");
  }
  if (!verifyCoseSign1(sign1, deviceKey, sign1.payload === null ? { detachedPayload: payload } : {})) {
    fail('DEVICE_AUTH_INVALID', 'deviceSignature does not verify with the MSO device key for this session');
  }
  return 'deviceSignature';
}

function verifyDeviceMac(mac: unknown, deviceKey: KeyObject, readerEphemeralKey: KeyObject, transcript: SessionTranscriptForms, payload: Uint8Array): 'deviceMac' {
  const eMacKey = deriveEMacKey(readerEphemeralKey, deviceKey, transcript);
  if (!verifyCoseMac0(parseCoseMac0(mac), eMacKey, { detachedPayload: payload })) {
    fail('DEVICE_AUTH_INVALID', 'deviceMac does not verify with the key agreed for this session');
  }
  return 'deviceMac';
}

/** device_authentication: true when the device proved itself for this session. */
function checkDeviceAuthentication(
  doc: Document,
  deviceSigned: DeviceSigned,
  mso: MobileSecurityObject | undefined,
  transcript: SessionTranscriptForms | undefined,
  readerEphemeralKey: KeyObject | undefined,
  checks: Checks,
): boolean {
  const { deviceAuth, nameSpaces } = deviceSigned;
  const refused = precondition(deviceAuth, mso, transcript, readerEphemeralKey);
  if (refused) {
    if (refused.status === 'fail') checks.fail('device_authentication', refused.code, refused.message);
    else checks.notRun('device_authentication', refused.code, refused.message);
    return false;
  }
  return checks.run('device_authentication', 'DEVICE_AUTH_INVALID', () => {
    const deviceKey = coseKeyToKeyObject(mso!.deviceKey);
    const payload = deviceAuthenticationBytes(transcript!, doc.docType, nameSpaces);
    const signature = deviceAuth.get('deviceSignature');
    return signature !== undefined ? verifyDeviceSignature(signature, deviceKey, payload) : verifyDeviceMac(deviceAuth.get('deviceMac'), deviceKey, readerEphemeralKey!, transcript!, payload);
  });
}

/** key_authorizations: the device-signed elements, when the MSO authorises the device key for every one. */
function checkKeyAuthorizations(nameSpaces: EncodedCbor, mso: MobileSecurityObject | undefined, checks: Checks): NameSpaceValues {
  let deviceElements: Map<unknown, unknown>;
  try {
    deviceElements = asMap(decodeCbor(nameSpaces.bytes), 'DeviceNameSpaces');
  } catch (e) {
    checks.fail('key_authorizations', 'DEVICE_KEY_NOT_AUTHORIZED', (e as Error).message);
    return {};
  }
  if (deviceElements.size === 0) {
    checks.pass('key_authorizations', 'no device-signed elements');
    return {};
  }
  if (!mso) {
    checks.notRun('key_authorizations', 'MSO_INVALID', 'no readable MSO');
    return {};
  }
  const out: NameSpaceValues = {};
  const unauthorised: string[] = [];
  const ka = mso.keyAuthorizations;
  for (const [nsKey, elems] of deviceElements) {
    const ns = String(nsKey);
    const values = Object.create(null) as Record<string, unknown>;
    for (const [id, value] of elems instanceof Map ? elems : []) {
      const el = String(id);
      if (ka && (ka.nameSpaces.includes(ns) || ka.dataElements.get(ns)?.includes(el))) values[el] = value;
      else unauthorised.push(`${ns}/${el}`);
    }
    if (Object.keys(values).length) out[ns] = values;
  }
  if (unauthorised.length) {
    checks.fail('key_authorizations', 'DEVICE_KEY_NOT_AUTHORIZED', `device key not authorised to sign ${unauthorised.join(', ')}`);
    return {};
  }
  checks.pass('key_authorizations');
  return out;
}

/** Both checks; the device-signed values when the device proved itself and was authorised for them. */
export function checkDeviceAuth(
  doc: Document,
  mso: MobileSecurityObject | undefined,
  transcript: SessionTranscriptForms | undefined,
  readerEphemeralKey: KeyObject | undefined,
  checks: Checks,
): NameSpaceValues {
  if (!doc.deviceSigned) {
    checks.fail('device_authentication', 'DEVICE_AUTH_MISSING', 'document has no deviceSigned');
    checks.notRun('key_authorizations', 'DEVICE_AUTH_MISSING', 'no device authentication');
    return {};
  }
  const authenticated = checkDeviceAuthentication(doc, doc.deviceSigned, mso, transcript, readerEphemeralKey, checks);
  const values = checkKeyAuthorizations(doc.deviceSigned.nameSpaces, mso, checks);
  return authenticated ? values : {};
}
