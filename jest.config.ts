import type { Config } from 'jest';

// One jest run over every workspace project; each project has its own jest.config.ts.
const config: Config = {
  projects: ['<rootDir>/packages/*/jest.config.ts', '<rootDir>/plugins/*/jest.config.ts', '<rootDir>/tools/jest.config.js'],
};

export default config;
