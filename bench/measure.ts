/**
 * Rates of several functions measured in alternating 100 ms slices for `seconds` each (after a
 * warm-up of `warmMs` each), so that a change in machine load during the run touches them all alike
 * and their ratios stay meaningful. A function may return a promise; it is awaited. Used by
 * `npm run bench` and `npm run bench:scale`. Returns operations per second for each.
 */
export async function rates(fns: Array<() => unknown>, options: { seconds: number; warmMs: number }): Promise<number[]> {
  const count = fns.map(() => 0);
  const time = fns.map(() => 0);
  for (const fn of fns) {
    const warm = performance.now() + options.warmMs;
    while (performance.now() < warm) await fn();
  }
  while (time.some((t) => t < options.seconds * 1000)) {
    for (let i = 0; i < fns.length; i++) {
      const start = performance.now();
      const end = start + 100;
      let n = 0;
      while (performance.now() < end) {
        const r = fns[i]();
        if (r instanceof Promise) await r;
        n++;
      }
      count[i] += n;
      time[i] += performance.now() - start;
    }
  }
  return count.map((n, i) => (n * 1000) / time[i]);
}
