/*
 * Benchmarks for @fuseflow/ir (not a test): CSR memory per nonzero, graph generation time for
 * the dataset sizes, format conversion, and the reference evaluator on a Cora-size GCN layer.
 * Run: npm run bench -w @fuseflow/ir   (add `-- --full` for Collab-size conversion and A*X with all
 * 1433 Cora features).
 */
import { loadavg } from 'node:os';
import {
  DATASETS,
  convert,
  denseRandom,
  evaluateProgram,
  nnz,
  parseFormat,
  parseProgram,
  powerLawGraph,
  storageBytes,
  uniformRandom,
  type DatasetKey,
} from '../src/index';

const full = process.argv.includes('--full');

/** Wall-clock and CPU (user + system) milliseconds: CPU time stays meaningful on a loaded machine. */
function time<T>(f: () => T): { value: T; ms: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (c.user + c.system) / 1000 };
}

function row(cells: Array<string | number>): void {
  console.log(cells.map((c) => String(c).padEnd(14)).join(' '));
}

console.log(`node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()[0].toFixed(1)}\n`);

console.log('== Graph generation (powerLawGraph, DCSR, seed 1) ==');
row(['dataset', 'nodes', 'entries', 'target', 'error %', 'gen ms', 'gen cpu ms', 'CSR B/nnz']);
powerLawGraph({ dataset: 'cora', seed: 0 }); // warm-up (JIT)
const keys: DatasetKey[] = full ? ['cora', 'cora_ml', 'dblp', 'collab', 'mag'] : ['cora', 'cora_ml', 'dblp', 'collab'];
for (const key of keys) {
  const ds = DATASETS[key];
  const { value: g, ms, cpuMs } = time(() => powerLawGraph({ dataset: key, seed: 1 }));
  const csr = convert(g, parseFormat('csr', 2));
  const n = nnz(g);
  row([key, ds.nodes, n, ds.edges, ((100 * (n - ds.edges)) / ds.edges).toFixed(3), ms.toFixed(0), cpuMs.toFixed(0), (storageBytes(csr) / n).toFixed(2)]);
}

console.log('\n== CSR memory per nonzero (uniformRandom 10000 x 10000) ==');
row(['density', 'nnz', 'bytes', 'B/nnz']);
for (const density of [0.0001, 0.001, 0.01]) {
  const t = uniformRandom({ shape: [10000, 10000], density, seed: 2, format: 'csr' });
  const n = nnz(t);
  row([density, n, storageBytes(t), (storageBytes(t) / n).toFixed(2)]);
}
console.log('(pos: Int32 per row + 1, crd: Int32 per nnz, vals: Float64 per nnz => 12 B/nnz + 4 B/row)');

console.log('\n== Format conversion ==');
for (const key of full ? (['dblp', 'collab'] as const) : (['dblp'] as const)) {
  const big = powerLawGraph({ dataset: key, seed: 1 });
  // bcsr-16 stores a full 16x16 tile per touched block: on a scattered graph that is up to 256
  // values per edge, so it is only measured on the DBLP-size graph.
  for (const spec of key === 'dblp' ? ['csr', 'csc', 'coo', 'bcsr-16'] : ['csr', 'csc', 'coo']) {
    const { ms, cpuMs } = time(() => convert(big, parseFormat(spec, 2)));
    row([`${key} dcsr -> ${spec}`, `${nnz(big)} nnz`, `${ms.toFixed(0)} ms`, `cpu ${cpuMs.toFixed(0)} ms`]);
  }
}

console.log('\n== Reference evaluator: Cora-size GCN layer ==');
const A = powerLawGraph({ dataset: 'cora', seed: 1 });
const gcn = (F: number): ReturnType<typeof parseProgram> =>
  parseProgram(
    [
      `tensor A(2708,2708): dcsr input`,
      `tensor X(2708,${F}): dense input`,
      `tensor W(${F},16): dense input`,
      `tensor T(2708,${F}): dense intermediate`,
      `tensor Y(2708,16): dense output`,
      `s0: T(i,j) = A(i,k) * X(k,j)`,
      `s1: Y(i,l) = relu(sum(j, T(i,j) * W(j,l)))`,
    ].join('\n'),
  );
for (const F of full ? [16, 1433] : [16]) {
  const X = denseRandom({ shape: [2708, F], seed: 3 });
  const W = denseRandom({ shape: [F, 16], seed: 4 });
  const { ms, cpuMs } = time(() => evaluateProgram(gcn(F), { A, X, W }));
  row([`F = ${F}`, `${nnz(A)} nnz`, `${ms.toFixed(0)} ms`, `cpu ${cpuMs.toFixed(0)} ms`, `(${nnz(A) * F} + ${2708 * F * 16} points)`]);
}
