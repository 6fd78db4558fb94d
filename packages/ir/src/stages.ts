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
