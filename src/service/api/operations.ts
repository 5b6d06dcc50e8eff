/**
 * Every operation of the HTTP API, described once: path, method, what it is for, its body schema and
 * body limit, its answers and the error codes it may answer with. routes.ts registers each one with
 * its handler (the body is validated against `body.schema` before the handler runs); openapi.ts
 * writes the OpenAPI document from the same table, grouping the error codes by the status the one
 * code → status table (codes/http-status.ts) gives them.
 */
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { KakuninCode } from '../../codes/error-codes.js';
import * as S from './schemas.js';

export interface Operation {
  method: 'get' | 'post';
  /** OpenAPI form: /v1/verifications/{id}. */
  path: string;
  tag: 'verifications' | 'wallet' | 'operations' | 'sandbox';
  summary: string;
  description?: string;
  /** Needs the API key (when the service has any). */
  apiKey?: boolean;
  body?: { schema: TSchema; type: 'application/json' | 'application/x-www-form-urlencoded'; limit: string; required: boolean };
  /** The success answer: status, media type, schema (absent: a body not worth a schema, e.g. SVG). */
  ok: { status: 200 | 201; description: string; type: string; schema?: TSchema; headers?: Record<string, string> };
  /** Other answers that are not errors of the model (readyz's 503, the sandbox's 502). */
  otherAnswers?: Record<string, { description: string; schema: TSchema }>;
  /** Beyond those every operation with a body may answer (body parser, schema: openapi.ts adds them). */
  errors: KakuninCode[];
  /** Served by `kakunin demo` only. */
  demoOnly?: boolean;
}

const API_BODY_LIMIT = '16kb';
/** Wallet answers carry a DeviceResponse, portraits included: generous, but bounded. */
const WALLET_BODY_LIMIT = '1mb';

/** Errors every route can answer: rate limits and a store that is away. */
const COMMON: KakuninCode[] = ['STORE_UNAVAILABLE'];
const WALLET_ANSWER: KakuninCode[] = [
  'RESPONSE_DECRYPTION_FAILED',
  'RESPONSE_MALFORMED',
  'RESPONSE_ENCRYPTION_MISMATCH',
  'PROTOCOL_UNSUPPORTED',
  'PROTOCOL_MISMATCH',
  'WALLET_ERROR',
  'CBOR_MALFORMED',
  'NOT_FOUND',
  'ALREADY_ANSWERED',
  'NONCE_REPLAYED',
  'EXPIRED',
  'REQUEST_EXPIRED',
  'RESPONSE_TOO_LARGE',
  'RATE_LIMITED',
  ...COMMON,
];
const FOR_THE_WALLET: KakuninCode[] = ['NOT_FOUND', 'ALREADY_ANSWERED', 'EXPIRED', 'REQUEST_EXPIRED', 'RATE_LIMITED', ...COMMON];
/** Fetching the request object: also an instance whose verifier certificate is not the request's. */
const REQUEST_OBJECT: KakuninCode[] = [...FOR_THE_WALLET, 'VERIFIER_IDENTITY_MISMATCH'];

export const OPERATIONS = {
  createVerification: {
    method: 'post',
    path: '/v1/verifications',
    tag: 'verifications',
    summary: 'Create a verification for a purpose',
    description:
      "Made by the merchant's backend. Creating makes only the QR code's OpenID4VP request; the Digital Credentials API request is made when the page first asks for it (links.dcapi_request).",
    apiKey: true,
    body: { schema: S.CreateVerification, type: 'application/json', limit: API_BODY_LIMIT, required: true },
    ok: { status: 201, description: 'Created; show the QR code (qr.svg_url) or GET links.dcapi_request for navigator.credentials.get.', type: 'application/json', schema: S.Verification },
    errors: ['UNKNOWN_PURPOSE', 'WEBHOOK_URL_BLOCKED', 'API_KEY_REQUIRED', 'API_KEY_INVALID', 'RATE_LIMITED', 'REQUEST_STATE_COLLISION', ...COMMON],
  },
  getVerification: {
    method: 'get',
    path: '/v1/verifications/{id}',
    tag: 'verifications',
    summary: 'The state and minimal result of a verification',
    ok: { status: 200, description: "The verification's public view", type: 'application/json', schema: S.SessionEvent },
    errors: ['NOT_FOUND', 'EXPIRED', ...COMMON],
  },
  verificationEvents: {
    method: 'get',
    path: '/v1/verifications/{id}/events',
    tag: 'verifications',
    summary: 'Server-Sent Events: pending, retrieved, then verified, failed, declined or expired',
    description: "Each event's name is the state; its data is a SessionEvent. The stream starts with the current state and ends after a final state.",
    ok: { status: 200, description: 'text/event-stream of SessionEvent', type: 'text/event-stream' },
    errors: ['NOT_FOUND', 'EXPIRED', 'TOO_MANY_STREAMS', 'SERVER_BUSY', ...COMMON],
  },
  declineVerification: {
    method: 'post',
    path: '/v1/verifications/{id}/decline',
    tag: 'verifications',
    summary: 'The page reports that its Digital Credentials API call ended without an answer, or that it stopped waiting',
    description:
      "Ends a pending verification as `declined`. Called by the page with the verification id it holds: when navigator.credentials.get was cancelled or refused (reason DECLINED, detail the error), or with `verifier_cancelled` when the page itself stopped waiting, a clerk's cancel at the counter (reason CANCELLED_BY_VERIFIER: nobody on the phone refused). 409 once the verification has an outcome.",
    body: { schema: S.Decline, type: 'application/json', limit: API_BODY_LIMIT, required: true },
    ok: { status: 200, description: 'Declined', type: 'application/json', schema: S.SessionEvent },
    errors: ['NOT_FOUND', 'ALREADY_ANSWERED', 'EXPIRED', 'REQUEST_EXPIRED', ...COMMON],
  },
  redeemResponseCode: {
    method: 'post',
    path: '/v1/verifications/{id}/response-code',
    tag: 'verifications',
    summary: 'The page the wallet brought the customer back to hands over its response_code, once, for the result',
    description:
      "Same-device OpenID4VP with `options.redirect_uri` (OpenID4VP 1.0 §8.2, §13.3): the page trusts the result only when the response_code of its URL belongs to its verification. A code works once; the wrong verification's id, a used or an unknown code get 400 RESPONSE_CODE_INVALID.",
    body: { schema: S.ResponseCode, type: 'application/json', limit: API_BODY_LIMIT, required: true },
    ok: { status: 200, description: 'The result the code belongs to', type: 'application/json', schema: S.SessionEvent },
    errors: ['RESPONSE_CODE_INVALID', 'NOT_FOUND', 'EXPIRED', 'RATE_LIMITED', ...COMMON],
  },
  getDcApiRequest: {
    method: 'get',
    path: '/v1/verifications/{id}/dcapi-request',
    tag: 'verifications',
    summary: 'The argument for navigator.credentials.get',
    description: "Made the first time a page asks (creating a verification makes only the QR code's request) and kept with the verification: every later call returns the same request.",
    ok: { status: 200, description: 'The request', type: 'application/json', schema: S.DcApiRequest },
    errors: ['NOT_FOUND', 'ALREADY_ANSWERED', 'EXPIRED', 'REQUEST_EXPIRED', 'REQUEST_STATE_COLLISION', ...COMMON],
  },
  postDcApiResponse: {
    method: 'post',
    path: '/v1/verifications/{id}/dcapi-response',
    tag: 'verifications',
    summary: 'Hand over what navigator.credentials.get returned',
    description:
      "An answer that does not open (400 with the protocol code) changes nothing: the verification still waits for the real one. The wallet's error (OpenID4VP 1.0 Appendix A.4: `data` is `{error}`, in an OpenID4VP protocol the verification offered) ends it at once as `declined`: reason DECLINED for access_denied, WALLET_ERROR (the wallet could not answer) for any other code, with the code as `reason.detail`; the stream and the webhook say the same. org-iso-mdoc has no error object: a refusal there rejects the browser's call, which the page reports to /decline.",
    body: { schema: S.DcApiResponse, type: 'application/json', limit: WALLET_BODY_LIMIT, required: true },
    ok: { status: 200, description: "Verified or failed: the result; declined: the wallet's error", type: 'application/json', schema: S.SessionEvent },
    errors: WALLET_ANSWER.filter((c) => c !== 'RATE_LIMITED'),
  },
  getQrSvg: {
    method: 'get',
    path: '/v1/wallet/{handle}/qr.svg',
    tag: 'wallet',
    summary: "The QR code of the verification's wallet link, as SVG",
    description: 'The handle is what the QR code carries; cacheable by the page for the life of the request.',
    ok: { status: 200, description: 'SVG', type: 'image/svg+xml' },
    errors: FOR_THE_WALLET,
  },
  getRequestObject: {
    method: 'get',
    path: '/v1/wallet/{handle}/request',
    tag: 'wallet',
    summary: 'request_uri: the signed request object (JAR)',
    description: 'The request object (typ oauth-authz-req+jwt, x5c, client_id x509_hash:, response_mode direct_post.jwt). The handle names the OpenID4VP request, never the verification id.',
    ok: { status: 200, description: 'Signed request object', type: 'application/oauth-authz-req+jwt' },
    errors: REQUEST_OBJECT,
  },
  postRequestObject: {
    method: 'post',
    path: '/v1/wallet/{handle}/request',
    tag: 'wallet',
    summary: 'request_uri with request_uri_method=post (wallet_nonce)',
    description: 'OpenID4VP 1.0 §5.10: the wallet POSTs its wallet_nonce; the answer is the request object, signed anew with wallet_nonce in it.',
    body: { schema: S.WalletRequestPost, type: 'application/x-www-form-urlencoded', limit: WALLET_BODY_LIMIT, required: false },
    ok: { status: 200, description: 'Signed request object', type: 'application/oauth-authz-req+jwt' },
    errors: REQUEST_OBJECT,
  },
  directPostJwt: {
    method: 'post',
    path: '/v1/wallet/{handle}/response',
    tag: 'wallet',
    summary: 'response_uri: direct_post.jwt',
    description:
      "The wallet's answer, or its error response (which ends the verification as declined: reason DECLINED for access_denied, WALLET_ERROR for any other code). An error response must carry the `state` of the request object it answers (400 RESPONSE_MALFORMED without it).",
    body: { schema: S.DirectPost, type: 'application/x-www-form-urlencoded', limit: WALLET_BODY_LIMIT, required: true },
    ok: {
      status: 200,
      description: "Accepted (OpenID4VP 1.0 §8.2): with the verification's redirect_uri and a fresh response_code when it was created with one, else {}",
      type: 'application/json',
      schema: S.DirectPostAnswer,
    },
    errors: WALLET_ANSWER,
  },
  getConfig: {
    method: 'get',
    path: '/v1/config',
    tag: 'operations',
    summary: 'Purposes offered and whether an API key is needed (for the pages)',
    ok: { status: 200, description: 'Configuration', type: 'application/json', schema: S.ServiceConfig },
    errors: [],
  },
  jwks: {
    method: 'get',
    path: '/.well-known/jwks.json',
    tag: 'operations',
    summary: 'Public key of the receipt signer',
    ok: { status: 200, description: 'JWK Set', type: 'application/json', schema: S.Jwks },
    errors: [],
  },
  healthz: {
    method: 'get',
    path: '/healthz',
    tag: 'operations',
    summary: 'Liveness: the process answers',
    ok: { status: 200, description: 'The process is alive', type: 'application/json', schema: S.Health },
    errors: [],
  },
  readyz: {
    method: 'get',
    path: '/readyz',
    tag: 'operations',
    summary: 'Readiness: the session store answers',
    ok: { status: 200, description: 'Ready (store reachable)', type: 'application/json', schema: S.Readiness },
    otherAnswers: { '503': { description: 'Not ready: the store is unreachable', schema: S.Readiness } },
    errors: [],
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    ok: { status: 200, description: 'Prometheus text format', type: 'text/plain' },
    errors: [],
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    tag: 'operations',
    summary: 'This document',
    ok: { status: 200, description: 'The OpenAPI document', type: 'application/json', schema: Type.Object({ openapi: Type.String() }) },
    errors: [],
  },
  sandboxWalletScan: {
    method: 'post',
    path: '/v1/sandbox/wallet/scan',
    tag: 'sandbox',
    summary: 'Demo only: the sandbox wallet scans a QR link and answers',
    description:
      "Exists only in `kakunin demo` (sandbox mode), never in `kakunin serve`. The sandbox wallet fetches the request object named by the `openid4vp://` link of a verification of this service and posts its answer, as a phone would. It talks only to this service's own URLs.",
    body: { schema: S.SandboxScan, type: 'application/json', limit: API_BODY_LIMIT, required: true },
    ok: { status: 200, description: 'The wallet posted its answer', type: 'application/json', schema: S.SandboxScanResult },
    otherAnswers: { '502': { description: "The service refused the wallet's answer", schema: S.SandboxScanResult } },
    errors: ['WALLET_CANNOT_ANSWER'],
    demoOnly: true,
  },
  sandboxWalletDcApi: {
    method: 'post',
    path: '/v1/sandbox/wallet/dcapi',
    tag: 'sandbox',
    summary: 'Demo only: what navigator.credentials.get resolves to, answered by the sandbox wallet',
    description:
      "Exists only in `kakunin demo` (sandbox mode). Takes the `dcapi` argument of a verification and the page's origin and returns the DigitalCredential a wallet would (protocol and data), for the page to POST to `links.dcapi_response`.",
    body: { schema: S.SandboxDcApi, type: 'application/json', limit: '64kb', required: true },
    ok: { status: 200, description: 'The DigitalCredential', type: 'application/json', schema: S.DigitalCredential },
    errors: ['WALLET_CANNOT_ANSWER'],
    demoOnly: true,
  },
} satisfies Record<string, Operation>;

export type OperationId = keyof typeof OPERATIONS;

/** Express's form of an OpenAPI path: {id} → :id. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
