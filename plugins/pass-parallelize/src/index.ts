import { PASS, PLUGIN_API_VERSION, type FuseFlowPlugin } from '@fuseflow/kernel/plugin-api';
import { ParallelizePass, defaultParallelizeOptions, parallelizeOptionsSchema, type ParallelizeOptions } from './parallelize';

export * from './parallelize';

/** Stream parallelization: deal a level's coordinates round-robin to P lanes (fork/join). */
const plugin: FuseFlowPlugin<ParallelizeOptions> = {
  name: '@fuseflow/pass-parallelize',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: 'pass',
  id: 'parallelize',
  description: 'Parallelize a stream level with factor P (round-robin fork/join); several levels allowed.',
  optionsSchema: parallelizeOptionsSchema as unknown as Record<string, unknown>,
  defaultOptions: defaultParallelizeOptions,
  register(container, options) {
    container.register(PASS, { useValue: new ParallelizePass(options) });
  },
};

export default plugin;
