// Lowering cost and graph sizes of a Cora-size 2-layer GCN at three fusion granularities.
// usage (from plugins/pass-lower-sam): TS_NODE_TRANSPILE_ONLY=1 TS_NODE_COMPILER_OPTIONS='{"module":"commonjs","moduleResolution":"node"}' node --conditions=@fuseflow/source -r ts-node/register bench/lower.bench.ts
import { parseProgram, type TensorProgram } from '@fuseflow/ir';
import { lowerProgram, graphStats } from '../src';

const GCN = `
program gcn
tensor A(2708,2708): dcsr input
tensor X(2708,1433): dcsr input
tensor W1(1433,16): dense input
tensor b1(16): dense input
tensor W2(16,7): dense input
tensor T1(2708,1433): dcsr intermediate
tensor T2(2708,16): dcsr intermediate
tensor H(2708,16): dcsr intermediate
tensor T3(2708,16): dcsr intermediate
tensor Z(2708,7): dcsr output
s0: T1(i,f) = A(i,k) * X(k,f)
s1: T2(i,h) = T1(i,f) * W1(f,h)
s2: H(i,h) = relu(T2(i,h) + b1(h))
s3: T3(i,h) = A(i,k) * H(k,h)
s4: Z(i,c) = T3(i,h) * W2(h,c)
`;
const p = parseProgram(GCN);
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
