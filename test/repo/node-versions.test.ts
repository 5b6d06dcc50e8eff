/**
 * The Node versions kakunin supports are one range, package.json `engines`, and everything agrees
 * with it: every package in package-lock.json runs on every version in it (else npm warns
 * EBADENGINE on a supported Node, or a dependency stops working there), CI tests each supported
 * major (.ci/run), and the README states the same range.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const semver = createRequire(import.meta.url)('semver') as {
  subset(range: string, of: string): boolean;
  Range: new (range: string) => { set: { semver: { major: number } }[][] };
};

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
const supported = pkg.engines.node;

describe('supported Node versions', () => {
  it('every package in package-lock.json declares an engines range that holds the whole supported range', () => {
    const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as {
      packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
    };
    expect(lock.packages[''].engines).toEqual({ node: supported });
    const disagree = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.subset(supported, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    expect(disagree).toEqual([]);
  });

  it('.ci/run tests every supported major: the whole suite on the recommended one, a subset on the others', () => {
    const ci = readFileSync(`${ROOT}.ci/run`, 'utf8');
    const recommended = Number(/^NODE_RECOMMENDED=(\d+)$/m.exec(ci)?.[1]);
    const also = (/^NODE_ALSO=\(([\d ]+)\)$/m.exec(ci)?.[1] ?? '').split(' ').filter(Boolean).map(Number);
    const majors = new semver.Range(supported).set.map((comparators) => comparators[0].semver.major);
    expect([recommended, ...also].sort()).toEqual([...majors].sort());
    // The whole suite is npm test itself; beside the subsets it records a failure that CI exits with.
    expect(ci).toMatch(/^npm test(?: \|\| failed=1)?$/m);
    expect(ci).toMatch(/^exit "\$failed"$/m);
  });

  it('the README states the range and the recommended version', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const recommended = /^NODE_RECOMMENDED=(\d+)$/m.exec(readFileSync(`${ROOT}.ci/run`, 'utf8'))?.[1];
    expect(readme).toContain(`\`${supported}\``);
    expect(readme).toContain(`Node.js ${recommended} (recommended)`);
  });
});
