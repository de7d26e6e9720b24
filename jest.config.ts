import type { Config } from 'jest';

// Tests run the TypeScript sources directly through ts-jest; the type check is a separate
// step of `npm test` (tsc --noEmit), so ts-jest only transpiles and stays fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // *.timing.test.ts judge measured latency (healthy run vs healthy run): they run afterwards,
  // alone on the machine (`npm run test:timing`, part of `npm test`), where another test
  // file's load cannot shift a p99 by 30 % and fake a regression.
  testPathIgnorePatterns: process.env.POSHIL_TIMING_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '\\.timing\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 30_000,
  // Emulators run as child processes. Locally a leaked one shows as "Jest did not exit" so it
  // gets fixed; in CI a leak must not turn into a 90-minute hang.
  forceExit: process.env.CI === 'true',
};

export default config;
