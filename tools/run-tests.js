#!/usr/bin/env node
'use strict';
// Runs every jest project once and prints the one line CI counts: "N passed, N failed".
// Extra arguments go to jest (e.g. `npm test -- plugins/backend-rda-sim`).
// First it provisions the machine (tools/setup-machine.sh: python3-torch, Fashion-MNIST, redis-server,
// chromium via apt-get; FUSEFLOW_SKIP_SETUP=1 skips that) and turns on the publish e2e test
// (FUSEFLOW_E2E_PUBLISH=0 turns it off), so that a provisioned run skips nothing.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(os.tmpdir(), `fuseflow-jest-${process.pid}.json`);
if (process.env.FUSEFLOW_SKIP_SETUP !== '1' && process.platform !== 'win32') {
  const setup = spawnSync('bash', [path.join(__dirname, 'setup-machine.sh')], { stdio: 'inherit' });
  if (setup.status !== 0) console.warn('run-tests: the machine set-up did not complete (see above); tests that need those packages will say what they skipped');
}
const args = ['jest', '--json', `--outputFile=${out}`, '--maxWorkers=2', ...process.argv.slice(2)];
const run = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { FUSEFLOW_E2E_PUBLISH: '1', ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' } });

let passed = 0;
let failed = 0;
let suitesFailed = 0;
let skipped = [];
if (fs.existsSync(out)) {
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  // A suite that fails to load has no failed tests but is a failure all the same.
  suitesFailed = r.numRuntimeErrorTestSuites ?? 0;
  // A skip is a test that did not run: say which, so that "0 failed" is not read as "all ran".
  skipped = (r.testResults ?? []).flatMap((s) => (s.assertionResults ?? []).filter((a) => a.status === 'pending' || a.status === 'skipped' || a.status === 'todo').map(() => path.relative(root, s.name)));
  fs.rmSync(out, { force: true });
} else {
  failed = 1;
}
if (suitesFailed > 0) console.log(`${suitesFailed} test suite(s) failed to run`);
if (skipped.length > 0) {
  const files = [...new Set(skipped)];
  console.log(`${skipped.length} skipped, in ${files.length} suite(s): ${files.join(', ')}`);
}
console.log(`${passed} passed, ${failed + suitesFailed} failed`);
process.exit(run.status === 0 && failed + suitesFailed === 0 ? 0 : 1);
