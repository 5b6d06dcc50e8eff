/**
 * The public surface of the package's entry points, read with the TypeScript compiler: each entry's
 * exports, every named type a user can reach through them (parameters, results, properties, base
 * types, type arguments), and which of those no entry exports ("forgotten": a user meets a type
 * they cannot name). scripts/api-report.ts writes docs/api.md from it and fails on a forgotten
 * type; test/repo/api-surface.test.ts runs it on a small fixture.
 *
 * Why not @microsoft/api-extractor: it reads built .d.ts files, so `npm test` would first build the
 * package, it needs a configuration per subpath entry (three here), and it carries its own copy of
 * TypeScript. The compiler the project already uses reads src/ directly, for every entry at once.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface Entry {
  /** How a user imports it: 'kakunin', 'kakunin/service', ... */
  name: string;
  /** The source file of the entry. */
  file: string;
}

/**
 * The package's entries as package.json "exports" publishes them ('.' -> 'kakunin', './service' ->
 * 'kakunin/service'), each with the source file its dist/ file is built from.
 */
export function packageEntries(root: string): Entry[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { default: string }> };
  return Object.entries(pkg.exports).map(([subpath, target]) => ({
    name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^[.]\//, '')}`,
    file: join(root, target.default.replace(/^[.]\/dist\//, 'src/').replace(/[.]js$/, '.ts')),
  }));
}

export interface ForgottenType {
  /** The entry through which it is reachable. */
  entry: string;
  name: string;
  /** Where it is declared, relative to the root. */
  declaredIn: string;
  /** The export it is reached from, and the way (export > member > ... > type). */
  via: string;
}

export interface EntrySurface {
  entry: string;
  /** Export name, its kind and its public shape, in name order. */
  /** `declaredAs` and `declaredIn`: the declaration's own name and file (relative to the root). */
  exports: { name: string; kind: string; shape: string; declaredAs: string; declaredIn: string }[];
  /** Named types declared in the package and reachable from this entry's exports (its own exports included). */
  reachable: string[];
  forgotten: ForgottenType[];
}

const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.WriteArrowStyleSignature;

function kindOf(symbol: ts.Symbol): string {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return 'const';
  return 'other';
}

function isPrivate(symbol: ts.Symbol): boolean {
  if (symbol.name.startsWith('#') || symbol.name.startsWith('__#')) return true;
  return (symbol.declarations ?? []).some((d) => (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0);
}

/** Reads the surface of `entries` (all in one program, so a type is the same symbol in each). */
export function apiSurface(entries: Entry[], root: string): EntrySurface[] {
  const program = ts.createProgram(
    entries.map((e) => e.file),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    },
  );
  const checker = program.getTypeChecker();
  const own = (symbol: ts.Symbol) =>
    (symbol.declarations ?? []).some((d) => {
      const file = d.getSourceFile().fileName;
      return !file.includes('/node_modules/') && relative(root, file).startsWith('src/');
    });
  const named = (symbol: ts.Symbol) => (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum)) !== 0;
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

  const exportsOf = (entry: Entry) => {
    const source = program.getSourceFile(entry.file);
    if (!source) throw new Error(`entry ${entry.file} is not in the program`);
    return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
  };
  // A type any entry exports can be named by a user (import type { X } from 'kakunin'), whichever
  // entry's signature they meet it in.
  const exportedTargets = new Set(entries.flatMap((e) => exportsOf(e).map(resolve)));

  return entries.map((entry) => {
    const exported = exportsOf(entry);
    const reachable = new Map<ts.Symbol, string>();
    const forgotten: ForgottenType[] = [];
    const seenTypes = new Set<ts.Type>();

    const meet = (symbol: ts.Symbol | undefined, via: string): boolean => {
      if (!symbol || !named(symbol) || !own(symbol) || reachable.has(symbol)) return false;
      reachable.set(symbol, via);
      if (!exportedTargets.has(symbol)) {
        const decl = symbol.declarations![0];
        forgotten.push({ entry: entry.name, name: symbol.name, declaredIn: relative(root, decl.getSourceFile().fileName), via });
      }
      return true;
    };

    /** The named types a declaration's written type names: an alias behind `?` or `| undefined` is
     * gone from the type the checker gives (a new union), but not from the text. */
    const visitTypeNode = (node: ts.Node | undefined, via: string) => {
      if (!node) return;
      const names = (n: ts.Node): void => {
        const target = ts.isTypeReferenceNode(n) ? n.typeName : ts.isExpressionWithTypeArguments(n) ? n.expression : undefined;
        const symbol = target && checker.getSymbolAtLocation(target);
        if (symbol) {
          const resolved = resolve(symbol);
          if (meet(resolved, `${via} > ${resolved.name}`)) visitType(checker.getDeclaredTypeOfSymbol(resolved), `${via} > ${resolved.name}`);
        }
        ts.forEachChild(n, names);
      };
      names(node);
    };
    const writtenType = (symbol: ts.Symbol) => (symbol.declarations ?? []).map((d) => (d as { type?: ts.TypeNode }).type).find(Boolean);

    const visitSignature = (sig: ts.Signature, via: string) => {
      for (const tp of sig.getTypeParameters() ?? []) {
        const c = tp.getConstraint();
        if (c) visitType(c, via);
      }
      for (const p of sig.getParameters()) {
        visitTypeNode(writtenType(p), `${via}(${p.name})`);
        visitType(checker.getTypeOfSymbol(p), `${via}(${p.name})`);
      }
      visitTypeNode((sig.getDeclaration() as ts.SignatureDeclaration | undefined)?.type, `${via}()`);
      visitType(sig.getReturnType(), `${via}()`);
    };

    const visitMembers = (type: ts.Type, via: string) => {
      for (const prop of checker.getPropertiesOfType(type)) {
        if (isPrivate(prop) || prop.name === 'prototype') continue;
        visitTypeNode(writtenType(prop), `${via}.${prop.name}`);
        visitType(checker.getTypeOfSymbol(prop), `${via}.${prop.name}`);
      }
      for (const sig of type.getCallSignatures()) visitSignature(sig, via);
      for (const sig of type.getConstructSignatures()) visitSignature(sig, `new ${via}`);
      for (const info of checker.getIndexInfosOfType(type)) visitType(info.type, `${via}[]`);
    };

    function visitType(type: ts.Type, via: string): void {
      if (seenTypes.has(type)) return;
      seenTypes.add(type);
      if (type.aliasSymbol) {
        const alias = type.aliasSymbol;
        // An alias of aliases (KakuninCode = FailureCode | TrustCode | ...) is one flat union to the
        // checker: the names a user reads in its declaration are only in the text.
        if (meet(alias, `${via} > ${alias.name}`)) visitTypeNode(writtenType(alias), `${via} > ${alias.name}`);
        for (const a of type.aliasTypeArguments ?? []) visitType(a, via);
      }
      if (type.isUnionOrIntersection()) {
        for (const t of type.types) visitType(t, via);
        return;
      }
      if (!(type.flags & ts.TypeFlags.Object)) return;
      const object = type as ts.ObjectType;
      if (object.objectFlags & ts.ObjectFlags.Reference) {
        const ref = object as ts.TypeReference;
        for (const a of checker.getTypeArguments(ref)) visitType(a, via);
        if (ref.target !== object) {
          visitType(ref.target, via);
          return;
        }
      }
      const symbol = type.getSymbol();
      const name = symbol && named(symbol) ? symbol.name : undefined;
      if (symbol && named(symbol)) {
        // A type from elsewhere (node, a dependency) is theirs to describe: not walked.
        if (!own(symbol)) return;
        meet(symbol, `${via} > ${symbol.name}`);
      }
      const here = name ? `${via} > ${name}` : via;
      if (object.objectFlags & (ts.ObjectFlags.Class | ts.ObjectFlags.Interface)) {
        for (const base of checker.getBaseTypes(object as ts.InterfaceType)) visitType(base, `${here} extends`);
      }
      visitMembers(type, here);
    }

    const exportsOut = [...exported]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => {
        const target = resolve(s);
        const kind = kindOf(target);
        meet(target, s.name);
        const lines: string[] = [];
        if (target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
          const t = checker.getTypeOfSymbol(target);
          visitType(t, s.name);
          if (kind === 'function') for (const sig of t.getCallSignatures()) lines.push(`${s.name}${checker.signatureToString(sig, undefined, FLAGS)}`);
          else lines.push(`${s.name}: ${checker.typeToString(t, undefined, FLAGS)}`);
        }
        if (target.flags & ts.SymbolFlags.Class) {
          const staticSide = checker.getTypeOfSymbol(target);
          visitType(staticSide, s.name);
          for (const sig of staticSide.getConstructSignatures())
            lines.push(`new ${s.name}${checker.signatureToString(sig, undefined, FLAGS | ts.TypeFormatFlags.WriteArrowStyleSignature).replace(/ => .*$/, '')}`);
          for (const p of checker.getPropertiesOfType(staticSide))
            if (p.name !== 'prototype' && !isPrivate(p)) lines.push(`static ${p.name}: ${checker.typeToString(checker.getTypeOfSymbol(p), undefined, FLAGS)}`);
        }
        if (target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum)) {
          const declared = checker.getDeclaredTypeOfSymbol(target);
          visitType(declared, s.name);
          if (target.flags & ts.SymbolFlags.TypeAlias) visitTypeNode(writtenType(target), s.name);
          // As written where it is written (`FailureCode | TrustCode | ...`, not every code spelled
          // out), so the report changes when the declaration does, not whenever a code is added.
          const written = (s: ts.Symbol) => writtenType(s)?.getText().replace(/\s+/g, ' ');
          if (target.flags & ts.SymbolFlags.TypeAlias) lines.push(`= ${written(target) ?? checker.typeToString(declared, undefined, FLAGS | ts.TypeFormatFlags.InTypeAlias)}`);
          else {
            for (const base of declared.isClassOrInterface() ? checker.getBaseTypes(declared) : []) lines.push(`extends ${checker.typeToString(base, undefined, FLAGS)}`);
            for (const p of checker.getPropertiesOfType(declared)) {
              if (isPrivate(p)) continue;
              const optional = p.flags & ts.SymbolFlags.Optional ? '?' : '';
              lines.push(`${p.name}${optional}: ${written(p) ?? checker.typeToString(checker.getTypeOfSymbol(p), undefined, FLAGS)}`);
            }
          }
        }
        const declaredIn = target.declarations?.[0] ? relative(root, target.declarations[0].getSourceFile().fileName) : '';
        return { name: s.name, kind, shape: lines.join('\n'), declaredAs: target.name, declaredIn };
      });

    const reachableNames = [...reachable.keys()].map((s) => s.name).sort();
    return { entry: entry.name, exports: exportsOut, reachable: reachableNames, forgotten: forgotten.sort((a, b) => a.name.localeCompare(b.name)) };
  });
}

/** docs/api.md: every entry's exports with their shapes, the counts, and what is reachable but not exported. */
export function apiReport(surfaces: EntrySurface[]): string {
  const out: string[] = [
    '# kakunin public API',
    '',
    'Generated by `npm run api` (scripts/api-report.ts) from the entry points; `npm test` fails while this',
    'file differs from the code or any entry lets a user reach a type it does not export. Review a change',
    'to the public surface as a diff of this file.',
    '',
    '| entry | exports | named types reachable | reachable but not exported |',
    '| --- | --- | --- | --- |',
    ...surfaces.map((s) => `| \`${s.entry}\` | ${s.exports.length} | ${s.reachable.length} | ${s.forgotten.length} |`),
    '',
  ];
  for (const s of surfaces) {
    out.push(`## \`${s.entry}\``, '');
    if (s.forgotten.length) {
      out.push('Reachable but not exported:', '');
      for (const f of s.forgotten) out.push(`- \`${f.name}\` (${f.declaredIn}), via \`${f.via}\``);
      out.push('');
    }
    for (const e of s.exports) {
      out.push(`### ${e.kind} \`${e.name}\``, '');
      if (e.shape) out.push('```ts', e.shape, '```', '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * The first word of every exported function: a function says what it does (verbs), so a name that
 * starts otherwise is either a new verb to add here or a noun to rename (`mdlElements` was
 * `createMdlElements`'s old name).
 */
export const FUNCTION_VERBS = [
  'answer',
  'build',
  'calculate',
  'compute',
  'create',
  'decode',
  'draw',
  'encode',
  'generate',
  'get',
  'import',
  'issue',
  'load',
  'open',
  'parse',
  'read',
  'receive',
  'reduce',
  'run',
  'verify',
];

/**
 * What breaks the public naming style: a function that does not start with a verb, an input type
 * named `...Input` (inputs are `...Options`), an element field not named as ISO 18013-5 names it
 * (`nameSpace`, `elementIdentifier`), an export under another name than its declaration's
 * (a hover or an error message then names a type the user cannot import), and one name exported by
 * two entries for two different declarations.
 */
export function namingProblems(surfaces: EntrySurface[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, { entry: string; declaredIn: string; declaredAs: string }>();
  for (const s of surfaces) {
    for (const e of s.exports) {
      const where = `${s.entry}: ${e.name}`;
      if (e.kind === 'function' && !FUNCTION_VERBS.some((v) => new RegExp(`^${v}(?![a-z])`).test(e.name))) {
        problems.push(`${where} is a function whose name does not start with a verb (${FUNCTION_VERBS.join(', ')})`);
      }
      if (/Input$/.test(e.name)) problems.push(`${where}: an input type is named ...Options, not ...Input`);
      const field = /(?:^|[\s{;(])(namespaces?|identifier)\??:/m.exec(e.shape);
      if (field) problems.push(`${where} has a field '${field[1]}': ISO 18013-5 names them nameSpace(s) and elementIdentifier`);
      if (e.name !== e.declaredAs) problems.push(`${where} is exported under another name than its declaration's (${e.declaredAs} in ${e.declaredIn}): rename the declaration`);
      const other = byName.get(e.name);
      if (other && (other.declaredIn !== e.declaredIn || other.declaredAs !== e.declaredAs)) {
        problems.push(`${where} (${e.declaredIn}) and ${other.entry}: ${e.name} (${other.declaredIn}) are two declarations under one public name`);
      }
      byName.set(e.name, { entry: s.entry, declaredIn: e.declaredIn, declaredAs: e.declaredAs });
    }
  }
  return problems;
}
