/**
 * What `npm test` and a checkout show a contributor: the OpenAPI lint prints its findings and
 * nothing else (Redocly's boxed Node 20 notice is dropped, its exit code kept), and `npm pack`
 * tarballs are ignored by git.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('housekeeping', () => {
  it('npm run lint:openapi passes without the Redocly end-of-life box', () => {
    const r = spawnSync('npm', ['run', '-s', 'lint:openapi'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const said = r.stdout + r.stderr;
    expect(said).toContain('docs/openapi.json: validated');
    expect(said).not.toMatch(/Deprecation warning|end-of-life|╔/);
  }, 60_000);

  it('.gitignore keeps npm pack tarballs out of git', () => {
    expect(readFileSync(`${ROOT}.gitignore`, 'utf8').split('\n')).toContain('*.tgz');
  });
});
