/**
 * Waits for what a test needs to have happened (an event delivered, a timer's work done), polling
 * `check` until it returns something other than false, null or undefined, and returns that. A fixed
 * sleep guesses how long a busy machine takes; this waits exactly as long as it takes, up to
 * `timeoutMs`, then fails naming `what`.
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, { timeoutMs = 10_000, everyMs = 10 } = {}): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== null && value !== undefined) return value as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
