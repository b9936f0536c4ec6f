// Lint rules: typescript-eslint's recommended set plus the rules Temporal's TypeScript samples
// use, with formatting left to Prettier (eslint-config-prettier turns the overlapping rules off).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries. */
const notInWorkflows = [
  ...builtinModules.flatMap((name) => [name, `node:${name}`]),
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  'pg',
  'undici',
  'pino',
].map((name) => ({ name, message: 'workflow code is deterministic: no Node built-ins, clients or I/O (see ARCHITECTURE.md)' }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-output/**', 'migrations/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended, prettier],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Forgetting to await an activity, a workflow API or a query is a bug everywhere, not only in workflows.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-deprecated': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      'object-shorthand': ['error', 'always'],
      // One import line per module (a type-only line beside it is fine).
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
    },
  },
  {
    // The workflow bundle: src/workflows and the plain modules they import.
    files: ['src/workflows/**/*.ts', 'src/sync-counts.ts', 'src/failure-types.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: notInWorkflows,
          // Activities run on the worker; workflow code may only name their types.
          patterns: [
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'workflows import activity types only (import type)',
            },
          ],
        },
      ],
    },
  },
);
