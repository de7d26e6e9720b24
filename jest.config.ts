import type { Config } from 'jest';

// Tests run the TypeScript sources directly through ts-jest; the type check is a separate
// step of `npm test` (tsc --noEmit), so ts-jest only transpiles and stays fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 30_000,
  // Emulators run as child processes; a test that forgets one must not hang CI.
  forceExit: false,
};

export default config;
