/**
 * `npm start [demo|serve] [flags]`: the demo by default, the plain service with `serve` (or
 * KAKUNIN_MODE=serve, as in the container). A start-up problem prints what it is and exits 1.
 * `npm start check [serve|demo]` makes the start's checks without starting (check.ts).
 */
import { describeConfig, loadConfig, settingsHelp } from './load-config.js';
import { startDemo, startServe } from './serve.js';
import { runCheck } from './check.js';
import { ConfigError } from './settings.js';
import { trustSetsIn } from '../../runtime/trust-folder.js';
import { TEST_SETS } from '../../trust/index.js';

export async function startFromCommandLine(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === 'check') {
    process.exitCode = await runCheck(rest, process.env, { out: (line) => process.stdout.write(`${line}\n`) });
    return;
  }
  const mode = first === 'serve' || first === 'demo' ? first : (process.env.KAKUNIN_MODE ?? 'demo');
  const args = first === 'serve' || first === 'demo' ? rest : argv;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `kakunin ${mode} [--flag value ...] [--print-config]\n\nEvery setting is a flag or an environment variable (flags win):\n${settingsHelp()}\n\n  --print-config             show the effective configuration (secrets masked) and exit; it checks the\n                             settings only: \`kakunin check\` makes every check of a start\n`,
    );
    return;
  }
  try {
    if (args.includes('--print-config')) {
      // What this process would run with, after defaults and checks; secrets shown as set or not.
      const config = loadConfig(
        args.filter((a) => a !== '--print-config'),
        process.env,
        { sandbox: mode === 'demo' },
      );
      // An empty KAKUNIN_TRUST_SETS means every set in the folder: show which those are.
      const described = { ...describeConfig(config), trustSets: config.trustSets.length ? config.trustSets : trustSetsIn(config.trustDir).filter((s) => config.sandbox || !TEST_SETS.has(s)) };
      process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
      return;
    }
    if (mode === 'serve') await startServe(args, { signals: true });
    else if (mode === 'demo') await startDemo(args, { signals: true });
    else throw new ConfigError(`KAKUNIN_MODE must be serve or demo, got "${mode}"`);
  } catch (e) {
    process.stderr.write(`kakunin: cannot start: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

// Run only when this file is the entry point (npm start), not when the CLI imports it.
if (process.argv[1] && /service[\\/]startup[\\/]main\.(ts|js)$/.test(process.argv[1])) {
  await startFromCommandLine(process.argv.slice(2));
}
