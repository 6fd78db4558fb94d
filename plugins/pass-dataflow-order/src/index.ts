import { PASS, PLUGIN_API_VERSION, type FuseFlowPlugin } from '@fuseflow/kernel/plugin-api';
import { DataflowOrderPass, dataflowOrderOptionsSchema, defaultDataflowOrderOptions, type DataflowOrderOptions } from './dataflow-order';

export * from './dataflow-order';

/** Dataflow (loop) order selection for every fusion group. */
const plugin: FuseFlowPlugin<DataflowOrderOptions> = {
  name: '@fuseflow/pass-dataflow-order',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: 'pass',
  id: 'dataflow-order',
  description: "Pick each fusion group's loop order: by index, explicit list, or 'best-estimate'.",
  optionsSchema: dataflowOrderOptionsSchema as unknown as Record<string, unknown>,
  defaultOptions: defaultDataflowOrderOptions,
  register(container, options) {
    container.register(PASS, { useValue: new DataflowOrderPass(options) });
  },
};

export default plugin;
