/**
 * `kakunin check [serve|demo] [flags]`: every check a start makes, without listening. The settings
 * (inspectConfig), then the files, keys, certificates, trust sets, purposes and verifier_info
 * (preflight, the start's own code), then whether Redis answers. Every problem is listed, each naming
 * its setting by variable and flag; the exit code is 1 when there is one, 0 when the start would go
 * ahead. Nothing is written (a missing development certificate is made in memory) and no port opens.
 */
import { Writable } from 'node:stream';
import { inspectConfig } from './load-config.js';
import { preflight } from './build-context.js';
import { demoWallet, redisReachable } from './serve.js';
import { ConfigError, settingName, settingsHelp } from './settings.js';
import { createLogger } from '../observability/logger.js';

export interface CheckIo {
  out(line: string): void;
}

/** Runs the checks for `args` (optionally led by serve or demo; else KAKUNIN_MODE, else serve) and returns the exit code. */
export async function runCheck(argv: string[], env: Record<string, string | undefined>, io: CheckIo): Promise<number> {
  const [first, ...rest] = argv;
  const mode = first === 'serve' || first === 'demo' ? first : (env.KAKUNIN_MODE ?? 'serve');
  const args = first === 'serve' || first === 'demo' ? rest : argv;
  if (mode !== 'serve' && mode !== 'demo') {
    io.out(`kakunin check: KAKUNIN_MODE must be serve or demo, got "${mode}"`);
    return 1;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(
      `kakunin check [serve|demo] [--flag value ...]\n\nEvery check the start makes (settings, files, keys, certificates, trust sets, purposes, verifier_info,\nRedis answering), without listening or writing. Exit 1 listing every problem, 0 when the start would go ahead.\nThe mode is serve unless named or set by KAKUNIN_MODE. The settings, as for serve and demo:\n${settingsHelp()}`,
    );
    return 0;
  }
  const problems: string[] = [];
  const passed: string[] = [];
  const warnings: string[] = [];
  let inspected;
  try {
    inspected = inspectConfig(args, env, { sandbox: mode === 'demo' });
  } catch (e) {
    // An unknown flag or a flag without its value: nothing after it can be read.
    if (!(e instanceof ConfigError)) throw e;
    io.out(`kakunin check: ${e.message}`);
    return 1;
  }
  const { config } = inspected;
  problems.push(...inspected.problems);
  if (!inspected.problems.length) passed.push('settings');

  // The start's logger, writing into this report: what the start would warn about is shown too.
  const logger = createLogger(
    'warn',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { msg?: string; warning?: string };
          warnings.push(`${entry.msg ?? ''}${entry.warning ? `: ${entry.warning}` : ''}`);
        }
        done();
      },
    }),
  );
  try {
    const demo = config.sandbox && mode === 'demo' ? await demoWallet(config, {}) : undefined;
    const checked = await preflight(config, { logger, writeDevelopmentIdentity: false, ...(demo ? { extraTrust: demo.extraTrust } : {}) });
    passed.push(
      `trust sets ${checked.trust.sets.join(', ')} (${checked.trust.anchors.length} anchors)`,
      `purposes ${[...checked.perPurpose.purposes.keys()].join(', ')}`,
      config.receiptKeyFile ? `receipt key ${config.receiptKeyFile}` : 'receipt key (made at start, for this process only)',
      config.verifierCertFile ? `verifier certificate ${config.verifierCertFile} (valid until ${checked.notAfter.toISOString()})` : 'verifier certificate (development)',
      ...(checked.additionalIdentities.length ? [`${checked.additionalIdentities.length} more verifier certificates`] : []),
      ...(checked.verifierInfo ? [`verifier_info ${config.verifierInfoFile} (${checked.verifierInfo.length} attestations)`] : []),
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const redis = await redisReachable(config);
  if (redis?.why) problems.push(`${settingName('redis-url')}: Redis at ${redis.address} does not answer (${redis.why})`);
  else if (redis) passed.push(`Redis at ${redis.address} answers`);

  io.out(`kakunin check (${mode}): ${problems.length === 0 ? 'the start would go ahead' : `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`}`);
  for (const p of problems) io.out(`  problem: ${p}`);
  for (const w of warnings) io.out(`  warning: ${w}`);
  for (const p of passed) io.out(`  ok:      ${p}`);
  return problems.length ? 1 : 0;
}
