import { definePlugin } from './deps';
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

/** The plugin object: backend 'systolic', consumes the 'model' stage. */
const plugin = definePlugin<'backend', SystolicBackendOptions>('backend', require('../package.json') as { name: string; version: string }, {
  id: 'systolic',
  description: 'Systolic CNN accelerator (SCALE-Sim array model) and the AccelBench accelerator: latency, energy, area over a design space',
  optionsSchema,
  defaultOptions,
  create: (options) => new SystolicBackend(options),
  commands: [systolicCliCommand],
});

export default plugin;
