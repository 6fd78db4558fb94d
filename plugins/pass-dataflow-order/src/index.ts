import { passPlugin } from '@fuseflow/kernel/plugin-api';
import { DataflowOrderPass, defaultDataflowOrderOptions, dataflowOrderOptionsSchema, type DataflowOrderOptions } from './dataflow-order';

export * from './dataflow-order';

/** Dataflow (loop) order selection for every fusion group. */
const plugin = passPlugin<DataflowOrderOptions>(require('../package.json') as { name: string; version: string }, {
  id: 'dataflow-order',
  description: "Pick each fusion group's loop order: by index, explicit list, or 'best-estimate'.",
  optionsSchema: dataflowOrderOptionsSchema,
  defaultOptions: defaultDataflowOrderOptions,
  create: (options) => new DataflowOrderPass(options),
});

export default plugin;
