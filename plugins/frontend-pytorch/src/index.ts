import { FRONTEND, type FuseFlowPlugin, PLUGIN_API_VERSION, STAGE } from '@fuseflow/kernel/plugin-api';
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
const plugin: FuseFlowPlugin<PytorchFrontendOptions> = {
  name: '@fuseflow/frontend-pytorch',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: 'frontend',
  id: 'pytorch',
  description: 'Imports PyTorch models (torch.onnx.export ONNX or fuseflow-export FX JSON) with sparse formats and data from the manifest.',
  optionsSchema: PYTORCH_OPTIONS_SCHEMA as unknown as Record<string, unknown>,
  defaultOptions: { emit: 'program', exampleInputs: true, resize: false },
  register(container: Parameters<FuseFlowPlugin['register']>[0], options: PytorchFrontendOptions): void {
    container.register(FRONTEND, { useValue: new PytorchFrontend(options) });
    // it emits a ModelGraph or, when lowered, a program
    for (const s of [MODEL_STAGE, PROGRAM_STAGE]) container.register(STAGE, { useValue: s });
  },
  commands: [importCommand],
};

export default plugin;
