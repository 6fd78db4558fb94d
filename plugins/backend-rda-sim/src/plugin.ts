import { definePlugin, type CliCommandSpec } from '@fuseflow/kernel/plugin-api';
import { RdaSimBackend } from './backend';
import { defaultOptions, optionsSchema, type RdaSimOptions } from './options';

/** The plugin object: backend 'rda-sim', consumes the 'dataflow' stage. */
export const rdaSimPlugin = definePlugin<'backend', RdaSimOptions>('backend', require('../package.json') as { name: string; version: string }, {
  id: 'rda-sim',
  description: 'Cycle-accurate (Comal/DAM-style) simulator of SAM dataflow graphs with real values checked against the reference evaluator',
  optionsSchema,
  defaultOptions,
  create: (options) => new RdaSimBackend(options),
  // comal-sim reads protobufs (protobufjs): loaded only when the CLI asks for the command itself.
  get commands(): CliCommandSpec[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [(require('./cli') as typeof import('./cli')).comalSimCommand];
  },
});

// The kernel imports this module alone (package.json fuseflow.plugin = "./plugin"), not the index.
export default rdaSimPlugin;
