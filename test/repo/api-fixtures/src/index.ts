// A small entry that breaks the rule each way the checker must see (test/repo/api-surface.test.ts).
import type { Hidden, HiddenAlias, HiddenBase, HiddenResult, Shown } from './types.js';

export type { Shown };

/** A parameter of a type nobody exports. */
export function takes(options: Hidden, shown: Shown): void {
  void options;
  void shown;
}

/** An inferred result of a type nobody exports. */
export function gives() {
  return { result: null as unknown as HiddenResult };
}

/** An optional property whose type is an unexported alias, and an unexported base. */
export interface Holder extends HiddenBase {
  alias?: HiddenAlias;
}

/** Private members are not the API: their types may stay hidden. */
export class Service {
  private readonly inside: Hidden = { a: 1 };
  readonly shown: Shown = { b: 'x' };
  value(): number {
    return this.inside.a;
  }
}
