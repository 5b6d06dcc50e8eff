// One lint configuration for the repository's TypeScript (src, test, bench, scripts), type-aware.
// `npm run lint` runs it and `npm test` runs that.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // public/ is browser script checked by the browser tests; dist/ is built output.
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'public/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Stores and transports implement Promise-returning interfaces; an `async` method without an
      // await is how they turn a throw into a rejection, which callers expect.
      '@typescript-eslint/require-await': 'off',
      // tsc's noFallthroughCasesInSwitch checks this with types (it knows process.exit never returns).
      'no-fallthrough': 'off',
      // A listener set up before the value it clears (sse.ts) reads the variable before its one assignment.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Passing on a caught value as it came is not inventing a non-Error rejection.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Every error kakunin throws is a KakuninError with a code: callers branch on the code, never on a
    // message's text, and the HTTP status comes from the code.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: ':matches(NewExpression, CallExpression)[callee.name=/^(Error|TypeError|RangeError|SyntaxError|EvalError|ReferenceError|URIError|AggregateError)$/]',
          message: 'Throw a KakuninError (or a subclass) with a code from src/codes, not a plain Error.',
        },
      ],
      // Declarations a user compiles against must not depend on which @types/node they have: node's
      // JsonWebKey left node:crypto in @types/node 25 (src/cose/jwk.ts has kakunin's own).
      'no-restricted-imports': ['error', { name: 'node:crypto', importNames: ['JsonWebKey'], message: 'Use Jwk from src/cose/jwk.ts: @types/node 25+ has no crypto.JsonWebKey.' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      // Tests and tools read untyped JSON (HTTP bodies, fixtures) and stub fetch with String(input);
      // typing every probe would add noise without catching anything the assertions do not.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
);
