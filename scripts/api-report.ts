/**
 * Writes docs/api.md, the public surface of kakunin, kakunin/service and kakunin/sandbox
 * (scripts/api-surface.ts). `npm run api` after changing what an entry exports or a public type;
 * `npm run lint:api` (in `npm test`) fails when an entry lets a user reach a type it does not
 * export, when a public name breaks the naming style (namingProblems), or when docs/api.md differs
 * from the code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiReport, apiSurface, namingProblems, packageEntries } from './api-surface.js';

const ROOT = join(import.meta.dirname, '..');
const REPORT = join(ROOT, 'docs/api.md');
const ENTRIES = packageEntries(ROOT);

const surfaces = apiSurface(ENTRIES, ROOT);
const report = apiReport(surfaces);
const forgotten = surfaces.flatMap((s) => s.forgotten);
for (const s of surfaces) console.log(`${s.entry}: ${s.exports.length} exports, ${s.reachable.length} named types reachable, ${s.forgotten.length} of them not exported`);

if (process.argv.includes('--check')) {
  let failed = false;
  for (const f of forgotten) {
    console.error(`${f.entry}: ${f.name} (${f.declaredIn}) is reachable through ${f.via} but not exported: export it from the entry, or keep it out of the public signature`);
    failed = true;
  }
  for (const problem of namingProblems(surfaces)) {
    console.error(problem);
    failed = true;
  }
  let current = '';
  try {
    current = readFileSync(REPORT, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== report) {
    console.error('docs/api.md differs from the public surface: run npm run api and review the diff');
    failed = true;
  }
  if (failed) process.exit(1);
} else {
  writeFileSync(REPORT, report);
}
