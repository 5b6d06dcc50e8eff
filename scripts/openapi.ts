/**
 * Writes docs/openapi.json from the operation table and the schemas (src/service/api/). `npm run
 * openapi` after changing either; a test fails while the file and the service's document differ.
 */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/service/api/openapi.js';

writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
