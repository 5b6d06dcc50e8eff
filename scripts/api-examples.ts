/**
 * The @example of every exported function and class of the package's entries, type-checked as a
 * user would write it: each fenced ```ts block is a module of its own that imports from the
 * package's public names ('kakunin', 'kakunin/service', 'kakunin/sandbox', mapped to src/ like the
 * published exports map them to dist/) under the repository's tsconfig.json. An example that does not
 * compile is a reference that misleads; one that reaches into src/ shows a path no user has.
 * test/repo/api-examples.test.ts runs it on the package and on a fixture.
 */
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import type { Entry } from './api-surface.js';

export interface PublicExample {
  /** The entry that exports it and the name it is exported under. */
  entry: string;
  name: string;
  kind: 'function' | 'class';
  /** The fenced ```ts blocks of its @example tags, in order (an @example without one adds ''). */
  blocks: string[];
}

export interface ExampleProblem {
  /** `entry name`, the symbol the example documents, and which of its examples (1-based). */
  symbol: string;
  message: string;
}

/** Reads the compiler options of `tsconfig` (the examples compile as the repository's code does). */
function repositoryOptions(tsconfig: string): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  return parsed.options;
}

const FENCE = /```(?:ts|typescript)\n([\s\S]*?)```/g;

/** `entry name` or `entry name (example N)`, as problems name an example. */
function labelOf(example: PublicExample, i: number): string {
  const symbol = `${example.entry} ${example.name}`;
  return example.blocks.length > 1 ? `${symbol} (example ${i + 1})` : symbol;
}

/**
 * The examples that stand alone: they declare no input the reader would bring (`declare const`), so
 * they can run as written. `label` names them as checkExamples does.
 */
export function standaloneExamples(entries: Entry[], tsconfig: string): { label: string; code: string }[] {
  return publicExamples(entries, tsconfig).flatMap((example) => example.blocks.flatMap((code, i) => (code.trim() && !/^declare /m.test(code) ? [{ label: labelOf(example, i), code }] : [])));
}

/** Every exported function and class of `entries` with the code of its @example tags. */
export function publicExamples(entries: Entry[], tsconfig: string): PublicExample[] {
  const program = ts.createProgram(
    entries.map((e) => e.file),
    { ...repositoryOptions(tsconfig), noEmit: true },
  );
  const checker = program.getTypeChecker();
  const out: PublicExample[] = [];
  for (const entry of entries) {
    const source = program.getSourceFile(entry.file);
    if (!source) throw new Error(`entry ${entry.file} is not in the program`);
    for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const kind = target.flags & ts.SymbolFlags.Class ? 'class' : target.flags & ts.SymbolFlags.Function ? 'function' : undefined;
      if (!kind) continue;
      const blocks = target
        .getJsDocTags(checker)
        .filter((tag) => tag.name === 'example')
        .map((tag) => [...ts.displayPartsToString(tag.text).matchAll(FENCE)].map((m) => m[1]).join('\n'));
      out.push({ entry: entry.name, name: exported.name, kind, blocks });
    }
  }
  return out.sort((a, b) => `${a.entry} ${a.name}`.localeCompare(`${b.entry} ${b.name}`));
}

/**
 * What is wrong with the examples: a function or class without one, an @example without a ```ts
 * block, an import of anything but the entries and node: modules, an example that does not import
 * the name it documents from its entry, and every compiler diagnostic (line numbers are the block's).
 */
export function checkExamples(entries: Entry[], tsconfig: string): ExampleProblem[] {
  const root = dirname(tsconfig);
  const problems: ExampleProblem[] = [];
  const examples = publicExamples(entries, tsconfig);
  // One virtual module per block, under the root so that its package.json ("type": "module") makes
  // it ESM: top-level await is allowed, as in a user's module.
  const files = new Map<string, { symbol: string; example: PublicExample; code: string }>();
  for (const example of examples) {
    const symbol = `${example.entry} ${example.name}`;
    if (example.blocks.length === 0) problems.push({ symbol, message: `exported ${example.kind} without an @example` });
    example.blocks.forEach((code, i) => {
      const which = labelOf(example, i);
      if (!code.trim()) problems.push({ symbol: which, message: '@example without a ```ts block' });
      else files.set(join(root, '.api-examples', `${example.entry.replace(/\W/g, '_')}.${example.name}.${i + 1}.ts`), { symbol: which, example, code });
    });
  }

  const options: ts.CompilerOptions = {
    ...repositoryOptions(tsconfig),
    noEmit: true,
    baseUrl: root,
    paths: Object.fromEntries(entries.map((e) => [e.name, [relative(root, e.file)]])),
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name)?.code ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.getSourceFile = (name, language, onError, create) => {
    const file = files.get(name);
    return file ? ts.createSourceFile(name, file.code, language, true) : getSourceFile(name, language, onError, create);
  };
  const program = ts.createProgram([...files.keys()], options, host);

  // The names must reach src/, not a built dist/ the package's own name would also resolve to.
  for (const e of entries) {
    const resolved = ts.resolveModuleName(e.name, [...files.keys()][0] ?? e.file, options, host).resolvedModule?.resolvedFileName;
    if (resolved !== e.file) throw new Error(`'${e.name}' resolves to ${resolved ?? 'nothing'}, not ${e.file}`);
  }
  const publicNames = new Set(entries.map((e) => e.name));
  for (const [name, { symbol, example }] of files) {
    const source = program.getSourceFile(name)!;
    let importsItself = false;
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = statement.moduleSpecifier.text;
      if (!publicNames.has(from) && !from.startsWith('node:'))
        problems.push({ symbol, message: `imports '${from}': an example imports only the package's public names (${[...publicNames].join(', ')}) and node: modules` });
      const named = statement.importClause?.namedBindings;
      if (from === example.entry && named && ts.isNamedImports(named) && named.elements.some((e) => (e.propertyName ?? e.name).text === example.name)) importsItself = true;
    }
    if (!importsItself) problems.push({ symbol, message: `does not import ${example.name} from '${example.entry}'` });
    for (const d of ts.getPreEmitDiagnostics(program, source)) {
      const at = d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      problems.push({ symbol, message: `${at}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}` });
    }
  }
  return problems;
}
