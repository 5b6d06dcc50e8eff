// A pure layer reading a file.
import { readFileSync } from 'node:fs';
export const loadPurposes = (path) => JSON.parse(readFileSync(path, 'utf8'));
