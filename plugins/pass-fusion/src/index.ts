import { PASS, PLUGIN_API_VERSION, type FuseFlowPlugin } from '@fuseflow/kernel/plugin-api';
import { FusionPass, defaultFusionOptions, fusionOptionsSchema, type FusionOptions } from './fusion-pass';

export * from './fusion-pass';

/** Cross-expression fusion: groups TensorProgram statements into fused kernels. */
const plugin: FuseFlowPlugin<FusionOptions> = {
  name: '@fuseflow/pass-fusion',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: 'pass',
  id: 'fusion',
  description: 'Group statements into fusion groups: unfused | full | partial (per layer) | explicit | auto (estimator).',
  optionsSchema: fusionOptionsSchema as unknown as Record<string, unknown>,
  defaultOptions: defaultFusionOptions,
  register(container, options) {
    container.register(PASS, { useValue: new FusionPass(options) });
  },
};

export default plugin;
