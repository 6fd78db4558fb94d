import { evaluateModel, type ModelTensor } from '@fuseflow/ir';
import { onnx } from 'onnx-proto';
import { importOnnx } from './onnx';

type Attr = number | number[] | { f: number } | { t: ModelTensor };

/** Encodes a one-graph ONNX model: float inputs, float initializers, nodes with attributes. */
function model(opts: {
  inputs: Record<string, number[]>;
  inits?: Record<string, ModelTensor>;
  intInits?: Record<string, number[]>;
  nodes: Array<{ op: string; in: string[]; out: string; attrs?: Record<string, Attr> }>;
  outputs: string[];
  opset?: number;
}): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const tensor = (name: string, t: ModelTensor): onnx.ITensorProto => ({ name, dims: t.shape, dataType: T.FLOAT, floatData: Array.from(t.data) });
  const attr = (name: string, v: Attr): onnx.IAttributeProto => {
    const A = onnx.AttributeProto.AttributeType;
    if (typeof v === 'number') return { name, type: A.INT, i: v };
    if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
    if ('f' in v) return { name, type: A.FLOAT, f: v.f };
    return { name, type: A.TENSOR, t: tensor('', v.t) };
  };
  const m = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
    graph: {
      name: 'g',
      input: Object.entries(opts.inputs).map(([name, shape]) => ({ name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } })),
      initializer: [
        ...Object.entries(opts.inits ?? {}).map(([n, t]) => tensor(n, t)),
        ...Object.entries(opts.intInits ?? {}).map(([name, v]) => ({ name, dims: [v.length], dataType: T.INT64, int64Data: v })),
      ],
      node: opts.nodes.map((n, i) => ({ name: `/n${i}/${n.op}`, opType: n.op, input: n.in, output: [n.out], attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attr(k, v)) })),
      output: opts.outputs.map((name) => ({ name })),
    },
  });
  return onnx.ModelProto.encode(m).finish();
}

const t = (shape: number[], ...vals: number[]): ModelTensor => ({ shape, data: Float64Array.from(vals) });
const run = (bytes: Uint8Array, inputs: Record<string, ModelTensor>): number[] => {
  const g = importOnnx(bytes);
  return Array.from(evaluateModel(g, inputs)[g.outputs[0]].data);
};
const close = (a: number[], b: number[]): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 6));
};

describe('importOnnx: each op', () => {
  const x23 = t([2, 3], 1, -2, 3, -4, 5, -6);
  const unary: Array<[string, (v: number) => number]> = [
    ['Relu', (v) => Math.max(0, v)],
    ['Exp', Math.exp],
    ['Neg', (v) => -v],
  ];
  it.each(unary)('%s', (opType, f) => {
    close(run(model({ inputs: { x: [2, 3] }, nodes: [{ op: opType, in: ['x'], out: 'y' }], outputs: ['y'] }), { x: x23 }), Array.from(x23.data).map(f));
  });

  it('Sqrt and Pow(x, 2)', () => {
    const x = t([3], 1, 4, 9);
    close(run(model({ inputs: { x: [3] }, nodes: [{ op: 'Sqrt', in: ['x'], out: 'y' }], outputs: ['y'] }), { x }), [1, 2, 3]);
    close(run(model({ inputs: { x: [3] }, inits: { two: t([], 2) }, nodes: [{ op: 'Pow', in: ['x', 'two'], out: 'y' }], outputs: ['y'] }), { x }), [1, 16, 81]);
  });

  const binary: Array<[string, (a: number, b: number) => number]> = [
    ['Add', (a, b) => a + b],
    ['Sub', (a, b) => a - b],
    ['Mul', (a, b) => a * b],
    ['Div', (a, b) => a / b],
    ['Max', Math.max],
  ];
  it.each(binary)('%s broadcasts a bias row', (opType, f) => {
    const b = t([3], 0.5, -1, 2);
    const want = Array.from(x23.data).map((v, i) => f(v, b.data[i % 3]));
    close(run(model({ inputs: { x: [2, 3] }, inits: { b }, nodes: [{ op: opType, in: ['x', 'b'], out: 'y' }], outputs: ['y'] }), { x: x23 }), want);
  });

  it('MatMul and Gemm(transB, alpha, beta) against hand-computed products', () => {
    const w = t([3, 2], 1, 0, 0, 1, 1, 1);
    close(run(model({ inputs: { x: [2, 3] }, inits: { w }, nodes: [{ op: 'MatMul', in: ['x', 'w'], out: 'y' }], outputs: ['y'] }), { x: x23 }), [1 + 3, -2 + 3, -4 - 6, 5 - 6]);
    const wt = t([2, 3], 1, 0, 1, 0, 1, 1);
    const c = t([2], 10, 20);
    const g = model({ inputs: { x: [2, 3] }, inits: { wt, c }, nodes: [{ op: 'Gemm', in: ['x', 'wt', 'c'], out: 'y', attrs: { transB: 1, alpha: { f: 2 }, beta: { f: 0.5 } } }], outputs: ['y'] });
    close(run(g, { x: x23 }), [2 * 4 + 5, 2 * 1 + 10, 2 * -10 + 5, 2 * -1 + 10]);
  });

  it('Softmax, ReduceSum (axes input), ReduceMax / ReduceMean (axes attribute)', () => {
    const x = t([2, 2], 0, Math.log(3), 1, 1);
    close(run(model({ inputs: { x: [2, 2] }, nodes: [{ op: 'Softmax', in: ['x'], out: 'y', attrs: { axis: 1 } }], outputs: ['y'] }), { x }), [0.25, 0.75, 0.5, 0.5]);
    close(run(model({ inputs: { x: [2, 3] }, intInits: { ax: [1] }, nodes: [{ op: 'ReduceSum', in: ['x', 'ax'], out: 'y', attrs: { keepdims: 0 } }], outputs: ['y'] }), { x: x23 }), [2, -5]);
    close(run(model({ inputs: { x: [2, 3] }, nodes: [{ op: 'ReduceMax', in: ['x'], out: 'y', attrs: { axes: [0], keepdims: 1 } }], outputs: ['y'] }), { x: x23 }), [1, 5, 3]);
    close(run(model({ inputs: { x: [2, 3] }, nodes: [{ op: 'ReduceMean', in: ['x'], out: 'y', attrs: { axes: [1], keepdims: 1 } }], outputs: ['y'] }), { x: x23 }), [2 / 3, -5 / 3]);
  });

  it('LayerNormalization equals its decomposed opset-13 form', () => {
    const x = t([2, 4], 1, 2, 3, 4, -1, 0, 2, 7);
    const g = t([4], 1, 2, 1, 0.5), b = t([4], 0, 1, 0, -1);
    const fused = run(model({ inputs: { x: [2, 4] }, inits: { g, b }, nodes: [{ op: 'LayerNormalization', in: ['x', 'g', 'b'], out: 'y', attrs: { axis: -1, epsilon: { f: 1e-5 } } }], outputs: ['y'] }), { x });
    const decomposed = run(model({
      opset: 13,
      inputs: { x: [2, 4] },
      inits: { g, b, two: t([], 2), eps: t([], 1e-5) },
      nodes: [
        { op: 'ReduceMean', in: ['x'], out: 'm', attrs: { axes: [-1], keepdims: 1 } },
        { op: 'Sub', in: ['x', 'm'], out: 'd' },
        { op: 'Pow', in: ['d', 'two'], out: 'd2' },
        { op: 'ReduceMean', in: ['d2'], out: 'v', attrs: { axes: [-1], keepdims: 1 } },
        { op: 'Add', in: ['v', 'eps'], out: 've' },
        { op: 'Sqrt', in: ['ve'], out: 's' },
        { op: 'Div', in: ['d', 's'], out: 'n' },
        { op: 'Mul', in: ['n', 'g'], out: 'ng' },
        { op: 'Add', in: ['ng', 'b'], out: 'y' },
      ],
      outputs: ['y'],
    }), { x });
    close(fused, decomposed);
    // row 0: mean 2.5, var 1.25
    expect(fused[0]).toBeCloseTo((-1.5 / Math.sqrt(1.25 + 1e-5)) * 1 + 0, 5);
  });

  it('Transpose, Reshape (shape initializer), Flatten, Unsqueeze/Squeeze, Identity', () => {
    const g = model({
      inputs: { x: [2, 3] },
      intInits: { shp: [3, 2], ax: [0] },
      nodes: [
        { op: 'Transpose', in: ['x'], out: 'xt', attrs: { perm: [1, 0] } },
        { op: 'Reshape', in: ['xt', 'shp'], out: 'r' },
        { op: 'Unsqueeze', in: ['r', 'ax'], out: 'u' },
        { op: 'Identity', in: ['u'], out: 'i' },
        { op: 'Squeeze', in: ['i', 'ax'], out: 's' },
        { op: 'Flatten', in: ['s'], out: 'y', attrs: { axis: 0 } },
      ],
      outputs: ['y'],
    });
    const gr = importOnnx(g);
    expect(gr.values[gr.outputs[0]].shape).toEqual([1, 6]);
    close(run(g, { x: x23 }), [1, -4, -2, 5, 3, -6]);
  });

  it('Conv, BatchNormalization, MaxPool, AveragePool, GlobalAveragePool', () => {
    const x = t([1, 1, 4, 4], ...Array.from({ length: 16 }, (_, i) => i));
    const w = t([1, 1, 2, 2], 1, 1, 1, 1);
    const one = (v: number): ModelTensor => t([1], v);
    const bytes = model({
      inputs: { x: [1, 1, 4, 4] },
      inits: { w, bias: one(1), s: one(2), bb: one(0), mu: one(1), var: one(4) },
      nodes: [
        { op: 'Conv', in: ['x', 'w', 'bias'], out: 'c', attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] } },
        { op: 'BatchNormalization', in: ['c', 's', 'bb', 'mu', 'var'], out: 'n', attrs: { epsilon: { f: 0 } } },
        { op: 'MaxPool', in: ['n'], out: 'p', attrs: { kernel_shape: [2, 1], strides: [1, 1] } },
        { op: 'AveragePool', in: ['p'], out: 'a', attrs: { kernel_shape: [1, 2] } },
        { op: 'GlobalAveragePool', in: ['a'], out: 'y' },
      ],
      outputs: ['y'],
    });
    // conv: 2x2 block sums + 1 = [11, 19, 43, 51]; bn: (v - 1) / 2 * 2 = v - 1; max over rows: [42, 50]; avg: 46
    close(run(bytes, { x }), [46]);
  });

  it('masked_fill(mask == 0, -inf) (Equal, Cast, Where) becomes a mask op', () => {
    const g = importOnnx(model({
      inputs: { s: [2, 2], m: [2, 2] },
      inits: { zero: t([], 0), ninf: t([], -Infinity) },
      nodes: [
        { op: 'Equal', in: ['m', 'zero'], out: 'e' },
        { op: 'Cast', in: ['e'], out: 'ec', attrs: { to: 9 } },
        { op: 'Where', in: ['ec', 'ninf', 's'], out: 'w' },
        { op: 'Softmax', in: ['w'], out: 'y', attrs: { axis: -1 } },
      ],
      outputs: ['y'],
    }));
    expect(g.ops.map((o) => o.op)).toEqual(['mask', 'softmax']);
    const y = evaluateModel(g, { s: t([2, 2], 1, 2, 3, 4), m: t([2, 2], 1, 0, 1, 1) })[g.outputs[0]];
    close(Array.from(y.data), [1, 0, 1 / (1 + Math.E), Math.E / (1 + Math.E)]);
  });
});

describe('importOnnx: bad inputs', () => {
  const good = model({ inputs: { x: [2, 2] }, inits: { w: t([2, 2], 1, 2, 3, 4) }, nodes: [{ op: 'MatMul', in: ['x', 'w'], out: 'y' }], outputs: ['y'] });

  it('a truncated file is a clear FF_INPUT_INVALID error, not a crash', () => {
    for (const cut of [3, Math.floor(good.length / 2), good.length - 5]) {
      let err: unknown;
      try {
        importOnnx(good.slice(0, cut), { file: 'cut.onnx' });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'FF_INPUT_INVALID' });
      expect((err as Error).message).toMatch(/cut\.onnx/);
    }
  });

  it.each([NaN, Infinity, -Infinity])('an initializer tensor holding %s is FF_INPUT_INVALID naming file, initializer and element', (v) => {
    const bytes = model({ inputs: { x: [2, 2] }, inits: { w: t([2, 2], 1, 2, v, 4) }, nodes: [{ op: 'MatMul', in: ['x', 'w'], out: 'y' }], outputs: ['y'] });
    expect(() => importOnnx(bytes, { file: 'nf.onnx' })).toThrow(new RegExp(`^nf\\.onnx: initializer 'w': element 2 \\(row-major\\): value '${v}' is not a finite number$`));
  });

  it('an unsupported op names the node, its type and the supported list', () => {
    const bytes = model({ inputs: { x: [2] }, nodes: [{ op: 'Tanh', in: ['x'], out: 'y' }], outputs: ['y'] });
    expect(() => importOnnx(bytes, { file: 'tanh.onnx' })).toThrow(/tanh\.onnx: node '\/n0\/Tanh' \(Tanh\): unsupported ONNX op type 'Tanh'\. Supported: Add, AveragePool, .*MatMul/);
  });

  it('a node reading a missing initializer (missing weight) is reported', () => {
    const bytes = model({ inputs: { x: [2, 2] }, nodes: [{ op: 'MatMul', in: ['x', 'W1'], out: 'y' }], outputs: ['y'] });
    expect(() => importOnnx(bytes)).toThrow(/reads 'W1', which no earlier node defines/);
  });

  it('symbolic input dimensions and out-of-range opsets are refused', () => {
    const m = onnx.ModelProto.decode(good);
    m.graph!.input![0].type!.tensorType!.shape!.dim![0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' });
    expect(() => importOnnx(onnx.ModelProto.encode(m).finish())).toThrow(/symbolic dimension 0 \('batch'\)/);
    const old = model({ opset: 9, inputs: { x: [2] }, nodes: [{ op: 'Relu', in: ['x'], out: 'y' }], outputs: ['y'] });
    expect(() => importOnnx(old)).toThrow(/opset 9 is not supported/);
  });
});
