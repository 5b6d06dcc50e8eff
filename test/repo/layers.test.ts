/**
 * The layer rules catch what they are written for. `npm run lint:layers` proves src/ keeps them; this
 * proves each rule still fires, by cruising a small tree (test/repo/layer-fixtures/) that breaks each
 * one once: a rule that stopped matching (a renamed folder, a mistyped path) would pass src/ silently.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/repo/layer-fixtures');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

describe('dependency-cruiser rules', () => {
  it('each rule reports its breach in the fixture tree, and nothing else', () => {
    const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
      cwd: FIXTURES,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const violations = (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
    const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1')}`).sort();
    expect(found).toEqual(
      [
        'layer-mdoc-downwards-only: src/mdoc/verify.ts -> src/service/app.ts',
        'verifier-does-no-io: src/policy/config.ts -> fs',
        'verifier-does-no-io: src/mdoc/verify.ts -> os',
        'verifier-uses-no-io-package: src/protocols/notify.ts -> ioredis',
        'x509-only-through-trust-x509: src/cose/key.ts -> @peculiar/x509',
        'kakunin-error-only-from-codes: src/cbor/index.ts -> src/codes/error.ts',
        'sandbox-only-through-the-demo: src/service/app.ts -> src/sandbox/wallet.ts',
        'root-loads-no-server: src/index.ts -> express',
        'no-circular: src/service/app.ts -> src/service/cycle.ts',
      ].sort(),
    );
  }, 60_000);
});
