import { uniformRandom } from '@fuseflow/ir';
import * as K from '/work/main/plugins/backend-rda-sim/src/kernels';
import { simulateGraph } from '/work/main/plugins/backend-rda-sim/src/simulate';
const n = 1000;
const B = uniformRandom({ shape: [n, n], density: 0.01, seed: 1, format: 'dcsr' });
const C = uniformRandom({ shape: [n, n], density: 0.01, seed: 2, format: 'dcsr' });
const g = process.argv.includes('kij') ? K.spmspm('kij', n, n, n, 'dcsc', 'dcsr').graph : K.spmspm('ikj', n, n, n).graph;
for (let i = 0; i < 5; i++) { const r = simulateGraph(g, { B, C }); console.log(r.ms.toFixed(1), "ms", r.cpuMs.toFixed(1), "cpu ms", (r.tokens / r.cpuMs / 1e3).toFixed(2), "M/s cpu", r.tokens, 'tokens', (r.tokens / r.ms / 1e3).toFixed(2), 'M/s', r.cycles); }
