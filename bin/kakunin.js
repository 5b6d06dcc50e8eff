#!/usr/bin/env node
// Runs the compiled CLI (npm install compiles it in `prepare`). In a checkout where dist/ is missing,
// say how to build instead of failing with a module-not-found trace.
import { existsSync } from 'node:fs';
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('kakunin: not built yet; run `npm install` (or `npm run build`) in the kakunin folder first\n');
  process.exit(2);
}
await import(main.href);
