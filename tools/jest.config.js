'use strict';
// The repository-level tests under tools/ (plain CommonJS, no transform): the README docs test.
/** @type {import('jest').Config} */
module.exports = {
  displayName: 'docs',
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: {},
  testMatch: ['<rootDir>/**/*.spec.js'],
  testPathIgnorePatterns: ['/node_modules/'],
};
