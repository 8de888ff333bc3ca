/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  setupFiles: ['<rootDir>/local/polyfills.ts'],
  // One synthesized template per configuration for the whole run, shared by the workers (cli/template.ts).
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  // A timeout only catches a hang: no test asserts wall time (speed lives in `npm run bench`), and a shared 2-core
  // machine under load must not fail a test or a beforeAll (synth) for being slow.
  testTimeout: 180000,
  // Two workers on the 2-core build machines: the suite is CPU-bound and jest's default (cores − 1) runs it in one.
  maxWorkers: 2,
};
