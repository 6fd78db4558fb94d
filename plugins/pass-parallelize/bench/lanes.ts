/*
 * Lanes bench (issue 16): cycles vs parallel factor with per-lane output writers, values checked
 * on every run (rda-sim compares with the reference evaluator), through the real pipeline
 * (expr frontend -> parallelize -> lower-sam -> rda-sim, loaded by name as `fuseflow simulate` does).
 *   - SpMSpM X = B C, 256 x 256 at 5 % (csr, loop order ikj), rows dealt to P = 1..64 lanes;
 *   - Figure 15's attention scores (fast size: 8 heads, sequence 64, head dim 16, BigBird block 8)
 *     with heads x rows at 4 x 4.
 * Prints cycles, speed-up over P=1 measured in the same run, values checked, and wall / CPU seconds
 * of each run (process.cpuUsage).
 *
 *   npm run bench -w @fuseflow/pass-parallelize
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { runManifest } from '@fuseflow/kernel';

const SPMSPM = ['program spmspm', 'tensor B(256,256): csr input', 'tensor C(256,256): csr input', 'tensor X(256,256): csr output', 's0: X(i,j) = B(i,k) * C(k,j)'].join('\n');
const SCORES = [
  'program mha_scores',
  'tensor Q(8,64,16): dense input',
  'tensor K(8,64,16): dense input',
  'tensor M(64,64): dcsr input',
  'tensor S(8,64,64): dcc output',
  'scores: S(b,i,j) = Q(b,i,k) * K(b,j,k) * M(i,j)',
].join('\n');

interface Row {
  label: string;
  cycles: number;
  checked: boolean;
  wall: number;
  cpu: number;
}

async function one(label: string, program: string, inputs: Record<string, string>, levels: Array<{ index: string; factor: number }>): Promise<Row> {
  const manifest = {
    version: 1,
    name: 'lanes-bench',
    seed: 16,
    frontend: { use: 'expr', options: { program, inputs } },
    passes: [...(levels.length > 0 ? [{ use: 'parallelize', options: { levels } }] : []), 'lower-sam'],
    backend: { use: 'rda-sim', options: { writeOutputs: false } },
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const res = await runManifest(manifest as never, { outDir: path.join(os.tmpdir(), `ff-lanes-bench-${process.pid}`) });
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const rep = res.runs[0]?.report;
  if (!rep) throw new Error(`${label}: ${res.error?.code ?? res.runs[0]?.error?.code} ${res.error?.message ?? res.runs[0]?.error?.message}`);
  const checked = rep.valuesChecked === true;
  return { label, cycles: rep.metrics.cycles, checked, wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

function print(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log('lanes            cycles  speed-up  values     wall s   CPU s');
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(12)} ${String(r.cycles).padStart(10)}  ${(rows[0].cycles / r.cycles).toFixed(2).padStart(7)}x  ${(r.checked ? 'checked' : 'NOT checked').padEnd(9)} ${r.wall.toFixed(2).padStart(7)} ${r.cpu.toFixed(2).padStart(7)}`,
    );
  }
}

async function main(): Promise<void> {
  const mm = { B: 'uniform:256x256:0.05:seed=1', C: 'uniform:256x256:0.05:seed=2' };
  // warm-up (plugin loading and compilation stay out of the first row's seconds)
  await one('warm-up', SPMSPM, mm, [{ index: 'i', factor: 2 }]);
  const rows: Row[] = [];
  for (const p of [1, 2, 4, 8, 16, 64]) rows.push(await one(`P=${p}`, SPMSPM, mm, p > 1 ? [{ index: 'i', factor: p }] : []));
  print('SpMSpM 256x256 at 5 % (csr, ikj), rows i dealt to P lanes', rows);
  const att = { Q: 'dense:8x64x16:normal=0.5', K: 'dense:8x64x16:normal=0.5', M: 'bigbird:64:8' };
  print('Figure 15 attention scores (fast size)', [
    await one('P=1', SCORES, att, []),
    await one('b=4', SCORES, att, [{ index: 'b', factor: 4 }]),
    await one('i=4', SCORES, att, [{ index: 'i', factor: 4 }]),
    await one('b=4 x i=4', SCORES, att, [{ index: 'b', factor: 4 }, { index: 'i', factor: 4 }]),
    await one('i=64', SCORES, att, [{ index: 'i', factor: 64 }]),
    await one('b=16 (idle)', SCORES, att, [{ index: 'b', factor: 16 }]),
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
