// Lowering cost and graph sizes of a Cora-size 2-layer GCN at three fusion granularities.
// usage (from plugins/pass-lower-sam): TS_NODE_TRANSPILE_ONLY=1 TS_NODE_COMPILER_OPTIONS='{"module":"commonjs","moduleResolution":"node"}' node --conditions=@fuseflow/source -r ts-node/register bench/lower.bench.ts
import { gcnBiasProgram, type TensorProgram } from '@fuseflow/ir';
import { lowerProgram, graphStats } from '../src';

const p = gcnBiasProgram(2708, 1433, 16, 7);
const configs: Record<string, string[][]> = {
  unfused: [['s0'], ['s1'], ['s2'], ['s3'], ['s4']],
  partial: [['s0', 's1', 's2'], ['s3', 's4']],
  full: [['s0', 's1', 's2', 's3', 's4']],
};
for (const [name, groups] of Object.entries(configs)) {
  const q: TensorProgram = { ...p, groups: groups.map((s, i) => ({ name: `g${i}`, statements: s })) };
  const t0 = performance.now();
  let graphs = lowerProgram(q);
  for (let r = 0; r < 20; r++) graphs = lowerProgram(q);
  const ms = (performance.now() - t0) / 21;
  const st = graphs.map(graphStats);
  const sum = (k: string) => st.reduce((a, s) => a + (s[k] ?? 0), 0);
  console.log(`${name.padEnd(8)} graphs=${graphs.length} nodes=${sum('nodes')} channels=${sum('channels')} spacc=${sum('spacc1') + sum('spacc2')} reduce=${sum('reduce')} lower=${ms.toFixed(2)} ms`);
}
