import type { Backend, IrModule, Report } from '@fuseflow/kernel/plugin-api';
import { definePlugin } from '@fuseflow/kernel/plugin-api';
import { estimateCost, expectProgramModule, orderFusedGroups, statsFromData, statsFromManifest, type ManifestStats } from '@fuseflow/ir';

export interface EstimateOptions {
  /** nnz statistics per tensor given by hand (overrides what the bound data says). */
  stats?: ManifestStats;
  /**
   * loop order of a fused group without one: 'best-estimate' (as lower-sam picks it, so estimate and
   * simulation agree) or 'first' (enumerated order #0).
   */
  fusedOrder?: 'best-estimate' | 'first';
}

/**
 * Reports the analytic FLOPs and bytes moved of a program's fusion configuration instead of
 * simulating it: the ranking the design-space explorer prunes with, and a quick what-if tool.
 */
export class EstimateBackend implements Backend {
  readonly id = 'estimate';
  readonly consumes = ['program', 'dataflow'];

  constructor(private readonly options: EstimateOptions = {}) {}

  run(ir: IrModule): Report {
    const mod = expectProgramModule(ir, 'estimate');
    const stats = {
      ...statsFromData(mod.program, mod.data ?? {}),
      ...(this.options.stats ? statsFromManifest(mod.program, this.options.stats) : {}),
    };
    const program = this.options.fusedOrder === 'first' ? mod.program : orderFusedGroups(mod.program, stats).program;
    const cost = estimateCost(program, stats);
    const lines = [
      `${'group'.padEnd(12)} ${'statements'.padEnd(28)} ${'flops'.padStart(14)} ${'bytes'.padStart(14)}`,
      ...cost.perGroup.map(
        (g) => `${g.group.padEnd(12)} ${g.statements.join(',').slice(0, 28).padEnd(28)} ${String(g.flops).padStart(14)} ${String(g.bytes).padStart(14)}`,
      ),
      `${'total'.padEnd(12)} ${''.padEnd(28)} ${String(cost.flops).padStart(14)} ${String(cost.bytes).padStart(14)}`,
    ];
    return {
      backend: this.id,
      metrics: { flops: cost.flops, bytes: cost.bytes, groups: cost.perGroup.length },
      details: cost,
      text: lines.join('\n'),
    };
  }
}

const plugin = definePlugin<'backend', EstimateOptions>('backend', require('../package.json') as { name: string; version: string }, {
  id: 'estimate',
  description: 'Analytic FLOPs / bytes-moved estimate of each fusion configuration (no simulation).',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stats: {
        type: 'object',
        description: 'per-tensor statistics overriding the bound data, e.g. {"A": {"density": 0.01}}',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: {
            density: { type: 'number', minimum: 0, maximum: 1 },
            nnz: { type: 'number', minimum: 0 },
            levelFibers: { type: 'array', items: { type: 'number', minimum: 0 }, description: 'stored fibers after each level, in level order' },
            modeNonEmpty: { type: 'array', items: { type: 'number', minimum: 0 }, description: 'distinct present coordinates per mode' },
          },
        },
      },
      fusedOrder: { enum: ['best-estimate', 'first'], default: 'best-estimate', description: "loop order of a fused group without one (as lower-sam's)" },
    },
  },
  defaultOptions: {},
  create: (options) => new EstimateBackend(options),
});

export default plugin;
