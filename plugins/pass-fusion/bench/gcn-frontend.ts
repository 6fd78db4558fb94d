/*
 * Bench-only frontend plugin: a 2-layer GCN  Z = A_hat relu(A_hat X W1) W2  on a seeded power-law
 * graph with a published dataset's node/edge counts (packages/ir DATASETS) or explicit sizes.
 * Loaded by path from the bench manifests, so the bench drives the real pipeline through the kernel.
 */
import { FRONTEND, PLUGIN_API_VERSION, type FuseFlowPlugin, type Frontend, type IrModule } from '@fuseflow/kernel';
import {
  DATASETS,
  denseRandom,
  gcnNormalizedAdjacency,
  gcnProgram,
  parseProgram,
  powerLawGraph,
  uniformRandom,
  type DatasetKey,
  type ProgramModule,
} from '@fuseflow/ir';

export interface GcnBenchOptions {
  dataset?: DatasetKey;
  nodes?: number;
  edges?: number;
  features?: number;
  hidden: number;
  classes?: number;
  seed: number;
  /** density of the sparse (DCSR) weights; the artifact's generator zeroes 60%. */
  weightDensity: number;
  /** 'gcn' (default) or 'spmm' (Y = A_hat X only: the parallel-scaling kernel). */
  kernel?: 'gcn' | 'spmm';
}

/** The unfused GCN program (one statement per op), no biases: @fuseflow/ir's, shared with the fusion tests. */
export { gcnProgram };

/** Program + generated data (A_hat = D^-1/2 (A+I) D^-1/2 of a power-law graph). */
export function gcnModule(o: Partial<GcnBenchOptions>): ProgramModule {
  const seed = o.seed ?? 25;
  const ds = o.dataset ? DATASETS[o.dataset] : undefined;
  const n = o.nodes ?? ds?.nodes ?? 2708;
  const e = o.edges ?? ds?.edges ?? 10556;
  const f = o.features ?? ds?.features ?? 1433;
  const c = o.classes ?? ds?.classes ?? 7;
  const h = o.hidden ?? 16;
  const wd = o.weightDensity ?? 0.4;
  const A = gcnNormalizedAdjacency(powerLawGraph({ nodes: n, edges: e, seed, format: 'dcsr' }));
  const X = denseRandom({ shape: [n, f], seed: seed + 1 });
  if (o.kernel === 'spmm') {
    const program = parseProgram(`
program spmm
tensor A(${n},${n}): dcsr input
tensor X(${n},${f}): dense input
tensor Y(${n},${f}): dense output
s0: Y(i,j) = A(i,k) * X(k,j)
`);
    return { stage: 'program', program, data: { A, X } };
  }
  const program = gcnProgram(n, f, h, c);
  const W1 = uniformRandom({ shape: [f, h], density: wd, seed: seed + 2, format: 'dcsr' });
  const W2 = uniformRandom({ shape: [h, c], density: wd, seed: seed + 3, format: 'dcsr' });
  return { stage: 'program', program, data: { A, X, W1, W2 } };
}

class GcnFrontend implements Frontend {
  readonly id = 'gcn-bench';
  constructor(private readonly o: Partial<GcnBenchOptions>) {}
  load(): IrModule {
    return gcnModule(this.o) as unknown as IrModule;
  }
}

const plugin: FuseFlowPlugin<Partial<GcnBenchOptions>> = {
  name: 'gcn-bench-frontend',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: 'frontend',
  id: 'gcn-bench',
  register(container, options) {
    container.register(FRONTEND, { useValue: new GcnFrontend(options) });
  },
};
export default plugin;
