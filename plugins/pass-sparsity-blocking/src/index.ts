import { PASS, PLUGIN_API_VERSION, type FuseFlowPlugin } from '@fuseflow/kernel/plugin-api';
import { SparsityBlockingPass, defaultSparsityBlockingOptions, sparsityBlockingOptionsSchema, type SparsityBlockingOptions } from './blocking';

export * from './blocking';

/** Sparsity blocking: store sparse matrices as N x N tiles so tokens carry tiles (block timing). */
const plugin: FuseFlowPlugin<SparsityBlockingOptions> = {
  name: '@fuseflow/pass-sparsity-blocking',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: 'pass',
  id: 'sparsity-blocking',
  description: 'Block sparse matrices into N x N tiles (formats and bound data); sets schedule.blocking.',
  optionsSchema: sparsityBlockingOptionsSchema as unknown as Record<string, unknown>,
  defaultOptions: defaultSparsityBlockingOptions,
  register(container, options) {
    container.register(PASS, { useValue: new SparsityBlockingPass(options) });
  },
};

export default plugin;
