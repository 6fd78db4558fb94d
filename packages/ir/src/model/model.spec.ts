import { fusedProgram } from '../fusion';
import { evaluateProgram } from '../program/evaluate';
import { toDense } from '../tensor/storage';
import { evaluateModel, evaluateOp } from './evaluate';
import type { ModelGraph, ModelOp } from './graph';
import { modelToProgram } from './lower';
import { printModel } from './print';
import { inferOpShape, inferShapes } from './shapes';
import type { ModelTensor } from './tensor';
import { checkModel, verifyModel } from './verify';

/** Deterministic pseudo-random values (LCG) so tests need no fixtures. */
function rnd(shape: number[], seed: number, density = 1): ModelTensor {
  let s = seed * 7919 + 13;
  const next = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const keep = next() < density;
    const v = next() * 2 - 1;
    data[i] = keep ? v : 0;
  }
  return { shape, data };
}

const op = (name: string, kind: string, inputs: string[], attrs: Record<string, unknown> = {}): ModelOp => ({ name, op: kind, inputs, outputs: [name], attrs });

/** Builds a graph from ops, declaring shapes by inference. */
function build(inputs: Record<string, number[]>, weights: Record<string, ModelTensor>, ops: ModelOp[], outputs: string[], formats: Record<string, string> = {}): ModelGraph {
  const g: ModelGraph = { name: 'm', values: {}, ops, inputs: Object.keys(inputs), outputs, weights: {} };
  for (const [n, s] of Object.entries(inputs)) g.values[n] = { name: n, shape: s, dtype: 'f32', role: 'input', format: formats[n] };
  for (const [n, w] of Object.entries(weights)) {
    g.weights[n] = w;
    g.values[n] = { name: n, shape: w.shape, dtype: 'f32', role: 'weight', format: formats[n] };
  }
  for (const o of ops) g.values[o.outputs[0]] = { name: o.outputs[0], shape: [], dtype: 'f32', role: outputs.includes(o.outputs[0]) ? 'output' : 'intermediate' };
  return inferShapes(g);
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-9, Math.abs(b[i])));
  return m;
}

describe('evaluateOp (dense reference semantics)', () => {
  it('matmul broadcasts batch dims and matches a naive triple loop', () => {
    const a = rnd([2, 3, 4], 1), b = rnd([4, 5], 2);
    const r = evaluateOp(op('m', 'matmul', ['a', 'b']), [a, b]);
    expect(r.shape).toEqual([2, 3, 5]);
    for (let t = 0; t < 2; t++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += a.data[t * 12 + i * 4 + k] * b.data[k * 5 + j];
          expect(r.data[t * 15 + i * 5 + j]).toBeCloseTo(s, 12);
        }
  });

  it('softmax rows sum to one and keep order; masked entries (-inf) become 0', () => {
    const x = { shape: [2, 3], data: Float64Array.of(1, 2, 3, 0, -Infinity, 0) };
    const r = evaluateOp(op('s', 'softmax', ['x'], { axis: 1 }), [x]);
    expect(r.data[0] + r.data[1] + r.data[2]).toBeCloseTo(1, 12);
    expect(r.data[2] / r.data[1]).toBeCloseTo(Math.E, 12);
    expect(Array.from(r.data.slice(3))).toEqual([0.5, 0, 0.5]);
  });

  it('layer_norm gives zero mean and unit variance before scale/shift', () => {
    const x = rnd([3, 8], 3);
    const r = evaluateOp(op('ln', 'layer_norm', ['x'], { axis: -1, epsilon: 0 }), [x]);
    for (let i = 0; i < 3; i++) {
      const row = Array.from(r.data.slice(i * 8, i * 8 + 8));
      const mean = row.reduce((a, b) => a + b) / 8;
      expect(mean).toBeCloseTo(0, 12);
      expect(row.reduce((a, b) => a + (b - mean) ** 2, 0) / 8).toBeCloseTo(1, 10);
    }
  });

  it('conv2d with padding/stride equals a hand-computed 3x3 box sum', () => {
    const x = { shape: [1, 1, 3, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) };
    const w = { shape: [1, 1, 3, 3], data: new Float64Array(9).fill(1) };
    const r = evaluateOp(op('c', 'conv2d', ['x', 'w'], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), [x, w]);
    expect(r.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(r.data)).toEqual([1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
  });

  it('pools, global average pool and batch_norm', () => {
    const x = { shape: [1, 1, 2, 4], data: Float64Array.from([1, 5, 2, 0, 3, 4, 8, 6]) };
    expect(Array.from(evaluateOp(op('p', 'max_pool', ['x'], { kernel: [2, 2] }), [x]).data)).toEqual([5, 8]);
    expect(Array.from(evaluateOp(op('p', 'avg_pool', ['x'], { kernel: [2, 2] }), [x]).data)).toEqual([13 / 4, 16 / 4]);
    expect(Array.from(evaluateOp(op('g', 'global_avg_pool', ['x']), [x]).data)).toEqual([29 / 8]);
    const one = (v: number): ModelTensor => ({ shape: [1], data: Float64Array.of(v) });
    const bn = evaluateOp(op('b', 'batch_norm', ['x', 's', 'b', 'm', 'v'], { epsilon: 0 }), [x, one(2), one(1), one(3), one(4)]);
    expect(bn.data[0]).toBeCloseTo(((1 - 3) / 2) * 2 + 1, 12);
  });

  it('mask keeps x where m != 0 and fills elsewhere', () => {
    const x = { shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) };
    const m = { shape: [2, 2], data: Float64Array.of(1, 0, 0, 1) };
    expect(Array.from(evaluateOp(op('k', 'mask', ['x', 'm'], { fill: -9 }), [x, m]).data)).toEqual([1, -9, -9, 4]);
  });
});

describe('shapes and verification', () => {
  it('rejects a matmul with mismatched inner dimensions, naming the op', () => {
    expect(() => inferOpShape(op('mm1', 'matmul', ['a', 'b']), [[2, 3], [4, 5]])).toThrow(/op 'mm1' \(matmul\).*inner dimensions/);
  });
  it('resolves reshape -1 and rejects impossible reshapes', () => {
    expect(inferOpShape(op('r', 'reshape', ['x'], { shape: [-1, 4] }), [[2, 3, 4]])).toEqual([6, 4]);
    expect(() => inferOpShape(op('r', 'reshape', ['x'], { shape: [5, -1] }), [[2, 3, 4]])).toThrow(/cannot reshape/);
  });
  it('checkModel lists every problem: unknown op, undefined input, bad weight data', () => {
    const g = build({ x: [2, 3] }, { w: rnd([3, 4], 1) }, [op('y', 'matmul', ['x', 'w'])], ['y']);
    g.ops.push(op('z', 'frobnicate', ['y']));
    g.ops.push(op('u', 'relu', ['nope']));
    g.weights.w = { shape: [3, 4], data: new Float64Array(5) };
    const p = checkModel(g);
    expect(p.join('\n')).toMatch(/unknown op type 'frobnicate'/);
    expect(p.join('\n')).toMatch(/input 'nope' is not declared/);
    expect(p.join('\n')).toMatch(/weight 'w' has 5 values/);
    expect(() => verifyModel(g)).toThrow(/is invalid/);
  });
  it('prints a readable text form', () => {
    const g = build({ x: [2, 3] }, { w: rnd([3, 4], 1) }, [op('y', 'matmul', ['x', 'w'])], ['y'], { w: 'dcsr' });
    expect(printModel(g)).toBe('model m\n  input  x: f32[2,3]\n  weight w: f32[3,4] dcsr\n  y = matmul(x, w)  : f32[2,4]  # y\n  return y\n');
  });
});

describe('modelToProgram means what the model means', () => {
  const check = (g: ModelGraph, inputs: Record<string, ModelTensor>, formats: Record<string, string> = {}): void => {
    verifyModel(g);
    const ref = evaluateModel(g, inputs);
    const { program, data } = modelToProgram(g, { inputs, formats });
    const res = evaluateProgram(program, data);
    g.outputs.forEach((o, i) => {
      expect(maxRel(toDense(res[program.outputs[i]]), ref[o].data)).toBeLessThan(1e-9);
    });
  };

  it('GCN layer with sparse adjacency and sparse weights, bias broadcast and softmax', () => {
    const n = 9;
    const a = rnd([n, n], 4, 0.3);
    for (let i = 0; i < n; i++) a.data[i * n + i] = 1; // self-loops: every row is stored
    const g = build({ A: [n, n], X: [n, 5] }, { W: rnd([5, 3], 5, 0.6), b: rnd([3], 6) }, [
      op('ax', 'sparse_mm', ['A', 'X']),
      op('h', 'matmul', ['ax', 'W']),
      op('hb', 'add', ['h', 'b']),
      op('y', 'softmax', ['hb'], { axis: 1 }),
    ], ['y']);
    check(g, { A: a, X: rnd([n, 5], 7) }, { A: 'dcsr', W: 'dcsr' });
    const { program } = modelToProgram(g, { inputs: { A: a, X: rnd([n, 5], 7) }, formats: { A: 'dcsr', W: 'dcsr' } });
    expect(program.statements.map((s) => s.name)).toEqual(['ax', 'h', 'hb', 'y_max', 'y_exp', 'y_sum', 'y_div']);
    expect(program.tensors.A.format.levels).toEqual(['compressed', 'compressed']);
  });

  it('a bias add after a sparse product with an empty column keeps the bias there (as PyTorch)', () => {
    const w = rnd([4, 6], 21, 0.5);
    for (let k = 0; k < 4; k++) w.data[k * 6 + 2] = 0; // column 2 of the product is never stored
    const g = build({ x: [3, 4] }, { w, b: rnd([6], 22) }, [op('t', 'matmul', ['x', 'w']), op('y', 'add', ['t', 'b']), op('z', 'softmax', ['y'], { axis: 1 })], ['z']);
    check(g, { x: rnd([3, 4], 23) }, { x: 'dcsr', w: 'dcsr' });
    const { program } = modelToProgram(g, { inputs: { x: rnd([3, 4], 23) }, formats: { x: 'dcsr', w: 'dcsr' } });
    expect(program.tensors.t.format.levels).toEqual(['dense', 'dense']);
    // fully fused, t is inlined (its dense storage is gone): the broadcast bias must still be added
    const { program: p2, data } = modelToProgram(g, { inputs: { x: rnd([3, 4], 23) }, formats: { x: 'dcsr', w: 'dcsr' } });
    const fused = fusedProgram({ ...p2, groups: [{ name: 'g0', statements: p2.statements.map((st) => st.name) }] });
    const want = evaluateModel(g, { x: rnd([3, 4], 23) }).z.data;
    expect(maxRel(toDense(evaluateProgram(fused, data)[p2.outputs[0]]), want)).toBeLessThan(1e-9);
  });

  it('Linear (gemm transB) stores the transposed weight concordantly in its format', () => {
    const g = build({ x: [4, 6] }, { W: rnd([3, 6], 8, 0.5), c: rnd([3], 9) }, [op('y', 'gemm', ['x', 'W', 'c'], { transB: 1, alpha: 0.5, beta: 2 })], ['y']);
    check(g, { x: rnd([4, 6], 10) }, { W: 'csr' });
    const { program } = modelToProgram(g, { inputs: { x: rnd([4, 6], 10) }, formats: { W: 'csr' } });
    expect(program.tensors.W_T.shape).toEqual([6, 3]);
    expect(program.tensors.W_T.format.levels).toEqual(['dense', 'compressed']);
  });

  it('multi-head masked attention with transposes, keepdims reductions and layer_norm', () => {
    const s = 8, d = 6, h = 2, dh = 3;
    const mask = { shape: [s, s], data: new Float64Array(s * s) };
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) mask.data[i * s + j] = Math.abs(i - j) <= 1 || j === 0 ? 1 : 0;
    const g = build({ x: [s, d], mask: [s, s] }, {
      g1: rnd([d], 11), b1: rnd([d], 12), Wq: rnd([h, d, dh], 13), Wk: rnd([h, d, dh], 14), Wv: rnd([h, d, dh], 15),
      Wo: rnd([h, dh, d], 16), scale: { shape: [], data: Float64Array.of(Math.sqrt(dh)) },
    }, [
      op('ln', 'layer_norm', ['x', 'g1', 'b1'], { axis: -1, epsilon: 1e-5 }),
      op('q', 'matmul', ['ln', 'Wq']),
      op('k', 'matmul', ['ln', 'Wk']),
      op('v', 'matmul', ['ln', 'Wv']),
      op('kt', 'transpose', ['k'], { perm: [0, 2, 1] }),
      op('sc', 'matmul', ['q', 'kt']),
      op('sd', 'div', ['sc', 'scale']),
      op('sm', 'mask', ['sd', 'mask'], { fill: -Infinity }),
      op('p', 'softmax', ['sm'], { axis: -1 }),
      op('o', 'matmul', ['p', 'v']),
      op('oo', 'matmul', ['o', 'Wo']),
      op('y', 'reduce_sum', ['oo'], { axes: [0], keepdims: false }),
      op('mx', 'reduce_max', ['y'], { axes: [1], keepdims: true }),
      op('z', 'sub', ['y', 'mx']),
    ], ['z']);
    check(g, { x: rnd([s, d], 17), mask }, { mask: 'dcsr' });
  });

  it('refuses a reshape that merges stored modes and a -inf mask not feeding softmax', () => {
    const g = build({ x: [4, 6] }, {}, [op('r', 'reshape', ['x'], { shape: [24] }), op('y', 'relu', ['r'])], ['y']);
    expect(() => modelToProgram(g, {})).toThrow(/splits or merges stored modes/);
    const m = { shape: [2, 2], data: Float64Array.of(1, 0, 0, 1) };
    const g2 = build({ x: [2, 2] }, { m }, [op('k', 'mask', ['x', 'm'], { fill: -Infinity }), op('y', 'relu', ['k'])], ['y']);
    expect(() => modelToProgram(g2, {})).toThrow(/fill -Infinity/);
  });

  it('reports conv2d as not lowerable to a TensorProgram (systolic path)', () => {
    const g = build({ x: [1, 1, 4, 4] }, { w: rnd([2, 1, 3, 3], 1) }, [op('c', 'conv2d', ['x', 'w'], { kernel: [3, 3] })], ['c']);
    expect(() => modelToProgram(g, {})).toThrow(/no TensorProgram lowering for op type 'conv2d'/);
  });
});
