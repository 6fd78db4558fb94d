#!/usr/bin/env node
'use strict';
// Start-up cost of the CLI in process CPU seconds (user + sys, the machine is shared so wall time
// is only shown beside it): `fuseflow --help` and a 32x32 SpMSpM `fuseflow simulate`, against
// `node -e 0` measured in the same run, interleaved, median of RUNS (default 9).
//   npm run bench -- cli          (uses the built CLI: npm run build first)
//   RUNS=15 npm run bench -- cli
//   FUSEFLOW_BIN=/other/checkout/packages/cli/bin/fuseflow.js npm run bench -- cli   (another build, e.g. before a change)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = path.resolve(process.env.FUSEFLOW_BIN ?? path.join(__dirname, '..', 'bin', 'fuseflow.js'));
const PRELOAD = path.join(__dirname, 'cpu-at-exit.js');
const RUNS = Number(process.env.RUNS ?? 9);
const TARGET_CPU_S = 0.4;

if (!fs.existsSync(path.join(path.dirname(BIN), '..', 'dist', 'main.js'))) {
  console.error(`bench: the CLI at ${BIN} is not built (no ../dist/main.js); run \`npm run build\` first`);
  process.exit(2);
}
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`bench: RUNS must be a positive integer, got "${process.env.RUNS}"`);
  process.exit(2);
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-startup-'));
const CASES = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'fuseflow --help', args: [BIN, '--help'] },
  {
    name: 'fuseflow simulate 32x32 SpMSpM',
    args: [BIN, 'simulate', '--expr', 'X(i,j) = B(i,k) * C(k,j)', '--format', 'B=csr', '--format', 'C=csr', '--gen', 'B=uniform:32x32:0.1:seed=1', '--gen', 'C=uniform:32x32:0.1:seed=2', '--out', out],
  },
];

function measure(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', PRELOAD, ...c.args], { encoding: 'utf8', cwd: out });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /@@cpu (\{.*\})/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${c.name} failed (exit ${r.status}): ${r.stderr}`);
  const cpu = JSON.parse(m[1]);
  return { cpu: cpu.user + cpu.system, user: cpu.user, system: cpu.system, wall };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const samples = CASES.map(() => []);
try {
  // one warm-up round (file cache), then interleave the cases so load changes hit them alike
  for (const c of CASES) measure(c);
  for (let i = 0; i < RUNS; i++) CASES.forEach((c, k) => samples[k].push(measure(c)));
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}

const base = median(samples[0].map((s) => s.cpu));
const rows = [['case', 'CPU s (median)', 'min', 'max', 'user', 'sys', 'wall s', 'x baseline', `<= ${TARGET_CPU_S} s`]];
CASES.forEach((c, k) => {
  const s = samples[k];
  const cpu = median(s.map((x) => x.cpu));
  rows.push([
    c.name,
    cpu.toFixed(3),
    Math.min(...s.map((x) => x.cpu)).toFixed(3),
    Math.max(...s.map((x) => x.cpu)).toFixed(3),
    median(s.map((x) => x.user)).toFixed(3),
    median(s.map((x) => x.system)).toFixed(3),
    median(s.map((x) => x.wall)).toFixed(3),
    `${(cpu / base).toFixed(2)}x`,
    k === 0 ? '-' : cpu <= TARGET_CPU_S ? 'yes' : 'NO',
  ]);
});
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => r.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
console.log(`${BIN}\nCLI start-up, process CPU (user + sys) over ${RUNS} runs each, node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`);
console.log([line(rows[0]), w.map((n) => '-'.repeat(n)).join('  '), ...rows.slice(1).map(line)].join('\n'));
const over = rows.slice(2).filter((r) => r[8] === 'NO').map((r) => r[0]);
console.log(over.length ? `over ${TARGET_CPU_S} s CPU: ${over.join(', ')}` : `both commands within ${TARGET_CPU_S} s of process CPU (baseline node start-up included)`);
