// One tier per folder of test/; `npm test` runs unit, workflows and e2e, `npm run test:unit` the
// first two, `npm run test:chaos` the last. Helpers live in test/helpers, fixtures in test/fixtures.
const tier = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
        module: { type: 'commonjs', ignoreDynamic: true },
        sourceMaps: 'inline',
      },
    ],
  },
  setupFiles: ['<rootDir>/test/helpers/quiet-temporal.ts'],
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [tier('unit'), tier('workflows'), tier('e2e'), tier('chaos')],
  testTimeout: 60_000,
  // End-to-end files mostly wait (rate windows, timers, servers starting), so four run side by side
  // on two cores; jest's default (cores - 1) would run them one at a time. Figures: CONTRIBUTING.md.
  maxWorkers: 4,
};
