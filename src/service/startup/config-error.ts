/**
 * What stops start-up, naming the setting. Its own file because both the settings table and the
 * functions that turn a setting's text into its configuration value (setting-values.ts) throw it.
 */
import { KakuninError } from '../../codes/error.js';

/**
 * One problem, or every problem found (`problems`), so an operator fixes them in one round rather
 * than one per start.
 */
export class ConfigError extends KakuninError {
  readonly problems: string[];
  constructor(problem: string | string[]) {
    const problems = typeof problem === 'string' ? [problem] : problem;
    super('CONFIG_INVALID', problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
