import type { Backend, FuseFlowPlugin, Report, RunContext } from '@fuseflow/kernel';
import type { ProgramModule } from '@fuseflow/ir';

/** Options of the roofline model (all > 0). */
export interface RooflineOptions {
  /** arithmetic throughput, FLOPs per cycle (default 64). */
  peakFlopsPerCycle: number;
  /** off-chip bandwidth, bytes per cycle (default 32). */
  bytesPerCycle: number;
  /** clock in GHz, for latencyS (default 1). */
  clockGHz: number;
  /** bytes per stored value (default 4). */
  valueBytes: 1 | 2 | 4 | 8;
  /** bytes per sparse-level coordinate or segment entry (default 4). */
  indexBytes: 1 | 2 | 4 | 8;
}

/** Estimate of one fusion group. */
export interface GroupEstimate {
  group: string;
  statements: string[];
  flops: number;
  bytes: number;
  computeCycles: number;
  memoryCycles: number;
  cycles: number;
  bound: 'compute' | 'memory';
}

export type RooflinePlugin = FuseFlowPlugin<RooflineOptions>;

export declare class RooflineBackend implements Backend {
  constructor(options: RooflineOptions);
  readonly id: 'roofline';
  readonly consumes: ['program'];
  run(module: ProgramModule, ctx: RunContext): Report;
}

/** Per-group roofline estimate of a program-stage module. */
export declare function estimateProgram(module: ProgramModule, options: RooflineOptions): GroupEstimate[];

declare const plugin: RooflinePlugin;
export default plugin;
