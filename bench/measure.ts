/**
 * Rates of several functions measured in alternating 100 ms slices for `seconds` of CPU time each
 * (after a warm-up of `warmMs` each), so that a change in machine load during the run touches them
 * all alike and their ratios stay meaningful. A function may return a promise; it is awaited. Used by
 * `npm run bench` and `npm run bench:scale`. Returns operations per CPU second for each.
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
      const end = performance.now() + 100;
      const cpu = process.cpuUsage();
      let n = 0;
      while (performance.now() < end) {
        const r = fns[i]();
        if (r instanceof Promise) await r;
        n++;
      }
      const used = process.cpuUsage(cpu);
      count[i] += n;
      // CPU time (user + system, every thread of this process: GC helpers and a library's thread-pool
      // work count), not wall time: on this shared machine (load 10-20 on 2 cores) a slice's wall
      // time is mostly other processes, which made the ratios swing 9-17x between runs.
      time[i] += (used.user + used.system) / 1000;
    }
  }
  return count.map((n, i) => (n * 1000) / time[i]);
}
