import { definePlugin } from '@fuseflow/kernel/plugin-api';
import { PROGRAM_STAGE } from '@fuseflow/ir';
import { DATASET_SOURCE_PROPERTIES } from '@fuseflow/datasets';
import { ExprFrontend, type ExprFrontendOptions } from './frontend';
import { simulateCommand } from './simulate-command';

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    expr: { type: 'string', minLength: 1, description: 'one index-notation statement, e.g. "X(i,j) = B(i,k) * C(k,j)"' },
    program: { type: 'string', minLength: 1, description: 'program text or a path to a .tp file' },
    formats: { type: 'object', additionalProperties: { type: 'string' }, description: 'tensor -> format (csr, csc, dcsr, dense, bcsr-16, ...)' },
    inputs: {
      type: 'object',
      additionalProperties: {
        oneOf: [
          { type: 'string', description: '.mtx/.mtx.gz/.json file or generator spec (uniform:32x32:0.1:seed=1)' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['dataset'],
            properties: { ...DATASET_SOURCE_PROPERTIES, format: { type: 'string', description: 'storage format of the loaded data' } },
          },
        ],
      },
      description: 'tensor -> .mtx/.mtx.gz/.json file, generator spec, or { "dataset": "cora:adjacency", "format"?, "normalize"?, "selfLoops"? }',
    },
    shapes: { type: 'object', additionalProperties: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 0 } },
    order: {
      description: "loop order of the statement: 'ikj', 'i,k,j' or a list",
      oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
    },
    defaultDensity: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'density of generated sparse inputs' },
    defaultExtent: { type: 'integer', minimum: 1, description: 'extent of index variables that no shape fixes' },
    maxTensorBytes: { type: 'number', exclusiveMinimum: 0, description: "largest estimated size (bytes) of one generated or read tensor; default a quarter of the machine's memory" },
  },
} as const;

const plugin = definePlugin<'frontend', ExprFrontendOptions>('frontend', require('../package.json') as { name: string; version: string }, {
  id: 'expr',
  description: 'Index-notation statement or program text with bound tensor data (files, generators or seeded random).',
  optionsSchema,
  defaultOptions: {},
  stages: [PROGRAM_STAGE],
  create: (options) => new ExprFrontend(options),
  commands: [simulateCommand],
});

export default plugin;
