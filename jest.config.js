/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  // In CI (CI=true, which .ci/run sets) jest runs as with --ci: a missing snapshot fails instead of being written.
  ci: process.env.CI === 'true',
  // A global option (jest ignores it inside projects): generous for the cluster suites, harmless for unit tests.
  testTimeout: 90000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.cluster\\.test\\.ts$'],
      transform: { '^.+\\.ts$': tsJest },
      // kfws's manifest reader (WebAssembly built from reader/): built, or copied from its cache, before the suites
      globalSetup: '<rootDir>/test/reader-setup.ts',
    },
    {
      // Suites against a real kube-apiserver (test/cluster/): one control plane is started for the whole run, and
      // only when one of these suites is selected.
      displayName: 'cluster',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.cluster.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
  ],
};
