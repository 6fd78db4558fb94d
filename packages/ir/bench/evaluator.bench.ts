/* Evaluator timing on a Cora-size GCN layer (not a test). Run: node --conditions=@fuseflow/source -r @swc-node/register bench/evaluator.bench.ts [F] [reps] */
import { denseRandom, evaluateProgram, parseProgram, powerLawGraph } from '../src/index';

const F = Number(process.argv[2] ?? 16);
const A = powerLawGraph({ dataset: 'cora', seed: 1 });
const X = denseRandom({ shape: [2708, F], seed: 3 });
const W = denseRandom({ shape: [F, 16], seed: 4 });
const p = parseProgram(
  [
    'tensor A(2708,2708): dcsr input',
    `tensor X(2708,${F}): dense input`,
    `tensor W(${F},16): dense input`,
    `tensor T(2708,${F}): dense intermediate`,
    'tensor Y(2708,16): dense output',
    's0: T(i,j) = A(i,k) * X(k,j)',
    's1: Y(i,l) = relu(sum(j, T(i,j) * W(j,l)))',
  ].join('\n'),
);
const reps = Number(process.argv[3] ?? 3);
for (let rep = 0; rep < reps; rep++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  evaluateProgram(p, { A, X, W });
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`F=${F} run ${rep}: ${wall.toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms cpu`);
}
