// ESLint (`npm run lint:code`): typescript-eslint's type-checked rules over the TypeScript of
// src/, test/ and console/src/, the plain recommended rules over the JavaScript of bin/, bench/
// and scripts/, and eslint-config-prettier last so that no rule argues with the formatter.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // examples/ are separate packages with their own dependencies; console/vite.config.ts is build configuration.
  { ignores: ['dist/', 'data/', 'node_modules/', 'test-artifacts/', 'examples/', 'console/vite.config.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Unused names are already errors of tsc (noUnusedLocals, noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
      // node:test's describe() and test() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] }] },
      ],
      // Fastify plugins and implementations of async interfaces are async by contract, awaiting or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Migrations run against the schema as it was when they were written, not today's: Kysely<any>,
    // as Kysely's migration interface declares it.
    files: ['src/storage/migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    rules: {
      // Refusing control characters is part of the product (RFC 6749 VSCHAR, header and log
      // injection): the regular expressions that find them must name them.
      'no-control-regex': 'off',
      // `catch {}` is how the code says a failure is expected and changes nothing.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests read JSON bodies of real HTTP answers and assert their exact shape with
    // assert.deepEqual: typing every body first would add casts, not safety.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Components' callback props are written in method syntax (`onClose(): void`) and are never
    // bound to `this`: unbound-method would flag every one of them being passed on.
    files: ['console/src/**/*.tsx'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
