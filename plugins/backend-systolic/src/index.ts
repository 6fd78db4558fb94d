import { BACKEND, type FuseFlowPlugin } from './deps';
import { SystolicBackend } from './backend';
import { systolicCliCommand } from './cli';
import { defaultOptions, optionsSchema, type SystolicBackendOptions } from './options';

export * from './accelbench';
export * from './backend';
export * from './cli';
export * from './constants';
export * from './design-space';
export * from './options';
export * from './report';
export * from './systolic';
export * from './topology';
export * from './workload';

const pkg = require('../package.json') as { name: string; version: string };

/** The plugin object: backend 'systolic', consumes the 'model' stage. */
const plugin: FuseFlowPlugin<SystolicBackendOptions> = {
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  kind: 'backend',
  id: 'systolic',
  description: 'Systolic CNN accelerator (SCALE-Sim array model) and the AccelBench accelerator: latency, energy, area over a design space',
  optionsSchema: optionsSchema as unknown as Record<string, unknown>,
  defaultOptions,
  register(container, options) {
    container.register(BACKEND, { useValue: new SystolicBackend(options) });
  },
  commands: [systolicCliCommand],
};

export default plugin;
