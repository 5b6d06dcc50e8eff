/**
 * The verification pipeline: DeviceResponse bytes + SessionTranscript + trust + time in, a typed
 * result out. Pure: no I/O, no clock (DESIGN.md). Each document goes through a list of named checks;
 * a check that cannot run is "not_run" and keeps the document from being valid.
 */
import type { KeyObject } from 'node:crypto';
import type { RevocationChecker } from '../trust/revocation.js';
import type { TrustStore } from '../trust/store.js';
import { Checks } from './checks.js';
import { checkDeviceAuth } from './device-checks.js';
import { deviceKeyThumbprint } from './device-key-thumbprint.js';
import { parseDeviceResponse, type Document } from './device-response.js';
import { checkIssuerChain, checkIssuerSignature, readIssuerAuth, readMso } from './issuer-checks.js';
import { checkIssuingCountry } from './issuing-country.js';
import { checkMso, MSO_CHECKS } from './mso-checks.js';
import { addDeviceSignedPresented, addIssuerSignedPresented, noIdentifiers } from './presented-elements.js';
import type { CheckName, DocumentResult, NameSpaceValues, VerificationResult } from './result.js';
import { checkIssuerRevocation, checkMsoStatus, uncheckedMsoStatus } from './revocation-checks.js';
import { sessionTranscriptForms, type SessionTranscriptForms } from './session-transcript.js';
import { APPLE_TEST_ID, isAppleTestId } from './test-id.js';
import { checkValueDigests } from './value-digests.js';

const passed = (checks: Checks, name: CheckName) => checks.list.some((c) => c.check === name && c.status === 'pass');

/**
 * What a verification needs besides the bytes: the trust store, the time, the SessionTranscript the device signed over, and for deviceMac the reader's ephemeral key.
 */
export interface VerifyDeviceResponseOptions {
  trust: TrustStore;
  /** The time to verify at. Injected, never read from the clock here. */
  at: Date;
  /** SessionTranscript CBOR bytes, with or without the #6.24 wrapper. Without it device
   * authentication cannot run and no document is valid. */
  sessionTranscript?: Uint8Array;
  /** The reader's ephemeral private key, needed for deviceMac. */
  readerEphemeralKey?: KeyObject;
  /** Tolerance on MSO validity for clocks that disagree, in seconds. Default 300. */
  clockSkewSeconds?: number;
  /** Revocation answers from already-fetched lists; without it revocation checks are not run, and an
   * MSO status reference is listed in DocumentResult.unchecked. */
  revocation?: RevocationChecker;
  /** Report Apple's integrator test IDs in DocumentResult.testId (test-id.ts). For sandboxes only:
   * such a document stays invalid either way. Default false. */
  testIds?: boolean;
}

export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

/** One document through the checklist of ISO 18013-5 §9.3.1, in order. */
function verifyDocument(doc: Document, transcript: SessionTranscriptForms | undefined, options: VerifyDeviceResponseOptions): DocumentResult {
  const checks = new Checks();
  const presented = noIdentifiers();
  const result: DocumentResult = { docType: doc.docType, valid: false, elements: { issuerSigned: {}, deviceSigned: {} }, presented, checks: checks.list };

  const { issuerAuth, x5chain } = readIssuerAuth(doc, checks);
  const chain = checkIssuerChain(doc, x5chain, options.trust, options.at, checks, result);
  const issuerSigned = checkIssuerSignature(issuerAuth, chain, checks);
  const mso = readMso(issuerAuth, checks);
  let matched: NameSpaceValues = {};
  if (mso) {
    checkMso(doc, mso, chain, options.at, options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS, checks, result);
    matched = checkValueDigests(doc, mso, checks, presented);
    checkIssuingCountry(matched, chain, checks);
    // Values are reported only from an MSO a trusted issuer signed (an expired chain still says who
    // signed them); on an unauthenticated MSO the digest check runs and reports, the values are not
    // given out.
    const authentic = issuerSigned && chain.anchor !== undefined && (!chain.chain || chain.chain.code === 'ISSUER_CERT_EXPIRED');
    if (authentic) result.elements.issuerSigned = matched;
  } else {
    for (const c of MSO_CHECKS) checks.notRun(c, 'MSO_INVALID', 'no readable MSO');
    addIssuerSignedPresented(doc, presented);
  }
  addDeviceSignedPresented(doc, presented);
  result.elements.deviceSigned = checkDeviceAuth(doc, mso, transcript, options.readerEphemeralKey, checks);
  if (mso && passed(checks, 'device_authentication')) result.deviceKeyThumbprint = deviceKeyThumbprint(mso.deviceKey);
  if (options.revocation) {
    checkIssuerRevocation(chain, options.revocation, options.at, checks);
    checkMsoStatus(mso, chain, issuerSigned, options.revocation, options.at, checks);
  } else {
    const unchecked = uncheckedMsoStatus(mso);
    if (unchecked) result.unchecked = [unchecked];
  }
  result.valid = checks.list.every((c) => c.status === 'pass');
  if (options.testIds && isAppleTestId(issuerAuth, x5chain, mso) && passed(checks, 'value_digests') && passed(checks, 'device_authentication')) {
    result.testId = { ...APPLE_TEST_ID, elements: matched };
  }
  return result;
}

/**
 * Verifies every document of a DeviceResponse. Never throws for bad input: parse failures come back
 * as errors with CBOR_MALFORMED / DOCUMENT_MISSING.
 *
 * @example
 * ```ts
 * import { loadTrustStore, verifyDeviceResponse } from 'kakunin';
 * declare const deviceResponseBytes: Uint8Array; // the DeviceResponse the wallet sent
 * declare const sessionTranscript: Uint8Array; // the SessionTranscript of the exchange, as CBOR
 * const result = verifyDeviceResponse(deviceResponseBytes, { trust: loadTrustStore(['./certs']), at: new Date(), sessionTranscript });
 * if (!result.valid) console.log(result.errors.map((e) => e.code));
 * ```
 */
export function verifyDeviceResponse(deviceResponse: Uint8Array, options: VerifyDeviceResponseOptions): VerificationResult {
  const result: VerificationResult = { valid: false, documents: [], errors: [] };
  let transcript: SessionTranscriptForms | undefined;
  if (options.sessionTranscript) {
    try {
      transcript = sessionTranscriptForms(options.sessionTranscript);
    } catch (e) {
      result.errors.push({ code: 'TRANSCRIPT_MISSING', message: (e as Error).message });
    }
  }
  let response;
  try {
    response = parseDeviceResponse(deviceResponse);
  } catch (e) {
    result.errors.push({ code: 'CBOR_MALFORMED', message: (e as Error).message });
    return result;
  }
  result.status = response.status;
  if (response.documentErrors) result.documentErrors = response.documentErrors;
  if (response.documents.length === 0) {
    result.errors.push({ code: 'DOCUMENT_MISSING', message: `DeviceResponse holds no document (status ${response.status})` });
    return result;
  }
  response.documents.forEach((doc, i) => {
    const d = verifyDocument(doc, transcript, options);
    result.documents.push(d);
    for (const c of d.checks) {
      if (c.status !== 'pass' && c.code) result.errors.push({ code: c.code, message: `${c.check}: ${c.message ?? ''}`, document: i });
    }
  });
  result.valid = result.errors.length === 0 && result.documents.every((d) => d.valid);
  return result;
}
