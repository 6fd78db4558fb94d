import { passPlugin } from '@fuseflow/kernel/plugin-api';
import { SparsityBlockingPass, defaultSparsityBlockingOptions, sparsityBlockingOptionsSchema, type SparsityBlockingOptions } from './blocking';

export * from './blocking';

/** Sparsity blocking: store sparse matrices as N x N tiles so tokens carry tiles (block timing). */
const plugin = passPlugin<SparsityBlockingOptions>(require('../package.json') as { name: string; version: string }, {
  id: 'sparsity-blocking',
  description: 'Block sparse matrices into N x N tiles (formats and bound data); sets schedule.blocking.',
  optionsSchema: sparsityBlockingOptionsSchema,
  defaultOptions: defaultSparsityBlockingOptions,
  create: (options) => new SparsityBlockingPass(options),
});

export default plugin;
