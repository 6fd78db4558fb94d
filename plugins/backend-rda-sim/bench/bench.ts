/*
 * Bench: SpMSpM (1k x 1k at 1%, ikj and kij) and a GCN-layer graph (relu(A*H), A = Cora-size
 * power-law graph, H dense 2708 x 16), on both engines. Per case: simulated cycles, channel token
 * transfers, and for the fast engine the median over RUNS runs of
 *   - engine CPU: the engine loop alone (GraphResult.engineSeconds),
 *   - whole CPU: simulateGraph end to end (instantiating the graph, the engine loop, assembling
 *     the output tensor; inputs are handed over already in the graph's formats),
 * after one warm-up run (reported apart as the first, cold run: V8 compiles the hot loops in it),
 * with M token transfers per CPU-second for both, wall beside CPU, and the reference engine's CPU
 * (one run: it is 10-50x slower) with the fast/reference ratio. The machine is shared, so CPU
 * time (process.cpuUsage) is the fair single-core figure. The fast engine must match the
 * reference in cycles, tokens and the output tensor; the bench fails otherwise. All fast runs
 * happen before any reference run so the fast engine's call sites stay monomorphic (one channel
 * class), as in a normal pipeline run.
 *   npm run bench             (full)      npm run bench -- --quick   (300 x 300, 3 runs)
 *   npm run bench -- --runs 9 --json     (more runs; machine-readable rows)
 */
import { compareTensors, powerLawGraph, uniformRandom, type DataflowGraph, type TensorBindings } from '@fuseflow/ir';
import * as K from '../src/kernels';
import { restore, simulateGraph, type GraphResult } from '../src/simulate';

interface Run {
  engineCpuS: number;
  wholeCpuS: number;
  wallS: number;
  r: GraphResult;
}

function cpuS(c: NodeJS.CpuUsage): number {
  return (c.user + c.system) / 1e6;
}

function once(graph: DataflowGraph, data: TensorBindings, engine: 'fast' | 'reference'): Run {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  const r = simulateGraph(graph, data, { engine });
  const whole = cpuS(process.cpuUsage(c0));
  return { engineCpuS: r.engineSeconds, wholeCpuS: whole, wallS: (performance.now() - w0) / 1e3, r };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 3 : 7;
if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error(`--runs must be a positive integer, got '${args[runsArg + 1]}'`);
const n = quick ? 300 : 1000;
const B = uniformRandom({ shape: [n, n], density: 0.01, seed: 1, format: 'dcsr' });
const C = uniformRandom({ shape: [n, n], density: 0.01, seed: 2, format: 'dcsr' });
const A = powerLawGraph({ dataset: 'cora', seed: 1 });
const feats = 16;
const H = uniformRandom({ shape: [A.shape[0], feats], density: 1, seed: 3, format: 'dense' });
const raw: Array<[string, DataflowGraph, TensorBindings]> = [
  [`SpMSpM ikj ${n}^2 1%`, K.spmspm('ikj', n, n, n).graph, { B, C }],
  [`SpMSpM kij ${n}^2 1%`, K.spmspm('kij', n, n, n, 'dcsc', 'dcsr').graph, { B, C }],
  [`GCN layer relu(A*H), A ${A.shape[0]}^2 power-law, H x${feats}`, K.gcnLayer(A.shape[0], feats).graph, { A, H }],
];
// Inputs in the formats the graph declares, so the whole-simulation time has no format conversion.
const cases = raw.map(([name, g, d]) => [name, g, Object.fromEntries(Object.entries(d).map(([k, t]) => [k, restore(t, g, k)]))] as const);

const cold: Run[] = [];
const fast = cases.map(([, g, d]) => {
  cold.push(once(g, d, 'fast'));
  return Array.from({ length: RUNS }, () => once(g, d, 'fast'));
});
const ref = cases.map(([, g, d]) => once(g, d, 'reference'));

const rows = cases.map(([name, g], i) => {
  const f = fast[i];
  const r = ref[i];
  for (const x of f) {
    if (x.r.cycles !== r.r.cycles || x.r.tokens !== r.r.tokens) {
      throw new Error(`${g.name}: engines disagree (fast ${x.r.cycles} cycles / ${x.r.tokens} tokens, reference ${r.r.cycles} / ${r.r.tokens})`);
    }
  }
  const same = compareTensors(f[0].r.output, r.r.output, { rtol: 0, atol: 0 });
  if (!same.equal) throw new Error(`${g.name}: engines produce different output tensors: ${same.message}`);
  const eng = median(f.map((x) => x.engineCpuS));
  const whole = median(f.map((x) => x.wholeCpuS));
  const tokens = r.r.tokens;
  return {
    case: name,
    cycles: r.r.cycles,
    tokens,
    runs: RUNS,
    fastEngineCpuS: +eng.toFixed(4),
    fastWholeCpuS: +whole.toFixed(4),
    fastWholeWallS: +median(f.map((x) => x.wallS)).toFixed(4),
    mTokPerEngineCpuS: +(tokens / eng / 1e6).toFixed(1),
    mTokPerWholeCpuS: +(tokens / whole / 1e6).toFixed(1),
    coldWholeCpuS: +cold[i].wholeCpuS.toFixed(4),
    minMaxEngineMTok: `${(tokens / Math.max(...f.map((x) => x.engineCpuS)) / 1e6).toFixed(1)}-${(tokens / Math.min(...f.map((x) => x.engineCpuS)) / 1e6).toFixed(1)}`,
    refEngineCpuS: +r.engineCpuS.toFixed(3),
    refWholeCpuS: +r.wholeCpuS.toFixed(3),
    fastOverRefEngine: +(r.engineCpuS / eng).toFixed(1),
    fastOverRefWhole: +(r.wholeCpuS / whole).toFixed(1),
  };
});

if (args.includes('--json')) console.log(JSON.stringify(rows, null, 2));
for (const x of rows) {
  console.log(
    `${x.case}: ${x.cycles} cycles, ${x.tokens} token transfers, fast == reference | fast (median of ${x.runs}): engine ${x.fastEngineCpuS} CPU-s = ${x.mTokPerEngineCpuS} M tok/CPU-s (runs ${x.minMaxEngineMTok}), whole ${x.fastWholeCpuS} CPU-s (${x.fastWholeWallS} wall-s) = ${x.mTokPerWholeCpuS} M tok/CPU-s; first (cold) run whole ${x.coldWholeCpuS} CPU-s | reference: engine ${x.refEngineCpuS} CPU-s, whole ${x.refWholeCpuS} CPU-s | fast/reference ${x.fastOverRefEngine}x engine, ${x.fastOverRefWhole}x whole`,
  );
}
console.table(rows.map(({ minMaxEngineMTok: _m, ...x }) => x));
