import { FuseFlowError } from '@fuseflow/kernel';
import type { ModelGraph } from './model/graph';
import type { TensorProgram } from './program/ast';
import type { SparseTensorData } from './tensor/types';

/** Tensor data bound to a program's inputs, keyed by tensor name. */
export type TensorBindings = Record<string, SparseTensorData>;

/** The IR modules that flow through a pipeline (kernel IrModule with a known stage). */
export interface ModelModule {
  stage: 'model';
  graph: ModelGraph;
  [key: string]: unknown;
}

export interface ProgramModule {
  stage: 'program';
  program: TensorProgram;
  /** input data (and weights) bound to the program's input tensors. */
  data: TensorBindings;
  [key: string]: unknown;
}

/**
 * The module as a ProgramModule, or a clear FF_INPUT_INVALID naming the pass that needed one
 * (a pass placed after lowering, or a frontend that emitted a ModelGraph).
 */
export function expectProgramModule(ir: unknown, who: string): ProgramModule {
  const mod = ir as Partial<ProgramModule> | undefined;
  if (!mod || !mod.program || !Array.isArray(mod.program.statements)) {
    throw new FuseFlowError('FF_INPUT_INVALID', `${who}: expected a 'program' stage module with a TensorProgram`);
  }
  return mod as ProgramModule;
}
