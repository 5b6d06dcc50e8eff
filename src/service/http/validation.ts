/**
 * Request bodies are checked against the operation's schema (api/schemas.ts), compiled once per
 * schema. Anything that does not match is a 400 with code INVALID_REQUEST and the first problem named.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { ServiceError } from '../errors.js';

const ajv = new Ajv({ allErrors: false, strict: true });
const compiled = new Map<TSchema, ValidateFunction>();

export function validateBody<T>(schema: TSchema, body: unknown): T {
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
