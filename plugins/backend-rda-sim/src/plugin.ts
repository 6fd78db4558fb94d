import { BACKEND, type CliCommandSpec, type FuseFlowPlugin } from '@fuseflow/kernel/plugin-api';
import { RdaSimBackend } from './backend';
import { defaultOptions, optionsSchema, type RdaSimOptions } from './options';

const pkg = require('../package.json') as { name: string; version: string };

/** The plugin object: backend 'rda-sim', consumes the 'dataflow' stage. */
export const rdaSimPlugin: FuseFlowPlugin<RdaSimOptions> = {
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  kind: 'backend',
  id: 'rda-sim',
  description: 'Cycle-accurate (Comal/DAM-style) simulator of SAM dataflow graphs with real values checked against the reference evaluator',
  optionsSchema: optionsSchema as unknown as Record<string, unknown>,
  defaultOptions,
  register(container, options) {
    container.register(BACKEND, { useValue: new RdaSimBackend(options) });
  },
  // comal-sim reads protobufs (protobufjs): loaded only when the CLI asks for the command itself.
  get commands(): CliCommandSpec[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [(require('./cli') as typeof import('./cli')).comalSimCommand];
  },
};

// The kernel imports this module alone (package.json fuseflow.plugin = "./plugin"), not the index.
export default rdaSimPlugin;
