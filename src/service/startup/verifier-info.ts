/**
 * OpenID4VP 1.0 §5.1 `verifier_info`, from the operator's file (KAKUNIN_VERIFIER_INFO_FILE): an
 * array of attestations about the verifier (an EU registration certificate, say) that wallets of
 * some ecosystems ask for. kakunin passes them on as written: it does not issue or check them (the
 * wallet must, by the spec). Off unless configured.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { VerifierInfo } from '../../protocols/oid4vp/request-object.js';
import { ConfigError } from './settings.js';

const VerifierInfoList = Type.Array(
  Type.Object(
    {
      format: Type.String({ minLength: 1, maxLength: 256 }),
      data: Type.Union([Type.String({ minLength: 1, maxLength: 65_536 }), Type.Object({})]),
      credential_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1 })),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 16 },
);

const validate = new Ajv({ strict: true }).compile<Static<typeof VerifierInfoList>>(VerifierInfoList);

export function loadVerifierInfo(file: string): VerifierInfo[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`KAKUNIN_VERIFIER_INFO_FILE (${file}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new ConfigError(`KAKUNIN_VERIFIER_INFO_FILE (${file}): ${e?.instancePath || '/'} ${e?.message ?? 'is not a verifier_info array'}`);
  }
  return value as VerifierInfo[];
}
