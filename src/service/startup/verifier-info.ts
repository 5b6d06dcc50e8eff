/**
 * OpenID4VP 1.0 §5.1 `verifier_info`, from the operator's file (KAKUNIN_VERIFIER_INFO_FILE): an
 * array of attestations about the verifier (an EU registration certificate, say) that wallets of
 * some ecosystems ask for. kakunin passes them on as written: it does not issue or check them (the
 * wallet must, by the spec). Off unless configured.
 */
import { readFileSync, statSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { VerifierInfo } from '../../protocols/oid4vp/request-object.js';
import { ConfigError, settingName } from './settings.js';

const VerifierInfoList = Type.Array(
  Type.Object(
    {
      format: Type.String({ minLength: 1, maxLength: 256 }),
      data: Type.Union([Type.String({ minLength: 1, maxLength: 65_536 }), Type.Object({})]),
      credential_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 16 })),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 16 },
);

/** Every request object carries the whole file: registration certificates are a few KB each. */
export const MAX_VERIFIER_INFO_BYTES = 64 * 1024;
/** JSON nesting of the whole file (the array is depth 1): room for structured `data`, none for a bomb. */
export const MAX_VERIFIER_INFO_DEPTH = 16;

/** Nesting depth of a parsed JSON value, counted without recursion (a deep file must not overflow the stack). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_VERIFIER_INFO_DEPTH) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const validate = new Ajv({ strict: true }).compile<Static<typeof VerifierInfoList>>(VerifierInfoList);

export function loadVerifierInfo(file: string): VerifierInfo[] {
  const where = `${settingName('verifier-info')} ${file}`;
  let value: unknown;
  try {
    const size = statSync(file).size;
    if (size > MAX_VERIFIER_INFO_BYTES) throw new ConfigError(`${where}: ${size} bytes, more than ${MAX_VERIFIER_INFO_BYTES}; every request object carries it`);
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const depth = depthOf(value);
  if (depth > MAX_VERIFIER_INFO_DEPTH) throw new ConfigError(`${where}: nested deeper than ${MAX_VERIFIER_INFO_DEPTH} levels`);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new ConfigError(`${where}: ${e?.instancePath || '/'} ${e?.message ?? 'is not a verifier_info array'}`);
  }
  return value;
}
