import { ModelGraphError } from './errors';
import type { ModelGraph, ModelOp } from './graph';
import { inferOpShape, normAxis, windowOut } from './shapes';
import { broadcastShapes, type ModelTensor, shapeSize, shapeStrides } from './tensor';
import { BINARY_FNS, UNARY_FNS } from '../program/ops';

/** Strides of `shape` as seen from a broadcast output of rank `rank` (0 on broadcast dims). */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const st = shapeStrides(shape);
  const r = out.length;
  const res = new Array<number>(r).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const o = r - shape.length + i;
    res[o] = shape[i] === 1 && out[o] !== 1 ? 0 : st[i];
  }
  return res;
}

/** Elementwise binary op with numpy broadcasting. */
export function broadcastBinary(a: ModelTensor, b: ModelTensor, f: (x: number, y: number) => number): ModelTensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = shapeSize(shape);
  const data = new Float64Array(n);
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;
  for (let k = 0; k < n; k++) {
    data[k] = f(a.data[ia], b.data[ib]);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape, data };
}

const map = (x: ModelTensor, f: (v: number) => number): ModelTensor => ({ shape: [...x.shape], data: x.data.map(f) });

/** Batched matrix product with numpy broadcasting of the batch dims; skips zeros of `a`. */
export function matmul(a: ModelTensor, b: ModelTensor): ModelTensor {
  const m = a.shape[a.shape.length - 2], k = a.shape[a.shape.length - 1], n = b.shape[b.shape.length - 1];
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const nb = shapeSize(batch);
  const out = new Float64Array(nb * m * n);
  const sa = broadcastStrides(a.shape.slice(0, -2), batch);
  const sbs = broadcastStrides(b.shape.slice(0, -2), batch);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < nb; t++) {
    let oa = 0, ob = 0;
    for (let d = 0; d < batch.length; d++) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sbs[d];
    }
    oa *= m * k;
    ob *= k * n;
    const oo = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const av = a.data[oa + i * k + p];
        if (av === 0) continue;
        const brow = ob + p * n;
        const orow = oo + i * n;
        for (let j = 0; j < n; j++) out[orow + j] += av * b.data[brow + j];
      }
    }
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: [...batch, m, n], data: out };
}

/** Transposes the data of a tensor by a permutation of its axes. */
export function transposeTensor(x: ModelTensor, perm: readonly number[]): ModelTensor {
  const shape = perm.map((p) => x.shape[p]);
  const st = shapeStrides(x.shape);
  const ps = perm.map((p) => st[p]);
  const n = shapeSize(shape);
  const data = new Float64Array(n);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let k = 0; k < n; k++) {
    data[k] = x.data[src];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      src += ps[d];
      if (idx[d] < shape[d]) break;
      src -= ps[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape, data };
}

/** Reduces `x` over `axes` with `f` starting at `init`; keeps reduced axes as size 1. */
function reduce(x: ModelTensor, axes: number[], init: number, f: (acc: number, v: number) => number): ModelTensor {
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(shapeSize(keepShape)).fill(init);
  const so = broadcastStrides(keepShape, x.shape);
  const r = x.shape.length;
  const idx = new Array<number>(r).fill(0);
  let o = 0;
  for (let k = 0; k < x.data.length; k++) {
    out[o] = f(out[o], x.data[k]);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      o += so[d];
      if (idx[d] < x.shape[d]) break;
      o -= so[d] * x.shape[d];
      idx[d] = 0;
    }
  }
  return { shape: keepShape, data: out };
}

function reduceOp(x: ModelTensor, op: ModelOp, kind: 'sum' | 'max' | 'mean', outShape: number[]): ModelTensor {
  const axes = ((op.attrs.axes as number[] | undefined) ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, x.shape.length));
  const r = kind === 'max' ? reduce(x, axes, -Infinity, Math.max) : reduce(x, axes, 0, (a, v) => a + v);
  if (kind === 'mean') {
    const count = axes.reduce((c, a) => c * x.shape[a], 1);
    for (let i = 0; i < r.data.length; i++) r.data[i] /= count;
  }
  return { shape: outShape, data: r.data };
}

function softmax(x: ModelTensor, axis: number): ModelTensor {
  const mx = reduce(x, [axis], -Infinity, Math.max);
  const e = broadcastBinary(x, mx, (v, m) => Math.exp(v - m));
  const s = reduce(e, [axis], 0, (a, v) => a + v);
  return broadcastBinary(e, s, (v, t) => v / t);
}

function layerNorm(x: ModelTensor, axis: number, eps: number, scale?: ModelTensor, bias?: ModelTensor): ModelTensor {
  const axes = x.shape.map((_, i) => i).filter((i) => i >= axis);
  const count = axes.reduce((c, a) => c * x.shape[a], 1);
  const mean = map(reduce(x, axes, 0, (a, v) => a + v), (v) => v / count);
  const xc = broadcastBinary(x, mean, (v, m) => v - m);
  const variance = map(reduce(xc, axes, 0, (a, v) => a + v * v), (v) => v / count);
  let y = broadcastBinary(xc, variance, (v, s) => v / Math.sqrt(s + eps));
  if (scale) y = broadcastBinary(y, scale, (v, g) => v * g);
  if (bias) y = broadcastBinary(y, bias, (v, b) => v + b);
  return y;
}

function conv2d(x: ModelTensor, w: ModelTensor, b: ModelTensor | undefined, op: ModelOp, outShape: number[]): ModelTensor {
  const [n, c, h, wd] = x.shape;
  const [o, cg, kh, kw] = w.shape;
  const [, , oh, ow] = outShape;
  const s = (op.attrs.strides as number[] | undefined) ?? [1, 1];
  const p = (op.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
  const dl = (op.attrs.dilations as number[] | undefined) ?? [1, 1];
  const groups = (op.attrs.groups as number | undefined) ?? 1;
  const og = o / groups;
  const out = new Float64Array(n * o * oh * ow);
  for (let b0 = 0; b0 < n; b0++)
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          let acc = b ? b.data[oc] : 0;
          for (let ic = 0; ic < cg; ic++) {
            const cin = g * cg + ic;
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * s[0] - p[0] + ky * dl[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xx * s[1] - p[1] + kx * dl[1];
                if (ix < 0 || ix >= wd) continue;
                acc += x.data[((b0 * c + cin) * h + iy) * wd + ix] * w.data[((oc * cg + ic) * kh + ky) * kw + kx];
              }
            }
          }
          out[((b0 * o + oc) * oh + y) * ow + xx] = acc;
        }
    }
  return { shape: outShape, data: out };
}

function pool(x: ModelTensor, op: ModelOp, kind: 'max' | 'avg'): ModelTensor {
  const [n, c, h, w] = x.shape;
  const k = op.attrs.kernel as number[];
  const s = (op.attrs.strides as number[] | undefined) ?? k;
  const p = (op.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
  const includePad = Boolean(op.attrs.countIncludePad);
  const oh = windowOut(h, k[0], s[0], p[0], p[2]);
  const ow = windowOut(w, k[1], s[1], p[1], p[3]);
  const out = new Float64Array(n * c * oh * ow);
  for (let nc = 0; nc < n * c; nc++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let count = 0;
        for (let ky = 0; ky < k[0]; ky++)
          for (let kx = 0; kx < k[1]; kx++) {
            const iy = y * s[0] - p[0] + ky, ix = xx * s[1] - p[1] + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              if (includePad && iy < h + p[2] && ix < w + p[3]) count++;
              continue;
            }
            const v = x.data[(nc * h + iy) * w + ix];
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            count++;
          }
        out[(nc * oh + y) * ow + xx] = kind === 'max' ? acc : acc / count;
      }
  return { shape: [n, c, oh, ow], data: out };
}

/** Evaluates one op on dense inputs (the definition of each op's meaning). */
export function evaluateOp(op: ModelOp, ins: ModelTensor[]): ModelTensor {
  const outShape = inferOpShape(op, ins.map((t) => t.shape));
  const [x, y] = ins;
  switch (op.op) {
    case 'matmul':
    case 'sparse_mm':
      return matmul(x, y);
    case 'gemm': {
      const a = op.attrs.transA ? transposeTensor(x, [1, 0]) : x;
      const b = op.attrs.transB ? transposeTensor(y, [1, 0]) : y;
      const alpha = (op.attrs.alpha as number | undefined) ?? 1;
      const beta = (op.attrs.beta as number | undefined) ?? 1;
      let r = matmul(a, b);
      if (alpha !== 1) r = map(r, (v) => v * alpha);
      if (ins[2]) r = broadcastBinary(r, ins[2], (v, c) => v + beta * c);
      return r;
    }
    case 'add': return broadcastBinary(x, y, BINARY_FNS.add);
    case 'sub': return broadcastBinary(x, y, BINARY_FNS.sub);
    case 'mul': return broadcastBinary(x, y, BINARY_FNS.mul);
    case 'div': return broadcastBinary(x, y, BINARY_FNS.div);
    case 'max': return broadcastBinary(x, y, BINARY_FNS.max);
    case 'mask': {
      const fill = Number(op.attrs.fill ?? 0);
      return broadcastBinary(x, y, (a, m) => (m !== 0 ? a : fill));
    }
    case 'relu': return map(x, UNARY_FNS.relu);
    case 'exp': return map(x, UNARY_FNS.exp);
    case 'neg': return map(x, UNARY_FNS.neg);
    case 'sqrt': return map(x, UNARY_FNS.sqrt);
    case 'square': return map(x, UNARY_FNS.square);
    case 'identity': return { shape: [...x.shape], data: Float64Array.from(x.data) };
    case 'reduce_sum': return reduceOp(x, op, 'sum', outShape);
    case 'reduce_max': return reduceOp(x, op, 'max', outShape);
    case 'reduce_mean': return reduceOp(x, op, 'mean', outShape);
    case 'softmax': return softmax(x, normAxis((op.attrs.axis as number | undefined) ?? -1, x.shape.length));
    case 'layer_norm':
      return layerNorm(x, normAxis((op.attrs.axis as number | undefined) ?? -1, x.shape.length), (op.attrs.epsilon as number | undefined) ?? 1e-5, ins[1], ins[2]);
    case 'transpose': return transposeTensor(x, (op.attrs.perm as number[] | undefined) ?? x.shape.map((_, i) => x.shape.length - 1 - i));
    case 'reshape':
    case 'flatten':
      return { shape: outShape, data: Float64Array.from(x.data) };
    case 'conv2d': return conv2d(x, y, ins[2], op, outShape);
    case 'batch_norm': {
      const [, scale, bias, mean, variance] = ins;
      const eps = (op.attrs.epsilon as number | undefined) ?? 1e-5;
      const [n, c] = x.shape;
      const inner = shapeSize(x.shape.slice(2));
      const data = new Float64Array(x.data.length);
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          const f = scale.data[ch] / Math.sqrt(variance.data[ch] + eps);
          const base = (b * c + ch) * inner;
          for (let i = 0; i < inner; i++) data[base + i] = (x.data[base + i] - mean.data[ch]) * f + bias.data[ch];
        }
      return { shape: [...x.shape], data };
    }
    case 'max_pool': return pool(x, op, 'max');
    case 'avg_pool': return pool(x, op, 'avg');
    case 'global_avg_pool': {
      const r = reduce(x, [2, 3], 0, (a, v) => a + v);
      const count = x.shape[2] * x.shape[3];
      return { shape: outShape, data: r.data.map((v) => v / count) };
    }
    default:
      throw new ModelGraphError(`op '${op.name}': cannot evaluate op type '${op.op}'`, op.name);
  }
}

/**
 * Reference evaluation of a ModelGraph on dense inputs (PyTorch semantics, float64). Returns
 * every value computed, keyed by name; the graph's outputs are among them.
 */
export function evaluateModel(graph: ModelGraph, inputs: Record<string, ModelTensor>): Record<string, ModelTensor> {
  const env = new Map<string, ModelTensor>();
  for (const name of graph.inputs) {
    const t = inputs[name];
    if (!t) throw new ModelGraphError(`model '${graph.name}': no data for input '${name}' (got: ${Object.keys(inputs).join(', ') || 'none'})`, name);
    const want = graph.values[name]?.shape;
    if (want && want.join(',') !== t.shape.join(',')) {
      throw new ModelGraphError(`model '${graph.name}': input '${name}' has shape [${t.shape.join(',')}] but the model expects [${want.join(',')}]`, name);
    }
    env.set(name, t);
  }
  for (const [name, w] of Object.entries(graph.weights)) env.set(name, { shape: w.shape, data: w.data });
  for (const op of graph.ops) {
    const ins = op.inputs.map((n) => {
      const t = env.get(n);
      if (!t) throw new ModelGraphError(`op '${op.name}' (${op.op}): value '${n}' has no data (missing weight or input?)`, op.name);
      return t;
    });
    env.set(op.outputs[0], evaluateOp(op, ins));
  }
  const out: Record<string, ModelTensor> = {};
  for (const [k, v] of env) out[k] = v;
  return out;
}
