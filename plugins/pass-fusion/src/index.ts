import { passPlugin } from '@fuseflow/kernel/plugin-api';
import { FusionPass, defaultFusionOptions, fusionOptionsSchema, type FusionOptions } from './fusion-pass';

export * from './fusion-pass';

/** Cross-expression fusion: groups TensorProgram statements into fused kernels. */
const plugin = passPlugin<FusionOptions>(require('../package.json') as { name: string; version: string }, {
  id: 'fusion',
  description: 'Group statements into fusion groups: unfused | full | partial (per layer) | explicit | auto (estimator).',
  optionsSchema: fusionOptionsSchema,
  defaultOptions: defaultFusionOptions,
  create: (options) => new FusionPass(options),
});

export default plugin;
