import type { Config } from 'jest';

const config: Config = {
  displayName: 'report',
  testEnvironment: 'node',
  // Sibling workspace packages resolve to their TypeScript sources in tests.
  testEnvironmentOptions: { customExportConditions: ['@fuseflow/source', 'node', 'require', 'default'] },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  setupFiles: ['reflect-metadata'],
};

export default config;
