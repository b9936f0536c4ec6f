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
    // The workflow bundle: src/workflows and the contract they share with everything else.
    files: ['src/workflows/**/*.ts'],
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
  {
    // What histories freeze, shared by both sides: bundled into workflow code, so it imports
    // nothing of the application (which would drag activities, db or platform into the bundle).
    files: ['src/contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: notInWorkflows,
          patterns: [{ group: ['../*', '../**'], message: 'the contract imports nothing of the application (see ARCHITECTURE.md)' }],
        },
      ],
    },
  },
  {
    // The other direction: the worker's side shares what workflows say through src/contract, and
    // never imports a workflow module, types included (that is how the old import circles began).
    files: ['src/activities/**/*.ts', 'src/db/**/*.ts', 'src/platform/**/*.ts', 'src/metrics.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows', '**/workflows/*'],
              message: 'activities, db, platform and metrics import what workflows share from src/contract, never workflows',
            },
          ],
        },
      ],
    },
  },
);
