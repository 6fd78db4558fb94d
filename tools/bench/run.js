#!/usr/bin/env node
'use strict';
// Bench runner:  npm run bench                   -> every workspace package with a "bench" script
//                npm run bench -- backend-rda-sim -> only that package (folder or package name)
//                npm run bench -- searcher-boshnas:codesign -> that package's "bench:codesign" script
//                  (named benches are too long for the default run, so they only run when asked for)
// Runs the benches one after another (they measure time: never in parallel on a shared machine)
// and prints a summary table: package, status, wall seconds.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

/** Workspace packages: { dir, name, hasBench }. */
function workspacePackages() {
  const out = [];
  for (const group of ['packages', 'plugins']) {
    const g = path.join(root, group);
    if (!fs.existsSync(g)) continue;
    for (const d of fs.readdirSync(g).sort()) {
      const file = path.join(g, d, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      out.push({ dir: path.join(g, d), folder: d, name: pkg.name, scripts: pkg.scripts || {}, hasBench: !!(pkg.scripts && pkg.scripts.bench), script: 'bench' });
    }
  }
  return out;
}

function main() {
  const wanted = process.argv.slice(2);
  const all = workspacePackages();
  let selected;
  if (wanted.length) {
    selected = [];
    for (const spec of wanted) {
      const [w, named] = spec.split(':');
      const p = all.find((x) => x.folder === w || x.name === w || x.name === `@fuseflow/${w}`);
      if (!p) {
        console.error(`bench: no workspace package "${w}" (have: ${all.map((x) => x.folder).join(', ')})`);
        process.exit(2);
      }
      const script = named ? `bench:${named}` : 'bench';
      if (!p.scripts[script]) {
        const have = Object.keys(p.scripts).filter((s) => s === 'bench' || s.startsWith('bench:'));
        console.error(`bench: ${p.name} has no "${script}" script in its package.json${have.length ? ` (has: ${have.join(', ')})` : ''}`);
        process.exit(2);
      }
      selected.push({ ...p, script });
    }
  } else {
    selected = all.filter((p) => p.hasBench);
  }
  if (!selected.length) {
    console.log('bench: no package has a "bench" script yet');
    return;
  }
  const rows = [];
  for (const p of selected) {
    console.log(`\n=== ${p.name} (npm run ${p.script}) ===`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync('npm', ['run', p.script, '--silent'], { cwd: p.dir, stdio: 'inherit', env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' } });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rows.push([p.script === 'bench' ? p.name : `${p.name}:${p.script.slice(6)}`, r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`, s.toFixed(1)]);
  }
  const header = ['package', 'status', 'seconds'];
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 2 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  console.log(`\nbench summary\n${line(header)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n${rows.map(line).join('\n')}`);
  const failed = rows.filter((r) => r[1] !== 'ok').length;
  console.log(`${rows.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
