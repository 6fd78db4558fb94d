#!/usr/bin/env node
'use strict';
// Runs the built CLI (dist). `npm run build` first; in a workspace checkout without a build,
// fall back to the TypeScript sources through ts-node so contributors can run it directly.
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist', 'main.js');
if (fs.existsSync(dist)) {
  require(dist).main(process.argv).catch((err) => {
    console.error(err && err.message ? err.message : err);
    process.exitCode = 1;
  });
} else {
  console.error('fuseflow: the CLI is not built. Run `npm run build` in the repository first.');
  process.exitCode = 1;
}
