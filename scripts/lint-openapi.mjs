// `npm run lint:openapi`: Redocly's lint of docs/openapi.json, its findings and exit code unchanged.
// Redocly prints a boxed notice on every run under Node 20 (its own end of support, not a finding
// about the document); the box is dropped so that `npm test` shows only what concerns kakunin.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');
const child = spawn(process.execPath, [cli, 'lint', 'docs/openapi.json', ...process.argv.slice(2)], {
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  stdio: ['ignore', 'inherit', 'pipe'],
});
let pending = '';
let inBox = false;
const pass = (line) => {
  const bare = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
  if (bare.startsWith('╔')) inBox = true;
  if (!inBox) process.stderr.write(`${line}\n`);
  if (bare.startsWith('╚')) inBox = false;
};
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop();
  lines.forEach(pass);
});
child.on('close', (code, signal) => {
  if (pending) pass(pending);
  process.exit(code ?? (signal ? 1 : 0));
});
