/**
 * JSON Schemas of the request bodies (also referenced by the OpenAPI document), compiled once.
 * Anything that does not match is a 400 with code INVALID_REQUEST and the first problem named.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { ServiceError } from './errors.js';

export const createVerificationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['purpose'],
  properties: {
    purpose: { type: 'string', minLength: 1, maxLength: 64 },
    options: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // An ASCII host (browsers serialize origins in punycode) and a port up to 65535: nothing new URL() rejects.
        origin: { type: 'string', pattern: '^https?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?$', maxLength: 256 },
        webhook_url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
      },
    },
  },
} as const;

export const dcapiResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'data'],
  properties: {
    protocol: { type: 'string', minLength: 1, maxLength: 64 },
    data: { anyOf: [{ type: 'object' }, { type: 'string', maxLength: 1_000_000 }] },
  },
} as const;

export const walletRequestPostSchema = {
  type: 'object',
  properties: { wallet_nonce: { type: 'string', maxLength: 256 }, wallet_metadata: { type: 'string', maxLength: 65536 } },
} as const;

/** The wallet's answer (`response`, a JWE) or its error response (OpenID4VP 1.0 §8.5); exactly one
 * of the two, which acceptDirectPost checks. */
export const directPostSchema = {
  type: 'object',
  properties: {
    response: { type: 'string', minLength: 1, maxLength: 1_000_000 },
    error: { type: 'string', minLength: 1, maxLength: 256 },
    error_description: { type: 'string', maxLength: 2048 },
    state: { type: 'string', maxLength: 256 },
  },
} as const;

/** The page reports that its Digital Credentials API call ended without an answer. */
export const declineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: { error: { enum: ['user_cancelled', 'access_denied', 'not_supported'] } },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true });
const compiled = new Map<object, ValidateFunction>();

export function validateBody<T>(schema: object, body: unknown): T {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(body)) {
    const e = validate.errors?.[0];
    const extra = e?.params && 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : '';
    throw new ServiceError('INVALID_REQUEST', `body${e?.instancePath ?? ''} ${e?.message ?? 'is invalid'}${extra}`);
  }
  return body as T;
}
