/* Test helpers: textbook kernels as one-statement programs with seeded random data. */
import {
  compareTensors,
  evaluateProgram,
  isDenseFormat,
  programFromStatement,
  randomInputs,
  textbookKernels,
  toCoo,
  type DataflowGraph,
  type SparseTensorData,
  type TensorBindings,
  type TextbookKernel,
  type TensorProgram,
} from '@fuseflow/ir';
import { runTreeSim } from './tree-sim';

/** The lowering specs' textbook kernels: @fuseflow/ir's table at its small size. */
export const KERNELS: TextbookKernel[] = textbookKernels(6);

/** @fuseflow/ir's randomInputs with the lowering specs' default density. */
export function randomData(p: TensorProgram, seed: number, density = 0.35): TensorBindings {
  return randomInputs(p, seed, density);
}

export function kernelProgram(k: TextbookKernel): TensorProgram {
  return programFromStatement(k.expr, k.formats, k.shapes, { name: k.name });
}

/** stored coordinates of a tensor as a sorted list of "i,j" keys. */
export function storedKeys(t: SparseTensorData): string[] {
  const { coords, vals } = toCoo(t);
  return Array.from({ length: vals.length }, (_, k) => coords.map((c) => c[k]).join(',')).sort();
}

/** Runs a graph on data and compares values and stored points with the reference evaluator. */
export function checkGraph(g: DataflowGraph, p: TensorProgram, data: TensorBindings, expectedName = g.output.tensor): { ok: boolean; message: string; aluOps: number } {
  const expected = evaluateProgram(p, data)[expectedName];
  const { output, aluOps } = runTreeSim(g, { ...data, ...evaluateProgram(p, data) });
  const cmp = compareTensors(output, expected, { rtol: 1e-9, atol: 1e-9 });
  if (!cmp.equal) return { ok: false, message: cmp.message, aluOps };
  if (!isDenseFormat(p.tensors[expectedName].format)) {
    const a = storedKeys(output).join(' ');
    const e = storedKeys(expected).join(' ');
    if (a !== e) return { ok: false, message: `stored points differ:\n actual   ${a}\n expected ${e}`, aluOps };
  }
  return { ok: true, message: '', aluOps };
}
