/**
 * ModelGraph: the frontend's view of a model: ops over named values with shapes, dtypes and
 * sparse-format annotations. Weights carry their data. Both the sparse compiler (via lowering to
 * a TensorProgram) and the systolic CNN backend consume it.
 */
export type DType = 'f32' | 'f64' | 'i64' | 'bool';

export type ValueRole = 'input' | 'weight' | 'intermediate' | 'output';

export interface ModelValue {
  name: string;
  shape: number[];
  dtype: DType;
  role: ValueRole;
  /** sparse format name ('dense', 'csr', 'dcsr', 'bcsr-16', ...); dense when absent. */
  format?: string;
}

/**
 * Op vocabulary (attrs in brackets):
 * matmul, gemm [transA, transB, alpha, beta], add, sub, mul, div, max, relu, exp, neg, sqrt,
 * reduce_sum [axes, keepdims], reduce_max [axes, keepdims], softmax [axis],
 * layer_norm [axis, epsilon], transpose [perm], reshape [shape], flatten [axis],
 * conv2d [kernel: [kh,kw], strides: [sh,sw], pads: [top,left,bottom,right], dilations, groups],
 * batch_norm [epsilon], max_pool / avg_pool [kernel, strides, pads], global_avg_pool,
 * sparse_mm (torch.sparse.mm), constant, identity.
 * Added by the PyTorch frontend: square, reduce_mean [axes, keepdims],
 * mask [fill] (inputs x, m: x where m != 0, else fill; masked_fill(m == 0, fill) in PyTorch).
 * Shapes, the dense reference meaning and the program lowering of each op: model/shapes.ts,
 * model/evaluate.ts, model/lower.ts.
 */
export interface ModelOp {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, unknown>;
}

export interface ModelGraph {
  name: string;
  values: Record<string, ModelValue>;
  ops: ModelOp[];
  inputs: string[];
  outputs: string[];
  /** weight and constant data, row-major, keyed by value name. */
  weights: Record<string, { shape: number[]; data: Float64Array }>;
}
