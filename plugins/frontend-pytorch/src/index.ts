import { definePlugin } from '@fuseflow/kernel/plugin-api';
import { MODEL_STAGE, PROGRAM_STAGE } from '@fuseflow/ir';
import { importCommand } from './command';
import { PYTORCH_OPTIONS_SCHEMA, PytorchFrontend, type PytorchFrontendOptions } from './frontend';

export * from './onnx';
export * from './fx';
export * from './load';
export * from './data';
export * from './frontend';
export * from './command';
export * from './exporter';

/** The PyTorch frontend plugin: ONNX / FX JSON model + manifest data -> TensorProgram or ModelGraph. */
const plugin = definePlugin<'frontend', PytorchFrontendOptions>('frontend', require('../package.json') as { name: string; version: string }, {
  id: 'pytorch',
  description: 'Imports PyTorch models (torch.onnx.export ONNX or fuseflow-export FX JSON) with sparse formats and data from the manifest.',
  optionsSchema: PYTORCH_OPTIONS_SCHEMA,
  defaultOptions: { emit: 'program', exampleInputs: true, resize: false },
  // it emits a ModelGraph or, when lowered, a program
  stages: [MODEL_STAGE, PROGRAM_STAGE],
  create: (options) => new PytorchFrontend(options),
  commands: [importCommand],
});

export default plugin;
