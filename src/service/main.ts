/**
 * `npm start [demo|serve] [flags]`: the demo by default, the plain service with `serve` (or
 * KAKUNIN_MODE=serve, as in the container). A start-up problem prints one line naming it and exits 1.
 */
import { runDemo, runServe } from './serve.js';

export async function startFromCommandLine(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  const mode = first === 'serve' || first === 'demo' ? first : (process.env.KAKUNIN_MODE ?? 'demo');
  const args = first === 'serve' || first === 'demo' ? rest : argv;
  try {
    if (mode === 'serve') await runServe(args, { signals: true });
    else if (mode === 'demo') await runDemo(args, { signals: true });
    else throw new Error(`KAKUNIN_MODE must be serve or demo, got "${mode}"`);
  } catch (e) {
    process.stderr.write(`kakunin: cannot start: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

// Run only when this file is the entry point (npm start), not when the CLI imports it.
if (process.argv[1] && /service[\\/]main\.(ts|js)$/.test(process.argv[1])) {
  await startFromCommandLine(process.argv.slice(2));
}
