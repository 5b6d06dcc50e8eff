// Copies the browser files the pages load from packages into public/vendor/ (run by `prepare`, and
// by the Dockerfile's build stage). Kept out of git: they are the packages' own builds, at the
// versions package-lock.json pins.
//   budoux-ja.min.js  BudouX (Google, Apache-2.0): Japanese phrase breaks for browsers without
//                     `word-break: auto-phrase` (Safari, Firefox); the pages load it only there.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'public', 'vendor');
mkdirSync(out, { recursive: true });

// Its package.json `exports` hide the bundle from resolution: found by its place in node_modules.
const budoux = join(root, 'node_modules', 'budoux');
const version = JSON.parse(readFileSync(join(budoux, 'package.json'), 'utf8')).version;
const bundle = readFileSync(join(budoux, 'bundle', 'budoux-ja.min.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
writeFileSync(join(out, 'budoux-ja.min.js'), `/*! BudouX ${version} (https://github.com/google/budoux), Apache License 2.0 */\n${bundle}`);
