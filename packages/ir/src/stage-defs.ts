import type { IrModule, StageDefinition } from '@fuseflow/kernel/plugin-api';
import type { DataflowGraph } from './dataflow/graph';
import { printDataflowGraph } from './dataflow/print';
import { verifyDataflowGraph } from './dataflow/verify';
import type { ModelGraph } from './model/graph';
import { printModel } from './model/print';
import { verifyModel } from './model/verify';
import type { TensorProgram } from './program/ast';
import { parseProgram } from './program/parse';
import { printProgram } from './program/print';
import { verifyProgram } from './program/verify';
import { formatName } from './tensor/format';
import type { SparseTensorData } from './tensor/types';

/** One line per bound tensor (shape, format, stored values): the data itself is never printed. */
function bindingsText(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const lines = Object.entries(data as Record<string, SparseTensorData>).map(([n, t]) => `  bound ${n}: [${t?.shape?.join(',') ?? '?'}] ${t?.format ? formatName(t.format) : '?'}, ${t?.vals?.length ?? '?'} stored values`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The 'model' stage: a ModelGraph (frontend-pytorch). */
export const MODEL_STAGE: StageDefinition = {
  name: 'model',
  verify: (m) => {
    if (m.graph) verifyModel(m.graph as ModelGraph);
  },
  print: (m) => (m.graph ? printModel(m.graph as ModelGraph) : 'model (no graph)\n'),
};

/** The 'program' stage: a TensorProgram with its bound data. */
export const PROGRAM_STAGE: StageDefinition = {
  name: 'program',
  verify: (m) => {
    if (m.program) verifyProgram(m.program as TensorProgram);
  },
  print: (m) => (m.program ? printProgram(m.program as TensorProgram) : 'program (none)\n') + bindingsText(m.data),
  // the program text round-trips; bound data is not part of the text
  parse: (text): IrModule => ({ stage: 'program', program: parseProgram(text.split('\n').filter((l) => !l.startsWith('  bound ')).join('\n')), data: {} }),
};

/** The 'dataflow' stage: lowered SAM-style graphs (pass-lower-sam), one per fused group. */
export const DATAFLOW_STAGE: StageDefinition = {
  name: 'dataflow',
  verify: (m) => {
    if (Array.isArray(m.graphs)) for (const g of m.graphs as DataflowGraph[]) verifyDataflowGraph(g);
  },
  print: (m) => {
    const graphs = Array.isArray(m.graphs) ? (m.graphs as DataflowGraph[]) : [];
    const program = m.program ? printProgram(m.program as TensorProgram) : '';
    return program + bindingsText(m.data) + graphs.map(printDataflowGraph).join('');
  },
};

/** Every stage this package defines; a plugin registers the ones it produces under STAGE. */
export const IR_STAGES: readonly StageDefinition[] = [MODEL_STAGE, PROGRAM_STAGE, DATAFLOW_STAGE];
