/* Parallel scaling of the forked SpMV (cycles vs lanes) on a 2000 x 2000, 1% CSR matrix. */
import { uniformRandom } from '@fuseflow/ir';
import * as K from '../src/kernels';
import { simulateModule } from '../src/simulate';
const A = uniformRandom({ shape: [2000, 2000], density: 0.01, seed: 1, format: 'csr' });
const x = uniformRandom({ shape: [2000], density: 1, seed: 2, format: 'dense' });
const base = simulateModule(K.spmv(2000, 2000).module({ A, x })).cycles;
console.log(`lanes 1: ${base} cycles`);
for (const l of [2, 4, 8]) {
  const r = simulateModule(K.spmvParallel(2000, 2000, l).module({ A, x }));
  console.log(`lanes ${l}: ${r.cycles} cycles, speedup ${(base / r.cycles).toFixed(2)}x, valuesChecked ${r.valuesChecked}`);
}
