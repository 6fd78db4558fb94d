import { PASS, PLUGIN_API_VERSION, type FuseFlowPlugin, type JsonSchema, type Pass } from './plugin';

/** What a one-pass plugin says about itself; the rest of its plugin object follows from it. */
export interface PassPluginSpec<O> {
  id: string;
  description: string;
  optionsSchema: object;
  defaultOptions: Partial<O>;
  /** the pass for one run, from the options the kernel validated and merged. */
  create(options: O): Pass;
}

/**
 * The plugin object of a package that contributes one pass. Name and version come from the
 * package's package.json, so they cannot drift from what npm publishes.
 */
export function passPlugin<O>(pkg: { name: string; version: string }, spec: PassPluginSpec<O>): FuseFlowPlugin<O> {
  return {
    name: pkg.name,
    version: pkg.version,
    apiVersion: PLUGIN_API_VERSION,
    kind: 'pass',
    id: spec.id,
    description: spec.description,
    optionsSchema: spec.optionsSchema as JsonSchema,
    defaultOptions: spec.defaultOptions,
    register(container, options) {
      container.register(PASS, { useValue: spec.create(options) });
    },
  };
}
