import { ModelGraphError } from './errors';
import type { ModelGraph, ModelOp } from './graph';
import { broadcastShapes, shapeSize } from './tensor';

/** The ops understood by the ModelGraph tools, with their input arity [min, max]. */
export const MODEL_OPS: Record<string, [number, number]> = {
  matmul: [2, 2],
  sparse_mm: [2, 2],
  gemm: [2, 3],
  add: [2, 2],
  sub: [2, 2],
  mul: [2, 2],
  div: [2, 2],
  max: [2, 2],
  relu: [1, 1],
  exp: [1, 1],
  neg: [1, 1],
  sqrt: [1, 1],
  square: [1, 1],
  reduce_sum: [1, 1],
  reduce_max: [1, 1],
  reduce_mean: [1, 1],
  softmax: [1, 1],
  layer_norm: [1, 3],
  transpose: [1, 1],
  reshape: [1, 1],
  flatten: [1, 1],
  conv2d: [2, 3],
  batch_norm: [5, 5],
  max_pool: [1, 1],
  avg_pool: [1, 1],
  global_avg_pool: [1, 1],
  mask: [2, 2],
  identity: [1, 1],
};

const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const nums = (v: unknown): number[] | undefined => (Array.isArray(v) ? v.map(Number) : undefined);

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, where = ''): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ModelGraphError(`${where}axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Resolves a reshape target (0 = copy input dim, one -1 = inferred) against the input shape. */
export function resolveReshape(input: readonly number[], target: readonly number[], where = ''): number[] {
  const out = target.map((d, i) => (d === 0 ? input[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = shapeSize(input);
  const free = out.filter((d) => d === -1).length;
  if (free > 1) throw new ModelGraphError(`${where}reshape target [${target.join(',')}] has more than one -1`);
  if (free === 1) {
    if (known === 0 || total % known !== 0) {
      throw new ModelGraphError(`${where}cannot reshape [${input.join(',')}] to [${target.join(',')}]`);
    }
    out[out.indexOf(-1)] = total / known;
  }
  if (shapeSize(out) !== total) throw new ModelGraphError(`${where}cannot reshape [${input.join(',')}] (${total} elements) to [${target.join(',')}]`);
  return out;
}

function matmulShape(a: number[], b: number[], where: string): number[] {
  if (a.length < 2 || b.length < 2) throw new ModelGraphError(`${where}matmul needs operands of rank >= 2, got [${a.join(',')}] and [${b.join(',')}]`);
  const m = a[a.length - 2], k = a[a.length - 1], k2 = b[b.length - 2], n = b[b.length - 1];
  if (k !== k2) throw new ModelGraphError(`${where}matmul inner dimensions differ: [${a.join(',')}] x [${b.join(',')}]`);
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), where);
  return [...batch, m, n];
}

function reduceShape(x: number[], op: ModelOp, where: string): number[] {
  const axes = (nums(op.attrs.axes) ?? x.map((_, i) => i)).map((a) => normAxis(a, x.length, where));
  const keep = op.attrs.keepdims === undefined ? true : Boolean(op.attrs.keepdims);
  const out: number[] = [];
  x.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
}

/** Spatial output size of a conv/pool window: floor((in + padBegin + padEnd - dil*(k-1) - 1)/stride) + 1. */
export function windowOut(size: number, k: number, stride: number, padA: number, padB: number, dil = 1): number {
  return Math.floor((size + padA + padB - dil * (k - 1) - 1) / stride) + 1;
}

/** Output shape of one op given its input shapes; throws a ModelGraphError naming the op. */
export function inferOpShape(op: ModelOp, inputs: number[][]): number[] {
  const where = `op '${op.name}' (${op.op}): `;
  const arity = MODEL_OPS[op.op];
  if (!arity) throw new ModelGraphError(`${where}unknown op; supported: ${Object.keys(MODEL_OPS).join(', ')}`, op.name);
  if (inputs.length < arity[0] || inputs.length > arity[1]) {
    throw new ModelGraphError(`${where}expected ${arity[0]}..${arity[1]} inputs, got ${inputs.length}`, op.name);
  }
  const x = inputs[0];
  switch (op.op) {
    case 'matmul':
    case 'sparse_mm':
      return matmulShape(x, inputs[1], where);
    case 'gemm': {
      const a = op.attrs.transA ? [x[1], x[0]] : x;
      const b = op.attrs.transB ? [inputs[1][1], inputs[1][0]] : inputs[1];
      const out = matmulShape(a, b, where);
      if (inputs[2]) broadcastShapes(out, inputs[2], where);
      return out;
    }
    case 'add': case 'sub': case 'mul': case 'div': case 'max':
      return broadcastShapes(x, inputs[1], where);
    case 'mask': {
      const out = broadcastShapes(x, inputs[1], where);
      if (out.length !== x.length || out.some((d, i) => d !== x[i])) throw new ModelGraphError(`${where}mask [${inputs[1].join(',')}] must broadcast to the input [${x.join(',')}]`, op.name);
      return out;
    }
    case 'relu': case 'exp': case 'neg': case 'sqrt': case 'square': case 'identity':
      return [...x];
    case 'softmax':
      normAxis(num(op.attrs.axis, -1), x.length, where);
      return [...x];
    case 'layer_norm': {
      const axis = normAxis(num(op.attrs.axis, -1), x.length, where);
      const norm = x.slice(axis);
      for (const p of inputs.slice(1)) {
        if (p.join(',') !== norm.join(',')) throw new ModelGraphError(`${where}scale/bias shape [${p.join(',')}] must equal the normalised shape [${norm.join(',')}]`, op.name);
      }
      return [...x];
    }
    case 'reduce_sum': case 'reduce_max': case 'reduce_mean':
      return reduceShape(x, op, where);
    case 'transpose': {
      const perm = nums(op.attrs.perm) ?? x.map((_, i) => x.length - 1 - i);
      if (perm.length !== x.length || [...perm].sort().some((p, i) => p !== i)) throw new ModelGraphError(`${where}perm [${perm.join(',')}] is not a permutation of rank ${x.length}`, op.name);
      return perm.map((p) => x[p]);
    }
    case 'reshape': {
      const target = nums(op.attrs.shape);
      if (!target) throw new ModelGraphError(`${where}missing attribute 'shape'`, op.name);
      return resolveReshape(x, target, where);
    }
    case 'flatten': {
      const axis = num(op.attrs.axis, 1);
      const a = axis < 0 ? axis + x.length : axis;
      return [shapeSize(x.slice(0, a)), shapeSize(x.slice(a))];
    }
    case 'conv2d': {
      const w = inputs[1];
      if (x.length !== 4 || w.length !== 4) throw new ModelGraphError(`${where}conv2d needs NCHW input and OIHW weight, got [${x.join(',')}] and [${w.join(',')}]`, op.name);
      const groups = num(op.attrs.groups, 1);
      if (x[1] !== w[1] * groups) throw new ModelGraphError(`${where}input channels ${x[1]} != weight channels ${w[1]} x groups ${groups}`, op.name);
      const s = nums(op.attrs.strides) ?? [1, 1];
      const p = nums(op.attrs.pads) ?? [0, 0, 0, 0];
      const d = nums(op.attrs.dilations) ?? [1, 1];
      if (inputs[2] && (inputs[2].length !== 1 || inputs[2][0] !== w[0])) throw new ModelGraphError(`${where}bias must have shape [${w[0]}]`, op.name);
      return [x[0], w[0], windowOut(x[2], w[2], s[0], p[0], p[2], d[0]), windowOut(x[3], w[3], s[1], p[1], p[3], d[1])];
    }
    case 'batch_norm':
      for (const p of inputs.slice(1)) if (p.length !== 1 || p[0] !== x[1]) throw new ModelGraphError(`${where}batch_norm parameters must have shape [${x[1]}]`, op.name);
      return [...x];
    case 'max_pool': case 'avg_pool': {
      const k = nums(op.attrs.kernel);
      if (!k || x.length !== 4) throw new ModelGraphError(`${where}pooling needs an NCHW input and a 'kernel' attribute`, op.name);
      const s = nums(op.attrs.strides) ?? k;
      const p = nums(op.attrs.pads) ?? [0, 0, 0, 0];
      return [x[0], x[1], windowOut(x[2], k[0], s[0], p[0], p[2]), windowOut(x[3], k[1], s[1], p[1], p[3])];
    }
    case 'global_avg_pool':
      if (x.length !== 4) throw new ModelGraphError(`${where}global_avg_pool needs an NCHW input`, op.name);
      return [x[0], x[1], 1, 1];
    default:
      throw new ModelGraphError(`${where}no shape rule`, op.name);
  }
}

/**
 * Recomputes every intermediate/output shape from the graph's input and weight shapes (in op
 * order), e.g. after a manifest bound inputs of another size. Mutates and returns the graph.
 */
export function inferShapes(graph: ModelGraph): ModelGraph {
  for (const [name, w] of Object.entries(graph.weights)) {
    if (graph.values[name]) graph.values[name].shape = [...w.shape];
  }
  for (const op of graph.ops) {
    const ins = op.inputs.map((n) => {
      const v = graph.values[n];
      if (!v) throw new ModelGraphError(`op '${op.name}' (${op.op}): input '${n}' is not a value of the graph`, op.name);
      return v.shape;
    });
    const shape = inferOpShape(op, ins);
    for (const out of op.outputs) {
      const v = graph.values[out];
      if (!v) throw new ModelGraphError(`op '${op.name}' (${op.op}): output '${out}' is not a value of the graph`, op.name);
      v.shape = shape;
    }
  }
  return graph;
}
