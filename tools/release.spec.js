'use strict';
// Independent versions (nx.json release): a kernel patch bumps the kernel and nothing else; the
// dependents' caret ranges still match, so they are neither bumped nor rewritten.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

it('nx release patch --projects=@fuseflow/kernel --dry-run changes only the kernel', () => {
  const r = spawnSync('npx', ['nx', 'release', 'patch', '--projects=@fuseflow/kernel', '--dry-run', '--skip-publish'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const out = r.stdout + r.stderr;
  expect(r.status).toBe(0);
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages', 'kernel', 'package.json'), 'utf8')).version;
  const [maj, min, pat] = version.split('.').map(Number);
  expect(out).toContain(`New version ${maj}.${min}.${pat + 1} written to manifest: packages/kernel/package.json`);
  // every manifest the dry run would touch
  const touched = [...out.matchAll(/^(?:UPDATE|CREATE) (\S+package\.json) \[dry-run\]/gm)].map((m) => m[1]);
  expect(touched).toEqual(['packages/kernel/package.json']);
}, 200_000);
