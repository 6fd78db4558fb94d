/*
 * Bench: SpMSpM (1k x 1k at 1%, ikj and kij) and a GCN-layer graph (relu(A*H), A = Cora-size
 * power-law graph, H dense 2708 x 16), on both engines. Reports wall and CPU time of the
 * simulation proper, cycles, channel-token transfers per CPU-second, and the fast/reference
 * ratio. The machine is shared, so CPU time (process.cpuUsage) is the fair single-core figure.
 * All fast runs happen before any reference run so the fast engine's call sites stay
 * monomorphic (one channel class), as in a normal pipeline run.
 *   npm run bench            (full)      npm run bench -- --quick   (300 x 300)
 */
import { powerLawGraph, uniformRandom, type DataflowGraph, type TensorBindings } from '@fuseflow/ir';
import * as K from '../src/kernels';
import { simulateGraph } from '../src/simulate';

interface Row {
  case: string;
  engine: string;
  wallMs: number;
  cpuMs: number;
  cycles: number;
  tokens: number;
  mTokPerCpuS: number;
}

function time(graph: DataflowGraph, data: TensorBindings, engine: 'fast' | 'reference', reps: number): Row {
  let best: ReturnType<typeof simulateGraph> | undefined;
  for (let i = 0; i < reps; i++) {
    const r = simulateGraph(graph, data, { engine });
    if (!best || r.cpuMs < best.cpuMs) best = r;
  }
  const r = best!;
  return { case: graph.name, engine, wallMs: +r.ms.toFixed(1), cpuMs: +r.cpuMs.toFixed(1), cycles: r.cycles, tokens: r.tokens, mTokPerCpuS: +(r.tokens / r.cpuMs / 1e3).toFixed(2) };
}

const quick = process.argv.includes('--quick');
const n = quick ? 300 : 1000;
const B = uniformRandom({ shape: [n, n], density: 0.01, seed: 1, format: 'dcsr' });
const C = uniformRandom({ shape: [n, n], density: 0.01, seed: 2, format: 'dcsr' });
const A = powerLawGraph({ dataset: 'cora', seed: 1 });
const feats = 16;
const H = uniformRandom({ shape: [A.shape[0], feats], density: 1, seed: 3, format: 'dense' });
const cases: Array<[DataflowGraph, TensorBindings]> = [
  [K.spmspm('ikj', n, n, n).graph, { B, C }],
  [K.spmspm('kij', n, n, n, 'dcsc', 'dcsr').graph, { B, C }],
  [K.gcnLayer(A.shape[0], feats).graph, { A, H }],
];
const fast = cases.map(([g, d]) => time(g, d, 'fast', 5));
const ref = cases.map(([g, d]) => time(g, d, 'reference', 1));
const rows: Row[] = [];
cases.forEach(([g], i) => {
  const f = fast[i];
  const r = ref[i];
  if (f.cycles !== r.cycles || f.tokens !== r.tokens) throw new Error(`${g.name}: engines disagree (${f.cycles} vs ${r.cycles} cycles)`);
  rows.push(f, r);
  console.log(
    `${g.name}: ${f.cycles} cycles, ${f.tokens} token transfers | fast ${f.cpuMs} ms cpu (${f.wallMs} wall), ${f.mTokPerCpuS} M tok/s | reference ${r.cpuMs} ms cpu, ${r.mTokPerCpuS} M tok/s | fast/reference ${(r.cpuMs / f.cpuMs).toFixed(1)}x`,
  );
});
console.table(rows);
