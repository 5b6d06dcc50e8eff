// `npm run bench:import`: the cold cost of importing kakunin (built dist/), each sample in a fresh
// Node process so nothing is cached: the package root (the verifier) against the root plus
// kakunin/service (what `import 'kakunin'` loaded while the root re-exported the service).
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const url = (p) => pathToFileURL(join(ROOT, p)).href;

function coldImport(specifiers) {
  const code = `const t=performance.now();${specifiers.map((s) => `await import(${JSON.stringify(s)});`).join('')}console.log(performance.now()-t)`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim());
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases = { "import('kakunin')": [url('dist/index.js')], "import('kakunin') + import('kakunin/service')": [url('dist/index.js'), url('dist/service/index.js')] };
const results = {};
// Interleaved, so a busy moment of the machine falls on both cases alike.
for (let i = 0; i < SAMPLES; i++) for (const [name, specs] of Object.entries(cases)) (results[name] ??= []).push(coldImport(specs));
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(48)} median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, ${SAMPLES} cold processes)`);
const [root, withService] = Object.values(results).map(median);
console.log(`ratio root / root+service: ${(root / withService).toFixed(2)}`);
