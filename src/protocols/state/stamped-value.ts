/**
 * A value and its deadline as one flat string, `<deadline ms>:<value>`, for the in-process stores
 * that may hold a million records. V8's major collections visit every live object, so a record that is
 * an object holding a deadline (a boxed number) and a string costs three visits, and with a million
 * pending verifications those visits were most of the service's CPU per flow. One flat string is one
 * visit and nothing inside it is scanned.
 *
 * Built with Array.prototype.join, which copies into one sequential string: `+` and template literals
 * make a ConsString, an object pointing at its two halves, which is the tree this avoids.
 */

/** `value` stamped with `deadline` (ms, not negative), rounded up to a whole millisecond: for a clock
 * that reads whole milliseconds, `deadlineOf(s) <= now` then holds exactly when `deadline <= now`. */
export function stamp(deadline: number, value: string): string {
  return [Math.ceil(deadline), value].join(':');
}

/**
 * The deadline of a stamped value, read without allocating (the sweep reads millions). A string
 * without a stamp reads as deadline 0, long passed: such an entry is gone, never kept for ever.
 */
export function deadlineOf(stamped: string): number {
  let n = 0;
  for (let i = 0; i < stamped.length; i++) {
    const c = stamped.charCodeAt(i);
    if (c === 0x3a) return n;
    if (c < 0x30 || c > 0x39) return 0;
    n = n * 10 + (c - 0x30);
  }
  return 0;
}

/** The value of a stamped value. */
export function valueOf(stamped: string): string {
  return stamped.slice(stamped.indexOf(':') + 1);
}
