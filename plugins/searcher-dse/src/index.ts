import { definePlugin } from '@fuseflow/kernel/plugin-api';
import { workerCommand } from '@fuseflow/executor';
import { DseSearcher, type DseOptions } from './dse-searcher';
import { experimentCommand } from './experiment-command';

export { DseSearcher, formatSweepTable } from './dse-searcher';
export type { DseOptions, SweepRow } from './dse-searcher';
export * from './space';
export { runJob, threadCpuSeconds } from './job-handler';
export * from './experiments';
export * from './experiment-defs';
export { FIG12_MEDIUM_PLAN } from './fig12-medium-plan';
export * from './experiment-report';
export * from './figures';
export * from './figures-report';
export type { PipelineJobPayload, PipelineJobResult, SamplingSummary } from './job-handler';

const fusionChoice = {
  anyOf: [
    { type: 'string', description: "granularity: 'unfused' | 'partial' | 'full' | 'auto'" },
    {
      type: 'object',
      required: ['name', 'groups'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, groups: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 1 }, minItems: 1 } },
    },
  ],
};
const parallelLevel = {
  type: 'object',
  required: ['index', 'factor'],
  additionalProperties: false,
  properties: { index: { type: 'string' }, factor: { type: 'integer', minimum: 1 } },
};
/**
 * Options merged over the manifest backend's for one candidate: that backend's optionsSchema checks
 * them when it runs; the manifest schema (`fuseflow schema`) checks them per backend id.
 */
const backendOverrides = { type: 'object', description: "overrides of the manifest backend's options", fuseflowOptionsOf: { kind: 'backend', slot: 'backend' } };
const candidate = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fusion: fusionChoice,
    order: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    blockSize: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
    parallel: { anyOf: [{ type: 'array', items: parallelLevel }, { type: 'null' }] },
    backend: backendOverrides,
  },
};

const plugin = definePlugin<'searcher', DseOptions>('searcher', require('../package.json') as { name: string; version: string }, {
  id: 'dse',
  description: 'Design-space exploration over fusion granularity, dataflow order, block size, parallelization and backend options, with FLOPs/bytes pruning.',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      space: {
        type: 'object',
        additionalProperties: false,
        properties: {
          fusion: { type: 'array', items: fusionChoice, minItems: 1 },
          order: { type: 'array', items: candidate.properties.order, minItems: 1 },
          blockSize: { type: 'array', items: candidate.properties.blockSize, minItems: 1 },
          parallel: { type: 'array', items: candidate.properties.parallel, minItems: 1 },
          backend: { type: 'array', items: backendOverrides, minItems: 1 },
        },
      },
      strategy: { enum: ['grid', 'random', 'list'] },
      samples: { type: 'integer', minimum: 1 },
      candidates: { type: 'array', items: candidate },
      objective: { type: 'string' },
      prune: { type: 'boolean' },
      checkPruned: { type: 'boolean' },
      executor: { enum: ['auto', 'inline', 'pool'] },
      queue: { type: 'string', pattern: '^rediss?://' },
      queueName: { type: 'string' },
      threads: { type: 'integer', minimum: 1 },
      resume: { type: 'boolean' },
      fresh: { type: 'boolean', description: 'CLI --fresh: move an earlier sweep\'s results aside (timestamped) and start over' },
      budget: { type: 'integer', minimum: 1, description: 'CLI --budget: caps the number of random samples' },
      passNames: {
        type: 'object',
        additionalProperties: false,
        properties: { fusion: { type: 'string' }, order: { type: 'string' }, blocking: { type: 'string' }, parallel: { type: 'string' }, lower: { type: 'string' } },
      },
      estimateBackend: { type: 'string' },
      charts: { type: 'boolean' },
    },
  },
  defaultOptions: {
    space: { fusion: ['unfused', 'full'] },
    strategy: 'grid',
    objective: 'cycles',
    prune: true,
    checkPruned: false,
    executor: 'auto',
    resume: false,
    passNames: { fusion: 'fusion', order: 'dataflow-order', blocking: 'sparsity-blocking', parallel: 'parallelize', lower: 'lower-sam' },
    estimateBackend: 'estimate',
    charts: true,
  },
  create(options) {
    const o = options as DseOptions & { budget?: number };
    if (o.budget !== undefined && o.strategy === 'random') o.samples = Math.min(o.samples ?? o.budget, o.budget);
    return new DseSearcher(o);
  },
  commands: [experimentCommand, workerCommand],
});

export default plugin;
