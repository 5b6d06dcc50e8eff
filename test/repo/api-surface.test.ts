/**
 * The public-surface check (scripts/api-surface.ts, run by `npm run lint:api` in npm test): it must
 * see every way a user reaches a type the package does not export, or the check passes silently.
 * `npm run lint:api` runs it on the package's entries and compares docs/api.md.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiSurface, namingProblems, type EntrySurface } from '../../scripts/api-surface.js';

const FIXTURE = join(import.meta.dirname, 'api-fixtures');

describe('the public-surface check', () => {
  it('finds types reachable through a parameter, an inferred result, a base, an optional alias; not through private members', () => {
    const [surface] = apiSurface([{ name: 'fixture', file: join(FIXTURE, 'src/index.ts') }], FIXTURE);
    expect(surface.exports.map((e) => `${e.kind} ${e.name}`)).toEqual(['function gives', 'interface Holder', 'class Service', 'interface Shown', 'function takes']);
    expect(surface.forgotten.map((f) => [f.name, f.declaredIn])).toEqual([
      ['Hidden', 'src/types.ts'],
      ['HiddenAlias', 'src/types.ts'],
      ['HiddenBase', 'src/types.ts'],
      ['HiddenResult', 'src/types.ts'],
    ]);
    expect(surface.forgotten.find((f) => f.name === 'Hidden')!.via).toBe('takes(options) > Hidden');
    expect(surface.reachable).toEqual(['Hidden', 'HiddenAlias', 'HiddenBase', 'HiddenResult', 'Holder', 'Service', 'Shown']);
  }, 60_000);

  it('the naming rules catch a noun for a function, an ...Input, a namespace field, an export renamed on the way out, one name for two declarations', () => {
    const ex = (name: string, kind: string, declaredIn: string, declaredAs = name) => ({ name, kind, shape: '', declaredAs, declaredIn });
    const surfaces: EntrySurface[] = [
      {
        entry: 'kakunin',
        reachable: [],
        forgotten: [],
        exports: [
          ex('verifyDeviceResponse', 'function', 'src/mdoc/verify.ts'),
          ex('VicalImportOptions', 'interface', 'src/runtime/vical-import.ts', 'ImportOptions'),
          ex('KeyAuthorizations', 'interface', 'src/mdoc/mso.ts'),
          { ...ex('ElementRef', 'interface', 'src/policy/purpose.ts'), shape: 'namespace: string\nidentifier: string' },
        ],
      },
      {
        entry: 'kakunin/sandbox',
        reachable: [],
        forgotten: [],
        exports: [
          ex('mdlElements', 'function', 'src/sandbox/issuer-documents.ts'),
          ex('creates', 'function', 'src/sandbox/x.ts'),
          ex('ValidityInfoInput', 'interface', 'src/sandbox/issuer.ts'),
          ex('KeyAuthorizations', 'interface', 'src/sandbox/issuer.ts'),
        ],
      },
    ];
    expect(namingProblems(surfaces)).toEqual([
      "kakunin: VicalImportOptions is exported under another name than its declaration's (ImportOptions in src/runtime/vical-import.ts): rename the declaration",
      "kakunin: ElementRef has a field 'namespace': ISO 18013-5 names them nameSpace(s) and elementIdentifier",
      'kakunin/sandbox: mdlElements is a function whose name does not start with a verb (answer, build, calculate, compute, create, decode, draw, encode, generate, get, import, issue, load, open, parse, read, receive, reduce, run, verify)',
      'kakunin/sandbox: creates is a function whose name does not start with a verb (answer, build, calculate, compute, create, decode, draw, encode, generate, get, import, issue, load, open, parse, read, receive, reduce, run, verify)',
      'kakunin/sandbox: ValidityInfoInput: an input type is named ...Options, not ...Input',
      'kakunin/sandbox: KeyAuthorizations (src/sandbox/issuer.ts) and kakunin: KeyAuthorizations (src/mdoc/mso.ts) are two declarations under one public name',
    ]);
  });
});
