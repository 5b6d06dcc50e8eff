/**
 * The purposes file on disk (KAKUNIN_PURPOSES_FILE, `kakunin reader --purposes`): read here, parsed
 * and checked by policy/config.ts, which stays pure.
 */
import { readFileSync } from 'node:fs';
import { parsePurposesConfig, PolicyConfigError, presetPurposes, type PresetOptions } from '../policy/config.js';
import type { Purpose } from '../policy/purpose.js';

/**
 * The built-in purposes plus those of a purposes file (JSON, validated by its schema); a bad file throws naming the place and the problem.
 *
 * @example
 * ```ts
 * import { loadPurposes } from 'kakunin';
 * const purposes = loadPurposes('purposes.json', { municipalities: ['131016'] });
 * const purpose = purposes.get('age_over')!;
 * ```
 */
export function loadPurposes(path: string | undefined, presets: PresetOptions = {}): Map<string, Purpose> {
  if (!path) return presetPurposes(presets);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyConfigError(`${path}: cannot read the purposes file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parsePurposesConfig(text, path, presets);
}
