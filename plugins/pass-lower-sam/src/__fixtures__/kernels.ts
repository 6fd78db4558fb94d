/* Test helpers: textbook kernels as one-statement programs with seeded random data. */
import {
  compareTensors,
  evaluateProgram,
  isDenseFormat,
  programFromStatement,
  randomInputs,
  toCoo,
  type DataflowGraph,
  type SparseTensorData,
  type TensorBindings,
  type TensorProgram,
} from '@fuseflow/ir';
import { runTreeSim } from './tree-sim';

export interface Kernel {
  name: string;
  expr: string;
  formats: Record<string, string>;
  shapes: Record<string, number[]>;
}

export const KERNELS: Kernel[] = [
  { name: 'spmv', expr: 'y(i) = A(i,j) * x(j)', formats: { A: 'csr', x: 'dense' }, shapes: { A: [9, 7] } },
  { name: 'spmv-sparse-x', expr: 'y(i) = A(i,j) * x(j)', formats: { A: 'dcsr', x: 'sparse', y: 'sparse' }, shapes: { A: [9, 7] } },
  { name: 'spmspm', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'dcsr', C: 'dcsr', X: 'dcsr' }, shapes: { B: [8, 6], C: [6, 7] } },
  { name: 'spmspm-csr-csc', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'csc', X: 'dcsr' }, shapes: { B: [8, 6], C: [6, 7] } },
  { name: 'spmm-dense', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'dense', X: 'dcsr' }, shapes: { B: [8, 6], C: [6, 5] } },
  { name: 'sddmm', expr: 'X(i,j) = B(i,j) * C(i,k) * D(k,j)', formats: { B: 'dcsr', C: 'dense', D: 'dense', X: 'dcsr' }, shapes: { B: [7, 6], C: [7, 4] } },
  { name: 'add2', expr: 'X(i,j) = B(i,j) + C(i,j)', formats: { B: 'dcsr', C: 'dcsr', X: 'dcsr' }, shapes: { B: [6, 7] } },
  { name: 'mul2', expr: 'X(i,j) = B(i,j) * C(i,j)', formats: { B: 'dcsr', C: 'csr', X: 'dcsr' }, shapes: { B: [6, 7] } },
  { name: 'add3', expr: 'X(i,j) = B(i,j) + C(i,j) + D(i,j)', formats: { B: 'dcsr', C: 'dcsr', D: 'csr', X: 'dcsr' }, shapes: { B: [6, 7] } },
  { name: 'mul3', expr: 'X(i,j) = B(i,j) * C(i,j) * D(i,j)', formats: { B: 'dcsr', C: 'dcsr', D: 'dcsr', X: 'dcsr' }, shapes: { B: [6, 7] } },
  { name: 'ttv', expr: 'X(i,j) = B(i,j,k) * c(k)', formats: { B: 'csf', c: 'dense', X: 'dcsr' }, shapes: { B: [4, 5, 6] } },
  { name: 'mttkrp', expr: 'X(i,j) = B(i,k,l) * C(k,j) * D(l,j)', formats: { B: 'csf', C: 'dense', D: 'dense', X: 'dcsr' }, shapes: { B: [4, 5, 3], C: [5, 4] } },
  { name: 'softmax', expr: 'X(i,j) = exp(B(i,j)) / sum(k, exp(B(i,k)))', formats: { B: 'dcsr', X: 'dcsr' }, shapes: { B: [6, 8] } },
  { name: 'relu', expr: 'X(i,j) = relu(B(i,j))', formats: { B: 'dcsr', X: 'dcsr' }, shapes: { B: [6, 8] } },
  { name: 'bias-relu', expr: 'X(i,j) = relu(B(i,k) * W(k,j) + b(j))', formats: { B: 'dcsr', W: 'dense', b: 'dense', X: 'dcsr' }, shapes: { B: [6, 5], W: [5, 4] } },
];

/** @fuseflow/ir's randomInputs with the lowering specs' default density. */
export function randomData(p: TensorProgram, seed: number, density = 0.35): TensorBindings {
  return randomInputs(p, seed, density);
}

export function kernelProgram(k: Kernel): TensorProgram {
  const formats = { ...k.formats };
  for (const [n, f] of Object.entries(formats)) if (f === 'csf') formats[n] = 'ccc';
  return programFromStatement(k.expr, formats, k.shapes, { name: k.name });
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
