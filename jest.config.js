/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  setupFiles: ['<rootDir>/local/polyfills.ts'],
  testTimeout: 60000,
  // Two workers on the 2-core build machines: the suite is CPU-bound and jest's default (cores − 1) runs it in one.
  maxWorkers: 2,
};
