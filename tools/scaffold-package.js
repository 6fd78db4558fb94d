#!/usr/bin/env node
'use strict';
// Writes the standard files of a workspace package (tsconfigs, jest config, package.json,
// README, src/index.ts). Used by `npm run new-plugin` and when the repo adds a package.
const fs = require('node:fs');
const path = require('node:path');

/**
 * Create a package folder. Existing files are never overwritten.
 * @param {{dir:string,name:string,description:string,dependencies?:Record<string,string>,peerDependencies?:Record<string,string>,
 *   bin?:Record<string,string>, index?:string, spec?:string, readme?:string, extraFiles?:string[], fuseflow?:object}} o
 */
function scaffoldPackage(o) {
  const write = (rel, text) => {
    const file = path.join(o.dir, rel);
    if (fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };
  const pkg = {
    name: o.name,
    version: '0.1.0',
    description: o.description,
    license: 'MIT',
    engines: { node: '>=20.19' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': { '@fuseflow/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', '!dist/**/*.spec.*', '!dist/**/*.map', 'README.md', 'LICENSE', ...(o.extraFiles ?? [])],
    ...(o.bin ? { bin: o.bin } : {}),
    scripts: {
      build: 'tsc -p tsconfig.lib.json',
      typecheck: 'tsc -p tsconfig.spec.json --noEmit',
      test: 'jest',
    },
    dependencies: o.dependencies ?? {},
    ...(o.peerDependencies ? { peerDependencies: o.peerDependencies } : {}),
    ...(o.fuseflow ? { fuseflow: o.fuseflow } : {}),
    publishConfig: { access: 'public' },
  };
  write('package.json', JSON.stringify(pkg, null, 2) + '\n');
  write('tsconfig.lib.json', JSON.stringify({
    extends: path.relative(o.dir, path.join(__dirname, '..', 'tsconfig.base.json')).split(path.sep).join('/'),
    compilerOptions: {
      // No source maps: they would point at src/, which is not published.
      rootDir: 'src', outDir: 'dist', composite: false, sourceMap: false, declarationMap: false,
      // Build against siblings' published d.ts (dist), not their sources.
      customConditions: [],
    },
    include: ['src/**/*.ts'],
    exclude: ['src/**/*.spec.ts', 'src/**/__fixtures__/**', 'src/**/__e2e__/**'],
  }, null, 2) + '\n');
  write('tsconfig.spec.json', JSON.stringify({
    extends: path.relative(o.dir, path.join(__dirname, '..', 'tsconfig.base.json')).split(path.sep).join('/'),
    compilerOptions: { composite: false, noEmit: true, isolatedModules: true, types: ['jest', 'node'] },
    include: ['src/**/*.ts'],
  }, null, 2) + '\n');
  write('jest.config.ts', `import type { Config } from 'jest';

const config: Config = {
  displayName: '${o.name.replace(/^@fuseflow\//, '')}',
  testEnvironment: 'node',
  // Sibling workspace packages resolve to their TypeScript sources in tests.
  testEnvironmentOptions: { customExportConditions: ['@fuseflow/source', 'node', 'require', 'default'] },
  transform: { '^.+\\\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  setupFiles: ['reflect-metadata'],
};

export default config;
`);
  write('src/index.ts', o.index ?? `export {};\n`);
  if (o.spec) write('src/index.spec.ts', o.spec);
  write('README.md', o.readme ?? `# ${o.name}\n\n${o.description}\n`);
  // Each tarball carries the repository's licence.
  const license = path.join(__dirname, '..', 'LICENSE');
  if (fs.existsSync(license)) write('LICENSE', fs.readFileSync(license, 'utf8'));
}

module.exports = { scaffoldPackage };
