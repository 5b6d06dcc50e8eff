/**
 * One entry point for verifying a presentation that arrived over an online protocol, given only
 * what the verifier itself sent (origin, encryptionInfo, nonce, client_id, response_uri, keys):
 * decrypt, rebuild the SessionTranscript, verify each DeviceResponse through the core, and check
 * the returned elements against the request when one is given. Stateless: replay protection is
 * the job of the request state (flows), which calls this after consuming its state.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { VerificationError, VerificationResult } from '../mdoc/result.js';
import { MAX_DOCUMENTS, parseDeviceResponse } from '../mdoc/device-response.js';
import { verifyDeviceResponse } from '../mdoc/verify.js';
import type { RevocationChecker } from '../trust/revocation.js';
import type { TrustStore } from '../trust/store.js';
import { openAnnexCResponse } from './dcapi/open-annex-c.js';
import { ProtocolError } from './errors.js';
import { decryptAuthorizationResponse, parseVpToken } from './oid4vp/authorization-response.js';
import { checkRequestedElements } from './request/element-check.js';
import type { PresentationRequest } from './request/presentation-request.js';
import { jwkThumbprint } from '../cose/jwk-thumbprint.js';
import { openID4VPDCAPISessionTranscript } from './transcript/openid4vp-dcapi-handover.js';
import { openID4VPSessionTranscript } from './transcript/openid4vp-handover.js';

/** Which protocol an answer came by: DC API org-iso-mdoc, DC API OpenID4VP, or OpenID4VP by QR or link. */
export type ProtocolName = 'org-iso-mdoc' | 'openid4vp-dcapi' | 'openid4vp';

export type ProtocolResponseContext =
  | { protocol: 'org-iso-mdoc'; origin: string; encryptionInfo: string; recipientPrivateKey: KeyObject }
  | {
      protocol: 'openid4vp-dcapi';
      origin: string;
      nonce: string;
      /** dc_api.jwt: the key from client_metadata. Without it the response must be unencrypted (dc_api). */
      recipientPrivateKey?: KeyObject;
      /** The kid sent with the key; checked against the JWE header when given. */
      kid?: string;
    }
  | { protocol: 'openid4vp'; clientId: string; responseUri: string; nonce: string; recipientPrivateKey?: KeyObject; kid?: string };

/**
 * The verification options of the protocol flows: trust, time, the request that was sent (elements are checked against it), revocation and limits.
 */
export interface VerifyProtocolResponseOptions {
  trust: TrustStore;
  at: Date;
  clockSkewSeconds?: number;
  revocation?: RevocationChecker;
  /** What was asked; enables ELEMENT_NOT_REQUESTED / ELEMENT_MISSING / DOCUMENT_MISSING. */
  request?: PresentationRequest;
  /** Upper bound on the response size in bytes (or UTF-16 units for strings). Default 4 MiB. */
  maxResponseBytes?: number;
  /** Report Apple's integrator test IDs (VerifyDeviceResponseOptions.testIds). */
  testIds?: boolean;
}

/** A VerificationResult from a protocol answer, with the protocol it came by. */
export interface ProtocolVerificationResult extends VerificationResult {
  protocol: ProtocolName;
  /** SessionTranscript the verifier rebuilt, hex; shows what device authentication was checked against. */
  sessionTranscript: string;
  /** For OpenID4VP: the credential query id each document answered, by document index. */
  credentialIds?: string[];
}

/** What the stateful flows return: the result, and the digest of the answer as received that used
 * up the request state (the service claims the session with the same digest). */
export type AnsweredVerificationResult = ProtocolVerificationResult & { answerDigest: string };

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

function sizeOf(response: unknown): number {
  if (typeof response === 'string') return response.length;
  if (response instanceof Uint8Array) return response.length;
  try {
    return JSON.stringify(response)?.length ?? 0;
  } catch {
    throw new ProtocolError('RESPONSE_MALFORMED', 'the response cannot be read as JSON');
  }
}

export function checkResponseSize(response: unknown, max = DEFAULT_MAX_RESPONSE_BYTES): void {
  const n = sizeOf(response);
  if (n > max) throw new ProtocolError('RESPONSE_TOO_LARGE', `the response is ${n} bytes, more than the limit of ${max}`);
}

/** The OpenID4VP response parameters: {response: JWE}, {vp_token}, a DigitalCredential, or the bare JWE. */
function oid4vpParams(response: unknown): { jwe?: string; params?: Record<string, unknown> } {
  let v = response;
  if (v instanceof Uint8Array) v = Buffer.from(v).toString('utf8');
  if (typeof v === 'string') {
    const t = v.trim();
    if (!t.startsWith('{')) {
      // A form-encoded direct_post body or the bare JWE.
      if (t.includes('=')) {
        const form = new URLSearchParams(t);
        if (form.has('response')) return { jwe: form.get('response')! };
        if (form.has('vp_token') || form.has('error')) return { params: Object.fromEntries(form) };
      }
      return { jwe: t };
    }
    try {
      v = JSON.parse(t);
    } catch {
      throw new ProtocolError('RESPONSE_MALFORMED', 'the response is neither JSON nor a JWE');
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ProtocolError('RESPONSE_MALFORMED', 'the response must be a JSON object or a JWE');
  const o = v as Record<string, unknown>;
  if (typeof o.protocol === 'string' && !o.protocol.startsWith('openid4vp-v1-')) {
    throw new ProtocolError('PROTOCOL_UNSUPPORTED', `expected an openid4vp-v1-* response, got ${o.protocol.slice(0, 40)}`);
  }
  const data = (o.data && typeof o.data === 'object' ? o.data : o) as Record<string, unknown>;
  if (typeof data.response === 'string') return { jwe: data.response };
  return { params: data };
}

/** Opens an OpenID4VP response into its parameters, decrypting when a key is given. */
export async function openOid4vpResponse(response: unknown, key: { recipientPrivateKey?: KeyObject; kid?: string }): Promise<Record<string, unknown>> {
  const { jwe, params } = oid4vpParams(response);
  if (key.recipientPrivateKey) {
    if (!jwe) {
      // An encrypted response was asked for; a plaintext one could have been injected by anyone.
      if (params && typeof params.error === 'string') return params;
      throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', 'an encrypted response was requested, a plaintext one arrived');
    }
    return decryptAuthorizationResponse(jwe, { privateKey: key.recipientPrivateKey, kid: key.kid });
  }
  if (!params) throw new ProtocolError('RESPONSE_ENCRYPTION_MISMATCH', 'an encrypted response arrived but no recipient key was given');
  return params;
}

function thumbprintOf(key: KeyObject | undefined): Uint8Array | null {
  if (!key) return null;
  return jwkThumbprint(createPublicKey(key).export({ format: 'jwk' }));
}

/** Verifies DeviceResponses (one per vp_token entry element) and merges them into one result. */
export function verifyPresentations(
  presentations: { credentialId?: string; deviceResponse: Uint8Array }[],
  sessionTranscript: Uint8Array,
  options: VerifyProtocolResponseOptions,
  protocol: ProtocolName,
): ProtocolVerificationResult {
  const documents: VerificationResult['documents'] = [];
  const errors: VerificationError[] = [];
  const credentialIds: string[] = [];
  const documentErrors: Record<string, number> = {};
  let valid = presentations.length > 0;
  let status: number | undefined;
  for (const p of presentations) {
    let result = verifyDeviceResponse(p.deviceResponse, {
      trust: options.trust,
      at: options.at,
      sessionTranscript,
      clockSkewSeconds: options.clockSkewSeconds,
      revocation: options.revocation,
      testIds: options.testIds,
    });
    if (options.request) {
      const candidates = p.credentialId === undefined ? undefined : options.request.documents.filter((d) => d.id === p.credentialId);
      result = checkRequestedElements(result, options.request, candidates);
    }
    const offset = documents.length;
    documents.push(...result.documents);
    errors.push(...result.errors.map((e) => (e.document === undefined ? e : { ...e, document: e.document + offset })));
    for (let i = 0; i < result.documents.length; i++) credentialIds.push(p.credentialId ?? '');
    Object.assign(documentErrors, result.documentErrors ?? {});
    valid &&= result.valid;
    status = status ?? result.status;
  }
  const out: ProtocolVerificationResult = { valid, documents, errors, protocol, sessionTranscript: Buffer.from(sessionTranscript).toString('hex') };
  if (status !== undefined) out.status = status;
  if (Object.keys(documentErrors).length) out.documentErrors = documentErrors;
  if (protocol !== 'org-iso-mdoc') out.credentialIds = credentialIds;
  return out;
}

type Presentation = { credentialId?: string; deviceResponse: Uint8Array };

/** Documents in a DeviceResponse as far as parsing goes; one that does not parse is reported by the
 * verification (CBOR_MALFORMED) and counts as one, since it is refused before any signature. */
function documentCount(deviceResponse: Uint8Array): number {
  try {
    return parseDeviceResponse(deviceResponse).documents.length;
  } catch {
    return 1;
  }
}

/**
 * Bounds the work one answer can ask of us, before any of it is verified (docs/reliability.md, "CPU
 * budget per answer"): a vp_token holds at most one presentation per credential query (kakunin's
 * DCQL never sets `multiple`, so one is all a query allows), no more presentations than the
 * request has queries (MAX_DOCUMENTS without a request), and MAX_DOCUMENTS documents in all, as one
 * DeviceResponse may. Each DeviceResponse is bounded by the CBOR limits and the response size.
 */
export function checkPresentationBounds(presentations: readonly Presentation[], request?: PresentationRequest): void {
  const perQuery = new Map<string, number>();
  for (const p of presentations) {
    if (p.credentialId === undefined) continue;
    const n = (perQuery.get(p.credentialId) ?? 0) + 1;
    perQuery.set(p.credentialId, n);
    if (n > 1) {
      throw new ProtocolError('RESPONSE_MALFORMED', `vp_token.${p.credentialId.slice(0, 40)} holds more than one presentation, and its credential query allows one (multiple is false)`);
    }
  }
  const maxPresentations = request ? request.documents.length : MAX_DOCUMENTS;
  if (presentations.length > maxPresentations) {
    throw new ProtocolError('RESPONSE_MALFORMED', `the answer holds ${presentations.length} presentations, more than the ${maxPresentations} the request allows`);
  }
  let documents = 0;
  for (const p of presentations) {
    documents += documentCount(p.deviceResponse);
    if (documents > MAX_DOCUMENTS) throw new ProtocolError('RESPONSE_MALFORMED', `the answer holds more than ${MAX_DOCUMENTS} documents`);
  }
}

/**
 * Decrypts (where needed), rebuilds the SessionTranscript from the verifier's own parameters, and
 * refuses an answer that holds more than the request allows (checkPresentationBounds).
 */
export async function openProtocolResponse(
  response: unknown,
  input: ProtocolResponseContext,
  request?: PresentationRequest,
): Promise<{ sessionTranscript: Uint8Array; presentations: { credentialId?: string; deviceResponse: Uint8Array }[]; params?: Record<string, unknown> }> {
  // Callers check the size first (the flows before hashing the answer, verifyProtocolResponse below).
  switch (input.protocol) {
    case 'org-iso-mdoc': {
      const opened = await openAnnexCResponse(response, input);
      return { sessionTranscript: opened.sessionTranscript, presentations: [{ deviceResponse: opened.deviceResponse }] };
    }
    case 'openid4vp-dcapi':
    case 'openid4vp': {
      const params = await openOid4vpResponse(response, input);
      const tokens = parseVpToken(params);
      const jwkThumbprint = thumbprintOf(input.recipientPrivateKey);
      const sessionTranscript =
        input.protocol === 'openid4vp'
          ? openID4VPSessionTranscript({ clientId: input.clientId, nonce: input.nonce, jwkThumbprint, responseUri: input.responseUri })
          : openID4VPDCAPISessionTranscript({ origin: input.origin, nonce: input.nonce, jwkThumbprint });
      const presentations = [...tokens].flatMap(([credentialId, list]) => list.map((deviceResponse) => ({ credentialId, deviceResponse })));
      checkPresentationBounds(presentations, request);
      return { sessionTranscript, presentations, params };
    }
    default:
      throw new ProtocolError('PROTOCOL_UNSUPPORTED', `unknown protocol ${String((input as { protocol: unknown }).protocol).slice(0, 40)}`);
  }
}

/**
 * Verifies a response from any of the three online protocols. Envelope failures (decryption,
 * malformed, wrong protocol, too large) throw a ProtocolError with its code; everything about the
 * DeviceResponse itself is in the returned result.
 */
export async function verifyProtocolResponse(response: unknown, input: ProtocolResponseContext, options: VerifyProtocolResponseOptions): Promise<ProtocolVerificationResult> {
  checkResponseSize(response, options.maxResponseBytes);
  const opened = await openProtocolResponse(response, input, options.request);
  // A vp_token entry for a credential query we never sent fails as ELEMENT_NOT_REQUESTED in the result.
  return verifyPresentations(opened.presentations, opened.sessionTranscript, options, input.protocol);
}
