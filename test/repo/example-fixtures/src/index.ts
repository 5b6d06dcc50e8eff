// A small entry whose examples go wrong each way the example check must see (test/repo/api-examples.test.ts).

/**
 * Doubles a number.
 *
 * @example
 * ```ts
 * import { double } from 'fixture';
 * const four: number = double(2);
 * ```
 */
export function double(n: number): number {
  return n * 2;
}

/**
 * Its example calls it with a string.
 *
 * @example
 * ```ts
 * import { half } from 'fixture';
 * half('4');
 * ```
 */
export function half(n: number): number {
  return n / 2;
}

/** No example. */
export class Plain {}

/**
 * Its example reaches into the source and does not import it from the entry.
 *
 * @example
 * ```ts
 * import { double } from '../src/index.js';
 * double(1);
 * ```
 *
 * @example In words only
 */
export function triple(n: number): number {
  return n * 3;
}
