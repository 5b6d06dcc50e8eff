/**
 * The purposes the service offers: the four presets, then those of a config file (validated
 * against config-schema.ts), which may override a preset by using its name. Parsed once at start;
 * a bad file stops start-up with a message that names the file, the place and the problem.
 */
import { Ajv } from 'ajv';
import { KakuninError } from '../codes/error.js';
import { createAgeOverPurpose } from './age-over.js';
import { purposesConfigSchema } from './config-schema.js';
import { createElementsPurpose } from './custom-elements.js';
import { createKycPurpose } from './kyc.js';
import { createAccountMatchPurpose } from './account-match.js';
import type { Purpose } from './purpose.js';
import { checkMyNumberUse } from './my-number.js';
import { createResidencyPurpose } from './residency.js';

export class PolicyConfigError extends KakuninError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'PolicyConfigError';
  }
}

/** Settings of the built-in purposes a purposes file can change: residency's municipalities and the trust sets every preset accepts. */
export interface PresetOptions {
  /** 市区町村コード for the built-in residency purpose. */
  municipalities?: string[];
  /** Trust sets every preset accepts (empty: every anchor of the trust store). */
  trustSets?: string[];
}

/** The demo's default municipality: 千代田区 (131016), as in the example. */
export const DEFAULT_MUNICIPALITIES = ['131016'];

export function presetPurposes(options: PresetOptions = {}): Map<string, Purpose> {
  // Given sets apply to every preset; otherwise each keeps its own default (residency: J-LIS).
  const trustSets = options.trustSets ? { trustSets: options.trustSets } : {};
  const purposes = [
    createAgeOverPurpose(trustSets),
    createResidencyPurpose({ municipalities: options.municipalities ?? DEFAULT_MUNICIPALITIES, ...trustSets }),
    createKycPurpose(trustSets),
    createAccountMatchPurpose(trustSets),
  ];
  return new Map(purposes.map((p) => [p.name, p]));
}

const validate = new Ajv({ allErrors: false, strict: true, strictRequired: false }).compile<{ purposes: Record<string, unknown>[] }>(purposesConfigSchema);

/** Parses the text of a purposes file (JSON). `source` names it in errors. */
export function parsePurposesConfig(text: string, source: string, presets: PresetOptions = {}): Map<string, Purpose> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (!validate(json)) {
    const err = validate.errors?.[0];
    const where = err?.instancePath || '/';
    const extra = err?.params && 'additionalProperty' in err.params ? ` "${String(err.params.additionalProperty)}"` : '';
    const allowed = err?.params && 'allowedValues' in err.params ? ` (${(err.params.allowedValues as unknown[]).join(', ')})` : '';
    throw new PolicyConfigError(`${source}: ${where} ${err?.message ?? 'is invalid'}${extra}${allowed}`);
  }
  const purposes = presetPurposes(presets);
  const seen = new Set<string>();
  const entries = json.purposes;
  entries.forEach((entry, i) => {
    const name = entry.name as string;
    if (seen.has(name)) throw new PolicyConfigError(`${source}: /purposes/${i}/name "${name}" is defined twice`);
    seen.add(name);
    try {
      const purpose = purposeFromEntry(entry);
      const declared = typeof entry.legalBasis === 'string' ? { ...purpose, legalBasis: entry.legalBasis } : purpose;
      checkMyNumberUse(declared);
      purposes.set(name, declared);
    } catch (e) {
      throw new PolicyConfigError(`${source}: /purposes/${i} (${name}): ${(e as Error).message}`);
    }
  });
  return purposes;
}

function purposeFromEntry(e: Record<string, unknown>): Purpose {
  const common = {
    name: e.name as string,
    ...(e.label ? { label: e.label as { ja: string; en: string } } : {}),
    ...(e.trustSets ? { trustSets: e.trustSets as string[] } : {}),
  };
  switch (e.kind) {
    case 'age_over':
      return createAgeOverPurpose({
        ...common,
        ...(e.threshold !== undefined ? { threshold: e.threshold as number } : {}),
        allowFallback: e.allowFallback === true,
        ...(e.timeZone ? { timeZone: e.timeZone as string } : {}),
        ...(e.documents ? { documents: e.documents as string[] } : {}),
      });
    case 'residency':
      return createResidencyPurpose({
        ...common,
        municipalities: e.municipalities as string[],
        ...(e.mdl ? { mdl: e.mdl as { element: 'resident_city' | 'resident_postal_code'; values: string[] } } : {}),
        reportCode: e.reportCode === true,
      });
    case 'kyc':
      return createKycPurpose({
        ...common,
        portrait: e.portrait === true,
        ...(e.documents ? { documents: e.documents as string[] } : {}),
      });
    case 'account_match':
      return createAccountMatchPurpose({
        ...common,
        ...(e.documents ? { documents: e.documents as string[] } : {}),
        ...(e.channels ? { channels: e.channels as ('dc_api' | 'openid4vp')[] } : {}),
      });
    default:
      return createElementsPurpose({
        ...common,
        documents: e.documents as Record<string, Record<string, Record<string, boolean>>>,
      });
  }
}
