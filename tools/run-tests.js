#!/usr/bin/env node
'use strict';
// Runs every jest project once and prints the one line CI counts: "N passed, N failed".
// Extra arguments go to jest (e.g. `npm test -- plugins/backend-rda-sim`).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(os.tmpdir(), `fuseflow-jest-${process.pid}.json`);
const args = ['jest', '--json', `--outputFile=${out}`, '--maxWorkers=2', ...process.argv.slice(2)];
const run = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' } });

let passed = 0;
let failed = 0;
let suitesFailed = 0;
if (fs.existsSync(out)) {
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  // A suite that fails to load has no failed tests but is a failure all the same.
  suitesFailed = r.numRuntimeErrorTestSuites ?? 0;
  fs.rmSync(out, { force: true });
} else {
  failed = 1;
}
if (suitesFailed > 0) console.log(`${suitesFailed} test suite(s) failed to run`);
console.log(`${passed} passed, ${failed + suitesFailed} failed`);
process.exit(run.status === 0 && failed + suitesFailed === 0 ? 0 : 1);
