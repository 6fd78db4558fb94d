import { FuseFlowError, definePlugin, type IrModule, type Pass, type RunContext } from '@fuseflow/kernel/plugin-api';
import { DATAFLOW_STAGE, orderFusedGroups, statsFromData, type DataflowGraph, type DataflowModule, type ProgramModule } from '@fuseflow/ir';
import { lowerProgram } from './lower';

/** Options of the 'lower-sam' pass. */
export interface LowerSamOptions {
  /** use locate instead of co-iterating a dense level against a sparse one. */
  locate: boolean;
  /** drop output coordinates whose fibers turned out empty (crd_drop after intersections). */
  exactPresence: boolean;
  /**
   * loop order of a fused group (several statements) that has none (pass-dataflow-order did not
   * run): 'best-estimate' searches the estimator's best order, 'first' takes enumerated order #0
   * (the reference compiler's default, which can recompute softmax / LayerNorm row statistics per
   * element: 10^3-10^4x the work on the bundled models).
   */
  fusedOrder: 'best-estimate' | 'first';
}

/** Node/channel counts of a graph, by primitive kind. */
export function graphStats(g: DataflowGraph): Record<string, number> {
  const out: Record<string, number> = { nodes: g.nodes.length, channels: g.channels.length };
  for (const n of g.nodes) out[n.kind] = (out[n.kind] ?? 0) + 1;
  return out;
}

/** TensorProgram -> one SAM DataflowGraph per fusion group. */
export class LowerSamPass implements Pass {
  readonly id = 'lower-sam';
  readonly reads = 'program';
  readonly writes = 'dataflow';

  constructor(private readonly options: Partial<LowerSamOptions> = {}) {}

  run(ir: IrModule, ctx?: RunContext): DataflowModule {
    const m = ir as ProgramModule;
    if (!m.program) throw new FuseFlowError('FF_INPUT_INVALID', `lower-sam expects a 'program' module with a program, got stage '${ir.stage}'`);
    const { program: ordered, searched } = this.options.fusedOrder === 'first' ? { program: m.program, searched: 0 } : orderFusedGroups(m.program, m.data ? statsFromData(m.program, m.data) : {});
    const graphs = lowerProgram(ordered, { locate: this.options.locate ?? true, exactPresence: this.options.exactPresence ?? true });
    if (searched > 0) ctx?.stat?.('orderedGroups', searched);
    if (ctx?.stat) {
      ctx.stat('graphs', graphs.length);
      ctx.stat('nodes', graphs.reduce((a, g) => a + g.nodes.length, 0));
      ctx.stat('channels', graphs.reduce((a, g) => a + g.channels.length, 0));
    }
    const { stage: _stage, program: _unordered, data, ...rest } = m;
    // per-graph primitive counts, for reports and the FLOPs/bytes comparisons of fusion configurations
    const loweringStats = graphs.map((g) => ({ graph: g.name, ...graphStats(g) }));
    return { ...rest, stage: 'dataflow', program: ordered, data, graphs, loweringStats };
  }
}

const plugin = definePlugin<'pass', LowerSamOptions>('pass', require('../package.json') as { name: string; version: string }, {
  id: 'lower-sam',
  description: 'Lowers a TensorProgram (one graph per fusion group) to SAM dataflow graphs.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      locate: { type: 'boolean', default: true, description: 'iterate the sparse operand and locate into a dense level instead of co-iterating' },
      exactPresence: { type: 'boolean', default: true, description: 'insert crd_drop so that empty output fibers are not written' },
      fusedOrder: {
        enum: ['best-estimate', 'first'],
        default: 'best-estimate',
        description: "loop order of a fused group without one: the estimator's best ('best-estimate') or enumerated order #0 ('first')",
      },
    },
  },
  defaultOptions: { locate: true, exactPresence: true, fusedOrder: 'best-estimate' },
  stages: [DATAFLOW_STAGE],
  create: (options) => new LowerSamPass(options),
});

export default plugin;
