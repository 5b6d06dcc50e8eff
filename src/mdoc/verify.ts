/**
 * The verification pipeline: DeviceResponse bytes + SessionTranscript + trust + time in, a typed
 * result out. Pure: no I/O, no clock (DESIGN.md). Each document goes through a list of named checks;
 * a check that cannot run is "not_run" and keeps the document from being valid.
 */
import { type KeyObject } from 'node:crypto';
import { digest } from './digest.js';
import { decodeCbor } from '../cbor/decode.js';
import { KakuninError } from '../cbor/errors.js';
import { asBytes, asInt, asMap, asText } from '../cbor/read.js';
import type { EncodedCbor } from '../cbor/types.js';
import { coseKeyToKeyObject } from '../cose/key.js';
import { parseCoseMac0, verifyCoseMac0 } from '../cose/mac0.js';
import { parseCoseSign1, verifyCoseSign1, x5chainOf, type CoseSign1 } from '../cose/sign1.js';
import { verifyIssuerChain } from '../trust/chain.js';
import type { RevocationChecker, RevocationStatus } from '../trust/revocation.js';
import type { TrustStore } from '../trust/store.js';
import { deriveEMacKey, deviceAuthenticationBytes } from './device-authentication.js';
import { parseDeviceResponse, type Document } from './device-response.js';
import { DIGEST_ALGORITHMS, parseMso, type MobileSecurityObject } from './mso.js';
import type { CheckName, CheckResult, DocumentResult, FailureCode, NameSpaceValues, VerificationResult } from './result.js';
import { sessionTranscriptForms, type SessionTranscriptForms } from './session-transcript.js';

/**
 * What a verification needs besides the bytes: the trust store, the time, the SessionTranscript the device signed over, and for deviceMac the reader's ephemeral key.
 */
export interface VerifyOptions {
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
  /** Revocation answers from already-fetched lists; without it revocation checks are not listed. */
  revocation?: RevocationChecker;
}

export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

class Checks {
  readonly list: CheckResult[] = [];
  pass(check: CheckName, message?: string): void {
    this.list.push(message ? { check, status: 'pass', message } : { check, status: 'pass' });
  }
  fail(check: CheckName, code: FailureCode, message: string): void {
    this.list.push({ check, status: 'fail', code, message });
  }
  notRun(check: CheckName, code: FailureCode, message: string): void {
    this.list.push({ check, status: 'not_run', code, message });
  }
  /** Runs `fn`; a KakuninError it throws fails the check with `code` (or the error's own code when
   * it is a failure code of this check). */
  run(check: CheckName, code: FailureCode, fn: () => string | void): boolean {
    try {
      const msg = fn();
      this.pass(check, msg || undefined);
      return true;
    } catch (e) {
      this.fail(check, code, e instanceof Error ? e.message : String(e));
      return false;
    }
  }
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

interface IssuerSignedItem {
  digestID: number;
  elementIdentifier: string;
  elementValue: unknown;
}

function parseItem(item: EncodedCbor): IssuerSignedItem {
  const m = asMap(decodeCbor(item.bytes), 'IssuerSignedItem', 'DIGEST_MISMATCH');
  asBytes(m.get('random'), 'IssuerSignedItem.random', 'DIGEST_MISMATCH');
  return {
    digestID: asInt(m.get('digestID'), 'IssuerSignedItem.digestID', 'DIGEST_MISMATCH'),
    elementIdentifier: asText(m.get('elementIdentifier'), 'IssuerSignedItem.elementIdentifier', 'DIGEST_MISMATCH'),
    elementValue: m.has('elementValue') ? m.get('elementValue') : fail('DIGEST_MISMATCH', 'IssuerSignedItem without elementValue'),
  };
}

function fail(code: FailureCode, message: string): never {
  throw new KakuninError(code, message);
}

/** Digest every IssuerSignedItemBytes as received and keep the elements whose digest the MSO signed. */
function checkDigests(doc: Document, mso: MobileSecurityObject, checks: Checks): NameSpaceValues {
  const hash = DIGEST_ALGORITHMS[mso.digestAlgorithm].node;
  const verified: NameSpaceValues = {};
  const problems: string[] = [];
  let count = 0;
  for (const [ns, items] of doc.issuerNameSpaces) {
    const digests = mso.valueDigests.get(ns);
    const seenIds = new Set<number>();
    const values: Record<string, unknown> = Object.create(null);
    const seenElements = new Set<string>();
    for (const raw of items) {
      count++;
      let item: IssuerSignedItem;
      try {
        item = parseItem(raw);
      } catch (e) {
        problems.push(`${ns}: ${(e as Error).message}`);
        continue;
      }
      const expected = digests?.get(item.digestID);
      if (!expected) {
        problems.push(`${ns}/${item.elementIdentifier}: digestID ${item.digestID} not in the MSO`);
        continue;
      }
      if (seenIds.has(item.digestID) || seenElements.has(item.elementIdentifier)) {
        problems.push(`${ns}/${item.elementIdentifier}: presented twice`);
        continue;
      }
      seenIds.add(item.digestID);
      seenElements.add(item.elementIdentifier);
      const actual = digest(hash, raw.tagged);
      if (!actual.equals(expected)) {
        problems.push(`${ns}/${item.elementIdentifier}: digest does not match the MSO`);
        continue;
      }
      values[item.elementIdentifier] = item.elementValue;
    }
    if (Object.keys(values).length > 0) verified[ns] = values;
  }
  if (problems.length) checks.fail('value_digests', 'DIGEST_MISMATCH', problems.join('; '));
  else checks.pass('value_digests', `${count} element${count === 1 ? '' : 's'}`);
  return verified;
}

function checkDeviceAuth(
  doc: Document,
  mso: MobileSecurityObject | undefined,
  transcript: SessionTranscriptForms | undefined,
  options: VerifyOptions,
  checks: Checks,
): NameSpaceValues {
  const name: CheckName = 'device_authentication';
  if (!doc.deviceSigned) {
    checks.fail(name, 'DEVICE_AUTH_MISSING', 'document has no deviceSigned');
    checks.notRun('key_authorizations', 'DEVICE_AUTH_MISSING', 'no device authentication');
    return {};
  }
  const { deviceAuth, nameSpaces } = doc.deviceSigned;
  const signature = deviceAuth.get('deviceSignature');
  const mac = deviceAuth.get('deviceMac');
  let ok = false;
  if (!deviceAuth.has('deviceSignature') && !deviceAuth.has('deviceMac')) {
    checks.fail(name, 'DEVICE_AUTH_MISSING', 'deviceAuth has neither deviceSignature nor deviceMac');
  } else if (deviceAuth.has('deviceSignature') && deviceAuth.has('deviceMac')) {
    // ISO 18013-5 allows exactly one; a wallet sending both (even one as undefined) is ambiguous.
    checks.fail(name, 'DEVICE_AUTH_INVALID', 'deviceAuth has both deviceSignature and deviceMac');
  } else if (!transcript) {
    checks.notRun(name, 'TRANSCRIPT_MISSING', 'no SessionTranscript given: device authentication cannot be checked');
  } else if (!mso) {
    checks.notRun(name, 'MSO_INVALID', 'no readable MSO: the device key is unknown');
  } else if (mac !== undefined && !options.readerEphemeralKey) {
    checks.notRun(name, 'READER_KEY_MISSING', "deviceMac needs the reader's ephemeral private key");
  } else {
    ok = checks.run(name, 'DEVICE_AUTH_INVALID', () => {
      const deviceKey = coseKeyToKeyObject(mso.deviceKey);
      const payload = deviceAuthenticationBytes(transcript, doc.docType, nameSpaces);
      if (signature !== undefined) {
        const sign1 = parseCoseSign1(signature);
        // ISO 18013-5 sends the payload detached. Some wallets (@auth0/mdl) attach it; that is
        // accepted only when it is exactly the DeviceAuthenticationBytes the verifier built itself.
        if (sign1.payload !== null && Buffer.compare(sign1.payload, payload) !== 0) {
          fail('DEVICE_AUTH_INVALID', 'deviceSignature carries a payload other than this session\'s DeviceAuthenticationBytes');
        }
        if (!verifyCoseSign1(sign1, deviceKey, sign1.payload === null ? { detachedPayload: payload } : {})) {
          fail('DEVICE_AUTH_INVALID', 'deviceSignature does not verify with the MSO device key for this session');
        }
        return 'deviceSignature';
      }
      const eMacKey = deriveEMacKey(options.readerEphemeralKey!, deviceKey, transcript);
      if (!verifyCoseMac0(parseCoseMac0(mac), eMacKey, { detachedPayload: payload })) {
        fail('DEVICE_AUTH_INVALID', 'deviceMac does not verify with the key agreed for this session');
      }
      return 'deviceMac';
    });
  }
  // Device-signed elements: only reported when the device proved itself and was authorised for them.
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
  for (const [nsKey, elems] of deviceElements) {
    const ns = String(nsKey);
    const values: Record<string, unknown> = Object.create(null);
    for (const [id, value] of elems instanceof Map ? elems : []) {
      const el = String(id);
      const ka = mso.keyAuthorizations;
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
  return ok ? out : {};
}

function verifyDocument(doc: Document, transcript: SessionTranscriptForms | undefined, options: VerifyOptions): DocumentResult {
  const checks = new Checks();
  const result: DocumentResult = { docType: doc.docType, valid: false, elements: { issuerSigned: {}, deviceSigned: {} }, checks: checks.list };

  // Issuer certificate chain and profile.
  let issuerAuth: CoseSign1 | undefined;
  let x5chain: Uint8Array[] = [];
  try {
    issuerAuth = parseCoseSign1(doc.issuerAuth);
    x5chain = x5chainOf(issuerAuth, 'ISSUER_CERT_MISSING');
  } catch (e) {
    checks.fail('document_structure', 'ISSUER_SIGNATURE_INVALID', `issuerAuth: ${(e as Error).message}`);
  }
  const chain = verifyIssuerChain(x5chain, options.trust, options.at, doc.docType);
  const ds = chain.ds;
  if (ds) {
    result.issuer = { subject: ds.subject.replace(/\n/g, ', '), country: ds.country };
    if (chain.anchor) {
      result.issuer.anchor = { name: chain.anchor.name, set: chain.anchor.set, subject: chain.anchor.certificate.subject.replace(/\n/g, ', ') };
    }
  }
  if (chain.chain) checks.fail('issuer_certificate_chain', chain.chain.code, chain.chain.message);
  else checks.pass('issuer_certificate_chain', `anchored at "${chain.anchor!.name}"`);
  if (chain.profile) checks.fail('issuer_certificate_profile', chain.profile.code, chain.profile.message);
  else if (chain.anchor) checks.pass('issuer_certificate_profile');
  else checks.notRun('issuer_certificate_profile', chain.chain?.code ?? 'ISSUER_CERT_UNTRUSTED', 'no chain to a trust anchor');

  // Issuer signature over the MSO.
  let issuerSigned = false;
  if (!issuerAuth) checks.notRun('issuer_signature', 'ISSUER_SIGNATURE_INVALID', 'issuerAuth is not a COSE_Sign1');
  else if (!ds) checks.notRun('issuer_signature', chain.chain?.code ?? 'ISSUER_CERT_MISSING', 'no readable document signer certificate to verify with');
  else {
    issuerSigned = checks.run('issuer_signature', 'ISSUER_SIGNATURE_INVALID', () => {
      if (!verifyCoseSign1(issuerAuth, ds.publicKey)) fail('ISSUER_SIGNATURE_INVALID', 'issuerAuth signature does not verify with the document signer key');
    });
  }

  // The MSO.
  let mso: MobileSecurityObject | undefined;
  if (issuerAuth?.payload) {
    try {
      mso = parseMso(issuerAuth.payload);
      checks.pass('mso_structure');
    } catch (e) {
      checks.fail('mso_structure', 'MSO_INVALID', (e as Error).message);
    }
  } else if (issuerAuth) {
    checks.fail('mso_structure', 'MSO_INVALID', 'issuerAuth has no payload');
  }
  if (mso) {
    const vi = mso.validityInfo;
    result.validity = { signed: iso(vi.signed), validFrom: iso(vi.validFrom), validUntil: iso(vi.validUntil) };
    if (vi.expectedUpdate) result.validity.expectedUpdate = iso(vi.expectedUpdate);
    if (mso.docType === doc.docType) checks.pass('mso_doctype');
    else checks.fail('mso_doctype', 'DOCTYPE_MISMATCH', `MSO is for ${mso.docType}, document says ${doc.docType}`);
    const skew = (options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000;
    const t = options.at.getTime();
    if (t + skew < vi.validFrom.getTime()) checks.fail('mso_validity', 'MSO_NOT_YET_VALID', `MSO valid from ${iso(vi.validFrom)}`);
    else if (t - skew > vi.validUntil.getTime()) checks.fail('mso_validity', 'MSO_EXPIRED', `MSO expired ${iso(vi.validUntil)}`);
    else checks.pass('mso_validity');
    if (!ds) checks.notRun('mso_signed_within_certificate', chain.chain?.code ?? 'ISSUER_CERT_MISSING', 'no readable document signer certificate');
    else if (vi.signed < ds.notBefore || vi.signed > ds.notAfter) {
      checks.fail('mso_signed_within_certificate', 'MSO_SIGNED_OUTSIDE_CERT_VALIDITY', `MSO signed ${iso(vi.signed)}, outside the document signer's validity`);
    } else checks.pass('mso_signed_within_certificate');
    const matched = checkDigests(doc, mso, checks);
    // Values are reported only from an MSO a trusted issuer signed (an expired chain still says who
    // signed them); on an unauthenticated MSO the digest check runs and reports, the values are not
    // given out.
    const authentic = issuerSigned && chain.anchor !== undefined && (!chain.chain || chain.chain.code === 'ISSUER_CERT_EXPIRED');
    if (authentic) result.elements.issuerSigned = matched;
  } else {
    for (const c of ['mso_doctype', 'mso_validity', 'mso_signed_within_certificate', 'value_digests'] as const) {
      checks.notRun(c, 'MSO_INVALID', 'no readable MSO');
    }
  }

  result.elements.deviceSigned = checkDeviceAuth(doc, mso, transcript, options, checks);

  // Revocation, from lists the caller has already fetched.
  const rev = options.revocation;
  if (rev) {
    if (!chain.anchor) checks.notRun('issuer_revocation', chain.chain?.code ?? 'ISSUER_CERT_UNTRUSTED', 'no chain to check');
    else if (chain.path.length < 2) {
      // A document signer trusted directly has no issuer to publish a CRL: no revocation answer
      // exists, which the policy treats as any other unavailable list.
      report(checks, 'issuer_revocation', { status: 'unavailable', message: 'the document signer is itself the trust anchor: no CRL covers it' }, 'ISSUER_CERT_REVOKED', rev.unavailablePolicy);
    } else {
      let outcome: RevocationStatus = { status: 'good' };
      for (let i = 0; i + 1 < chain.path.length && outcome.status === 'good'; i++) {
        outcome = rev.checkCertificate(chain.path[i].der, chain.path[i + 1].der, options.at);
      }
      report(checks, 'issuer_revocation', outcome, 'ISSUER_CERT_REVOKED', rev.unavailablePolicy);
    }
    if (mso?.status) {
      // The status URI comes from the MSO: follow it only when a trusted issuer signed it, or an
      // unsigned mdoc could make the verifier fetch a URL of its choosing.
      if (chain.anchor && !chain.chain && issuerSigned) {
        report(checks, 'status', rev.checkMsoStatus(mso.status, options.at, chain.anchor.certificate.der), 'STATUS_REVOKED', rev.unavailablePolicy);
      } else checks.notRun('status', 'ISSUER_SIGNATURE_INVALID', 'the MSO is not authenticated: its status reference is not followed');
    }
  }

  result.valid = checks.list.every((c) => c.status === 'pass');
  return result;
}

function report(
  checks: Checks,
  check: CheckName,
  outcome: RevocationStatus,
  revokedCode: FailureCode,
  policy: 'fail' | 'warn',
): void {
  if (outcome.status === 'good') checks.pass(check);
  else if (outcome.status === 'revoked') checks.fail(check, revokedCode, outcome.message);
  else if (policy === 'fail') checks.fail(check, 'STATUS_UNAVAILABLE', outcome.message);
  else checks.notRun(check, 'STATUS_UNAVAILABLE', outcome.message);
}

/**
 * Verifies every document of a DeviceResponse. Never throws for bad input: parse failures come back
 * as errors with CBOR_MALFORMED / DOCUMENT_MISSING.
 */
export function verifyDeviceResponse(input: Uint8Array, options: VerifyOptions): VerificationResult {
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
    response = parseDeviceResponse(input);
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
