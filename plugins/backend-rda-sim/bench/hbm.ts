/*
 * Bench: private vs shared HBM (README "Timing model"). SpMV, SpMSpM ikj and element-wise add at
 * N rows, each simulated without HBM, with per-node channels (`hbm: 'private'`) and with one
 * shared, arbitrated HBM per graph (`hbm: 'shared'`, the default of `hbm: true`), values checked
 * against the dense reference. Per case: cycles, shared/private ratio, the arbiter's admissions
 * (at once / after a wait) and engine CPU-seconds (process.cpuUsage, the fair single-core figure on
 * a shared machine) beside wall. `--check` also runs the reference engine (shared) on each case
 * and fails if cycles or tokens differ (slow: minutes at 1000 rows).
 *   npm run bench:hbm              (N = 1000, 500)      npm run bench:hbm -- --quick   (N = 200)
 *   npm run bench:hbm -- --only SpMSpM                  (cases whose name contains the text)
 *   npm run bench:hbm -- --lanes   (SpMSpM 256² 5 % ikj through expr -> parallelize -> lower-sam at
 *                                   P = 1, 2, 4, 8 lanes: the lanes' memory nodes contend)
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { runManifest } from '@fuseflow/kernel';
import { uniformRandom, type DataflowGraph, type TensorBindings } from '@fuseflow/ir';
import * as K from '../src/kernels';
import { buildGraph } from '../src/build';
import { runFast } from '../src/engine';
import { resolveProfile } from '../src/timing';
import { simulateGraph, simulateModule } from '../src/simulate';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const check = args.includes('--check');
const sizes = quick ? [200] : [500, 1000];
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? args[onlyArg + 1] : '';

function cases(n: number): Array<[string, K.Kernel, TensorBindings]> {
  const r = (shape: number[], density: number, seed: number, format: string) => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });
  return [
    [`SpMV ${n}x${n} 5% (csr, dense x)`, K.spmv(n, n), { A: r([n, n], 0.05, 1, 'csr'), x: r([n], 1, 2, 'dense') }],
    [`SpMSpM ikj ${n}^2 1%`, K.spmspm('ikj', n, n, n), { B: r([n, n], 0.01, 3, 'dcsr'), C: r([n, n], 0.01, 4, 'dcsr') }],
    [`add ${n}x${n} 5% (csr + csr)`, K.elementwise('add', 2, n, n, ['csr', 'csr']), { A: r([n, n], 0.05, 5, 'csr'), B: r([n, n], 0.05, 6, 'csr') }],
    // long rows: the two operand scanners' fiber batches (~n/2 crds each) overflow the channels together
    [`add ${n}x${n} 50% (csr + csr)`, K.elementwise('add', 2, n, n, ['csr', 'csr']), { A: r([n, n], 0.5, 7, 'csr'), B: r([n, n], 0.5, 8, 'csr') }],
    // 8 lanes (fork/join over i): 8 x (row scanner + A and x value loads) issue requests together
    [`SpMV ${n}x${n} 5%, 8 lanes`, K.spmvParallel(n, n, 8), { A: r([n, n], 0.05, 1, 'csr'), x: r([n], 1, 2, 'dense') }],
    [`SpMSpM ikj ${n}^2 5%`, K.spmspm('ikj', n, n, n), { B: r([n, n], 0.05, 9, 'dcsr'), C: r([n, n], 0.05, 10, 'dcsr') }],
  ];
}

/** Admissions of the shared arbiter (one fast run outside the timed ones). */
function admissions(g: DataflowGraph, data: TensorBindings): { immediate: number; granted: number } {
  const b = buildGraph(g, data, { engine: 'fast', profile: resolveProfile('comal'), channelDepth: Infinity, hbm: 'shared' });
  runFast(g.name, b.prims);
  const a = b.prims.find((p) => p.hbm !== null)!.hbm!.arbiter!;
  return { immediate: a.immediate, granted: a.granted };
}

const SPMSPM = ['program spmspm', 'tensor B(256,256): csr input', 'tensor C(256,256): csr input', 'tensor X(256,256): csr output', 's0: X(i,j) = B(i,k) * C(k,j)'].join('\n');

/** One lowered SpMSpM run at P lanes through the real pipeline; cycles and engine CPU-seconds. */
async function lanes(p: number, hbm: boolean | 'private'): Promise<{ cycles: number; cpu: number }> {
  const manifest = {
    version: 1,
    name: 'hbm-lanes',
    seed: 16,
    frontend: { use: 'expr', options: { program: SPMSPM, inputs: { B: 'uniform:256x256:0.05:seed=1', C: 'uniform:256x256:0.05:seed=2' } } },
    passes: [...(p > 1 ? [{ use: 'parallelize', options: { levels: [{ index: 'i', factor: p }] } }] : []), 'lower-sam'],
    backend: { use: 'rda-sim', options: { writeOutputs: false, hbm } },
  };
  const res = await runManifest(manifest as never, { outDir: path.join(os.tmpdir(), `ff-hbm-bench-${process.pid}`) });
  const rep = res.runs[0]?.report;
  if (!rep || rep.valuesChecked !== true) throw new Error(`lanes P=${p} hbm=${hbm}: ${res.error?.message ?? res.runs[0]?.error?.message ?? 'values not checked'}`);
  return { cycles: rep.metrics.cycles, cpu: Number((rep.details as { engineSeconds?: number }).engineSeconds ?? NaN) };
}

async function lanesTable(): Promise<void> {
  console.log('\n| SpMSpM 256² 5 % ikj, lanes | no HBM | private | shared | shared / private | engine CPU-s private / shared |');
  console.log('|---|---|---|---|---|---|');
  for (const p of [1, 2, 4, 8]) {
    const [none, priv, shared] = [await lanes(p, false), await lanes(p, 'private'), await lanes(p, true)];
    console.log(`| P=${p} | ${none.cycles} | ${priv.cycles} | ${shared.cycles} | ${(shared.cycles / priv.cycles).toFixed(2)} | ${priv.cpu.toFixed(2)} / ${shared.cpu.toFixed(2)} |`);
  }
}

if (args.includes('--lanes')) {
  lanesTable().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  const rows: string[] = [];
  for (const n of sizes) {
    for (const [name, k, data] of cases(n)) {
      if (!name.includes(only)) continue;
      const g = k.graph;
      const res: Record<string, { cycles: number; cpu: number; wall: number; tokens: number }> = {};
      for (const hbm of [false, 'private', 'shared'] as const) {
        const w0 = performance.now();
        const r = simulateModule(k.module(data), { hbm });
        const wall = (performance.now() - w0) / 1e3;
        if (!r.valuesChecked) throw new Error(`${name} hbm=${hbm}: values not checked`);
        res[String(hbm)] = { cycles: r.cycles, cpu: r.engineSeconds, wall, tokens: r.tokens };
      }
      const ad = admissions(g, data);
      if (check) {
        const ref = simulateGraph(g, data, { hbm: 'shared', engine: 'reference' });
        if (ref.cycles !== res.shared.cycles || ref.tokens !== res.shared.tokens) throw new Error(`${name}: reference ${ref.cycles} cycles vs fast ${res.shared.cycles}`);
      }
      const f = (x: { cycles: number; cpu: number; wall: number }) => `${x.cycles} (${x.cpu.toFixed(2)} CPU-s, ${x.wall.toFixed(2)} s wall)`;
      rows.push(
        `| ${name} | ${f(res.false)} | ${f(res.private)} | ${f(res.shared)} | ${(res.shared.cycles / res.private.cycles).toFixed(3)} | ${ad.immediate} / ${ad.granted} |${check ? ' ref == fast |' : ''}`,
      );
      console.log(rows[rows.length - 1]);
    }
  }
  console.log('\n| case | no HBM | private HBM | shared HBM | shared / private | admitted at once / at a stall |' + (check ? ' check |' : ''));
  console.log('|---|---|---|---|---|---|' + (check ? '---|' : ''));
  for (const r of rows) console.log(r);
}
