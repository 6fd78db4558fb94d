/*
 * Sampled vs exact simulation on mid-size cases built through the real frontend and passes
 * (frontend-expr, fusion, parallelize, lower-sam): exact cycles, the sampled estimate for a few
 * seeds, its error, whether the exact value lies in the 95 % interval, and the CPU-seconds of each.
 *
 *   npm run bench:sampling -w @fuseflow/backend-rda-sim -- [--fraction 0.1] [--seeds 3] [--only name,...] [--quick] [--large] [--markdown] [--estimator ratio|mean] [--fixed pooled|merge|split]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as K from '@fuseflow/kernel';
import type { Manifest } from '@fuseflow/kernel';
import { gcn2LayerProgram, maskedAttentionProgram, printProgram, type DataflowModule } from '@fuseflow/ir';
import { simulateModule } from '../src/simulate';
import { simulateModuleSampled, type FixedCostDesign, type SampleEstimator } from '../src/sampling/sampled';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes('--quick');
const markdown = process.argv.includes('--markdown');
const fraction = Number(arg('fraction') ?? 0.1);
const seeds = Number(arg('seeds') ?? 3);
const only = arg('only')?.split(',');
const estimator = (arg('estimator') ?? 'ratio') as SampleEstimator;
const design = (arg('fixed') ?? 'pooled') as FixedCostDesign;
/** scales every extent (rows, nodes) so --quick runs in seconds. */
const S = quick ? 0.25 : 1;
const n = (x: number): number => Math.max(16, Math.round(x * S));

interface Case {
  name: string;
  /** frontend-expr options. */
  fe: Record<string, unknown>;
  passes: Array<string | { use: string; options: Record<string, unknown> }>;
  /** sample fraction of this case (default --fraction). */
  fraction?: number;
}

// 2-layer GCN in the transform-first association A (H W): the narrow products go through A.
const gcnProgram = (v: number, f: number, h: number, c: number): string =>
  printProgram(gcn2LayerProgram({ n: v, f, h, c, name: 'gcn2', order: 'transform-first', statements: ['a', 'b', 'c', 'd', 'e'], formats: { A: 'dcsr', T2: 'dcsr', H: 'dcsr', Z: 'dcsr' } }));

const gcnLayerProgram = (v: number, f: number, h: number): string => `program gcn_layer
tensor A(${v},${v}): dcsr input
tensor X(${v},${f}): dense input
tensor W(${f},${h}): dense input
tensor T(${v},${h}): dense intermediate
tensor Y(${v},${h}): dcsr output
a: T(i,h) = X(i,f) * W(f,h)
b: Y(i,h) = relu(A(i,k) * T(k,h))`;

// Masked attention of one head: S = mask . (Q K^T), P = row softmax(S), O = P V.
const attentionProgram = (s: number, d: number): string => printProgram(maskedAttentionProgram({ seq: s, dim: d }));

const softmaxProgram = (r: number, c: number): string => `program softmax
tensor S(${r},${c}): dcsr input
tensor M(${r}): dense intermediate
tensor E(${r},${c}): dcsr intermediate
tensor Z(${r}): dense intermediate
tensor P(${r},${c}): dcsr output
m: M(i) = max(j, S(i,j))
x: E(i,j) = exp(S(i,j) - M(i))
z: Z(i) = sum(j, E(i,j))
p: P(i,j) = E(i,j) / Z(i)`;

const spmspm = (rows: number, density: number, seed: number): Case['fe'] => ({
  expr: 'X(i,j) = B(i,k) * C(k,j)',
  order: 'ikj',
  formats: { B: 'dcsr', C: 'dcsr', X: 'dcsr' },
  inputs: { B: `uniform:${rows}x${rows}:${density}:seed=${seed}`, C: `uniform:${rows}x${rows}:${density}:seed=${seed + 1}` },
});

const full = { use: 'fusion', options: { granularity: 'full' } };
const unfused = { use: 'fusion', options: { granularity: 'unfused' } };
const par = (factor: number) => ({ use: 'parallelize', options: { factor } });

const V = n(2000);
const CASES: Case[] = [
  { name: `SpMSpM ikj ${n(1000)}² 1%`, fe: spmspm(n(1000), 0.01, 1), passes: [] },
  { name: `SpMSpM ikj ${n(2000)}² 0.3%`, fe: spmspm(n(2000), 0.003, 3), passes: [] },
  { name: `SpMSpM ikj ${n(600)}² 3%`, fe: spmspm(n(600), 0.03, 5), passes: [] },
  { name: `SpMSpM ikj ${n(1000)}² 1%, 4 lanes`, fe: spmspm(n(1000), 0.01, 1), passes: [par(4)] },
  {
    name: `SpMV power-law ${V} nodes`,
    fe: { expr: 'y(i) = A(i,j) * x(j)', formats: { A: 'csr', x: 'dense', y: 'dense' }, inputs: { A: `powerlaw:${V}:${V * 8}:seed=7`, x: `dense:${V}:seed=8` } },
    passes: [],
  },
  {
    name: `SpMV power-law ${V} nodes, 4 lanes`,
    fe: { expr: 'y(i) = A(i,j) * x(j)', formats: { A: 'csr', x: 'dense', y: 'dense' }, inputs: { A: `powerlaw:${V}:${V * 8}:seed=7`, x: `dense:${V}:seed=8` } },
    passes: [par(4)],
  },
  {
    name: `SDDMM ${n(1000)}² 1%, k=32`,
    fe: { expr: 'X(i,j) = S(i,j) * A(i,k) * B(j,k)', formats: { S: 'dcsr', A: 'dense', B: 'dense', X: 'dcsr' }, inputs: { S: `uniform:${n(1000)}x${n(1000)}:0.01:seed=9`, A: `dense:${n(1000)}x32:seed=10`, B: `dense:${n(1000)}x32:seed=11` }, order: 'ijk' },
    passes: [],
  },
  { name: `softmax ${n(1500)}² 2%, fused`, fe: { program: softmaxProgram(n(1500), n(1500)), inputs: { S: `uniform:${n(1500)}x${n(1500)}:0.02:seed=12` } }, passes: [full] },
  { name: `GCN layer ${V} nodes, F=32 H=16, unfused`, fe: { program: gcnLayerProgram(V, 32, 16), inputs: { A: `gcnadj:${V}:${V * 4}:seed=13`, X: `dense:${V}x32:seed=14`, W: `dense:32x16:seed=15` } }, passes: [unfused] },
  { name: `GCN 2-layer ${n(1000)} nodes, unfused`, fe: { program: gcnProgram(n(1000), 32, 16, 8), inputs: { A: `gcnadj:${n(1000)}:${n(1000) * 3}:seed=16`, X: `dense:${n(1000)}x32:seed=17` } }, passes: [unfused] },
  {
    name: `GCN 2-layer ${n(1000)} nodes, unfused, 2 kernels`,
    fe: { program: gcnProgram(n(1000), 32, 16, 8), inputs: { A: `gcnadj:${n(1000)}:${n(1000) * 3}:seed=16`, X: `dense:${n(1000)}x32:seed=17` } },
    passes: [{ use: 'fusion', options: { granularity: 'unfused', kernels: [['a', 'b', 'c'], ['d', 'e']] } }],
  },
  {
    name: `block-sparse SpMM ${n(2048)}x${n(1024)} tiles 16, 10%`,
    fe: { expr: 'X(i,j) = B(i,k) * C(k,j)', order: 'ikj', formats: { B: 'dcsr', C: 'dcsr', X: 'dcsr' }, inputs: { B: `blocksparse:${n(2048)}x${n(1024)}:16:0.1:seed=19`, C: `blocksparse:${n(1024)}x64:16:0.5:seed=20` } },
    passes: [{ use: 'sparsity-blocking', options: { size: 16 } }],
  },
  { name: `GCN 2-layer ${n(1000)} nodes, fused`, fe: { program: gcnProgram(n(1000), 32, 16, 8), inputs: { A: `gcnadj:${n(1000)}:${n(1000) * 3}:seed=16`, X: `dense:${n(1000)}x32:seed=17` } }, passes: [full] },
  { name: `GCN 2-layer ${n(1000)} nodes, fused, 2 lanes`, fe: { program: gcnProgram(n(1000), 32, 16, 8), inputs: { A: `gcnadj:${n(1000)}:${n(1000) * 3}:seed=16`, X: `dense:${n(1000)}x32:seed=17` } }, passes: [full, par(2)] },
  { name: `attention s=${n(1000)} d=32 mask 2%, unfused`, fe: { program: attentionProgram(n(1000), 32), inputs: { M: `uniform:${n(1000)}x${n(1000)}:0.02:seed=18` } }, passes: [unfused] },
  { name: `attention s=${n(1000)} d=32 mask 2%, fused`, fe: { program: attentionProgram(n(1000), 32), inputs: { M: `uniform:${n(1000)}x${n(1000)}:0.02:seed=18` } }, passes: [full] },
];

// --large: bigger graphs at small fractions, where sampling pays (not part of the default table).
const LARGE: Case[] = [
  { name: 'SpMSpM ikj 8000² 0.1%', fe: spmspm(8000, 0.001, 21), passes: [], fraction: 0.02 },
  { name: 'GCN 2-layer 4000 nodes, fused', fe: { program: gcnProgram(4000, 32, 16, 8), inputs: { A: `gcnadj:4000:12000:seed=22`, X: `dense:4000x32:seed=23` } }, passes: [full], fraction: 0.02 },
];
if (process.argv.includes('--large')) CASES.splice(0, CASES.length, ...LARGE);

async function compile(c: Case): Promise<DataflowModule> {
  const m: Manifest = {
    version: 1,
    name: 'sampling-bench',
    seed: 1,
    frontend: { use: '@fuseflow/frontend-expr', options: c.fe },
    passes: [...c.passes, 'lower-sam'],
    backend: { use: '@fuseflow/backend-rda-sim', options: {} },
  } as Manifest;
  const base = path.join(os.tmpdir(), 'fuseflow-sampling-bench');
  // The kernel's session API (Session.compile), or the older compilePipeline.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const kernel = K as unknown as Record<string, any>;
  if (kernel.Session) {
    const s = kernel.Session.open(m, { baseDir: base, outDir: base });
    return (await s.compile(s.resolved.pipelines[0])).ir as DataflowModule;
  }
  const r = kernel.resolveManifest(m, { baseDir: base });
  const { ir } = await kernel.compilePipeline(r.pipelines[0], { seed: r.seed, baseDir: base, outDir: base, events: kernel.createKernelEmitter() });
  return ir as DataflowModule;
}

function cpuOf<T>(f: () => T): { value: T; cpu: number } {
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, cpu: (c.user + c.system) / 1e6 };
}

interface Row {
  name: string;
  graphs: number;
  units: string;
  exact: number;
  exactCpu: number;
  runs: Array<{ seed: number; estimate: number; lo: number; hi: number; err: number; inside: boolean; cpu: number; sampled: number; total: number }>;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  console.log(`sampled simulation vs exact: fraction ${fraction}, seeds 1..${seeds}, default 8 batches, ${estimator} estimator, fixed cost from '${design}'${quick ? ' (quick sizes)' : ''}; CPU-seconds (user + system) per simulation`);
  for (const c of CASES) {
    if (only && !only.some((o) => c.name.toLowerCase().includes(o.toLowerCase()))) continue;
    let mod: DataflowModule;
    try {
      mod = await compile(c);
    } catch (e) {
      console.log(`${c.name}: not compiled: ${(e as { code?: string }).code} ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const ex = cpuOf(() => simulateModule(mod));
    const row: Row = { name: c.name, graphs: mod.graphs.length, units: '', exact: ex.value.cycles, exactCpu: ex.cpu, runs: [] };
    for (let seed = 1; seed <= seeds; seed++) {
      let s;
      try {
        s = cpuOf(() => simulateModuleSampled(mod, {}, { fraction: c.fraction ?? fraction, seed }, 1, estimator, design));
      } catch (e) {
        console.log(`${c.name}: sampling failed: ${(e as { code?: string }).code} ${(e as Error).message.split('\n')[0]}`);
        break;
      }
      const r = s.value;
      row.units = r.graphs.map((g) => `${g.index}:${g.sampledUnits}/${g.totalUnits}`).join(' ');
      row.runs.push({ seed, estimate: r.cycles, lo: r.ci95[0], hi: r.ci95[1], err: (r.cycles - ex.value.cycles) / ex.value.cycles, inside: ex.value.cycles >= r.ci95[0] && ex.value.cycles <= r.ci95[1], cpu: s.cpu, sampled: r.sampledUnits, total: r.totalUnits });
    }
    rows.push(row);
    const first = row.runs[0];
    console.log(
      `${c.name.padEnd(44)} graphs ${row.graphs} exact ${row.exact} (${row.exactCpu.toFixed(2)} CPU-s) | ` +
        row.runs.map((x) => `seed ${x.seed}: ${Math.round(x.estimate)} [${Math.round(x.lo)}, ${Math.round(x.hi)}] ${(100 * x.err).toFixed(2)}% ${x.inside ? 'in' : 'OUT'} ${x.cpu.toFixed(2)} s`).join(' | ') +
        (first ? ` | units ${row.units}` : ''),
    );
  }
  const all = rows.flatMap((r) => r.runs);
  if (all.length === 0) return;
  const abs = all.map((x) => Math.abs(x.err)).sort((a, b) => a - b);
  const median = abs.length % 2 ? abs[(abs.length - 1) / 2] : (abs[abs.length / 2 - 1] + abs[abs.length / 2]) / 2;
  const inside = all.filter((x) => x.inside).length;
  const exCpu = rows.reduce((a, r) => a + r.exactCpu, 0);
  const saCpu = all.reduce((a, x) => a + x.cpu, 0) / seeds;
  console.log(
    `\n${rows.length} cases x ${seeds} seeds = ${all.length} sampled runs: median |error| ${(100 * median).toFixed(2)} %, max ${(100 * abs[abs.length - 1]).toFixed(2)} %, ` +
      `exact inside the 95 % CI in ${inside}/${all.length} (${((100 * inside) / all.length).toFixed(0)} %); CPU exact ${exCpu.toFixed(1)} s, sampled ${saCpu.toFixed(1)} s per seed (${(saCpu / exCpu).toFixed(2)}x)`,
  );
  if (markdown) {
    console.log('\n| case | graphs | exact cycles | CPU-s exact | sampled units | estimate (seed 1) | 95 % CI (seed 1) | error seed 1 / 2 / 3 | exact in CI | CPU-s sampled (mean) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const f = r.runs[0];
      if (!f) continue;
      console.log(
        `| ${r.name} | ${r.graphs} | ${r.exact} | ${r.exactCpu.toFixed(2)} | ${f.sampled}/${f.total} | ${Math.round(f.estimate)} | [${Math.round(f.lo)}, ${Math.round(f.hi)}] | ${r.runs.map((x) => `${(100 * x.err).toFixed(2)} %`).join(' / ')} | ${r.runs.filter((x) => x.inside).length}/${r.runs.length} | ${(r.runs.reduce((a, x) => a + x.cpu, 0) / r.runs.length).toFixed(2)} |`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
