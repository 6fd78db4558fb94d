import { passPlugin } from '@fuseflow/kernel/plugin-api';
import { ParallelizePass, defaultParallelizeOptions, parallelizeOptionsSchema, type ParallelizeOptions } from './parallelize';

export * from './parallelize';

/** Stream parallelization: deal a level's coordinates round-robin to P lanes (fork/join). */
const plugin = passPlugin<ParallelizeOptions>(require('../package.json') as { name: string; version: string }, {
  id: 'parallelize',
  description: 'Parallelize a stream level with factor P (round-robin fork/join); several levels allowed.',
  optionsSchema: parallelizeOptionsSchema,
  defaultOptions: defaultParallelizeOptions,
  create: (options) => new ParallelizePass(options),
});

export default plugin;
