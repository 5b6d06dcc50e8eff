/**
 * An offline start: every list of the shipped trust sets fails to fetch. The operator reads one
 * summary line for the round, in words true of each list (no copy is held, so none "stays in use"),
 * not a warning per list.
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTrustStore } from '../../src/runtime/trust-folder.js';
import { ServiceRevocation } from '../../src/service/startup/revocation.js';
import { Metrics } from '../../src/service/observability/metrics.js';
import { capturingLogger } from './helpers.js';

const CERTS = fileURLToPath(new URL('../../certs', import.meta.url));

describe('revocation lists that cannot be fetched', () => {
  for (const mode of ['warn', 'fail'] as const) {
    it(`one warning per round saying the lists have no copy (${mode})`, async () => {
      const log = capturingLogger('info');
      const revocation = new ServiceRevocation({
        mode,
        trust: loadTrustStore([CERTS]),
        logger: log.logger,
        now: () => new Date(),
        metrics: new Metrics(),
        intervalSeconds: 300,
        allowPrivate: false,
        fetch: async (url) => {
          throw new Error(`getaddrinfo ENOTFOUND ${new URL(url).hostname}`);
        },
      });
      const results = await revocation.refresher.refreshOnce();
      expect(results.length).toBeGreaterThan(5);
      const warnings = log.lines.filter((l) => /"level":(40|50)/.test(l));
      expect(warnings).toHaveLength(1);
      const line = JSON.parse(warnings[0]) as { msg: string; notRefreshed: number; withCopy: number; withoutCopy: number; codes: Record<string, number> };
      expect(line).toMatchObject({ notRefreshed: results.length, withCopy: 0, withoutCopy: results.length, codes: { FETCH_FAILED: results.length } });
      expect(line.msg).toContain(`${results.length} of ${results.length} lists not refreshed (FETCH_FAILED ${results.length}); ${results.length} have no copy`);
      expect(line.msg).toContain(mode === 'fail' ? 'STATUS_UNAVAILABLE' : 'pass with the check reported as not run');
      expect(line.msg).not.toContain('stays in use');

      await revocation.refresher.refreshOnce();
      expect(log.lines.filter((l) => /"level":(40|50)/.test(l)).length).toBeLessThanOrEqual(2);
    });
  }
});
