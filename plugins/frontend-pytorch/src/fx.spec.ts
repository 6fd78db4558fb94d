import { evaluateModel } from '@fuseflow/ir';
import { decodeJsonTensor, type FxJson, type FxNode, importFx } from './fx';

const f32 = (shape: number[], vals: number[]): { shape: number[]; b64: string } => {
  const b = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return { shape, b64: b.toString('base64') };
};
const node = (name: string, op: FxNode['op'], target: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, extra: Partial<FxNode> = {}): FxNode => ({
  name, op, target, args, kwargs: { dict: kwargs }, ...extra,
});
const ref = (n: string): { node: string } => ({ node: n });
const fx = (nodes: FxNode[], inputs: FxJson['inputs'], params: FxJson['params'] = {}): FxJson => ({
  format: 'fuseflow-fx', version: 1, name: 'm', inputs, outputs: ['out'], nodes, params,
});

describe('importFx', () => {
  it('imports torch.sparse.mm, nn.Linear, masked_fill and softmax with their PyTorch meaning', () => {
    const g = importFx(fx([
      node('a', 'placeholder', 'a'),
      node('x', 'placeholder', 'x'),
      node('m', 'placeholder', 'm'),
      node('_sparse_mm', 'call_function', 'torch._C._sparse._sparse_mm', [ref('a'), ref('x')]),
      node('fc', 'call_module', 'fc', [ref('_sparse_mm')], {}, { module: { type: 'Linear', attrs: { dict: {} }, params: { weight: 'fc.weight', bias: 'fc.bias' } } }),
      node('eq', 'call_function', '_operator.eq', [ref('m'), 0]),
      node('masked_fill', 'call_method', 'masked_fill', [ref('fc'), ref('eq'), { float: '-inf' }]),
      node('softmax', 'call_function', 'torch.softmax', [ref('masked_fill')], { dim: -1 }),
      node('output', 'output', 'output', [ref('softmax')]),
    ], [
      { name: 'a', shape: [2, 2], dtype: 'f32', sparse: true },
      { name: 'x', shape: [2, 3], dtype: 'f32', sparse: false },
      { name: 'm', shape: [2, 2], dtype: 'f32', sparse: false },
    ], { 'fc.weight': f32([2, 3], [1, 0, 0, 0, 1, 0]), 'fc.bias': f32([2], [0, 1]) }));
    expect(g.ops.map((o) => o.op)).toEqual(['sparse_mm', 'gemm', 'mask', 'softmax']);
    expect(g.values.a.format).toBe('dcsr');
    const t = (shape: number[], ...v: number[]) => ({ shape, data: Float64Array.from(v) });
    const y = evaluateModel(g, { a: t([2, 2], 1, 0, 0, 2), x: t([2, 3], 1, 2, 3, 4, 5, 6), m: t([2, 2], 1, 1, 0, 1) })[g.outputs[0]];
    // fc(a@x) rows: [1, 3] and [8, 11]; row 1 masks column 0
    expect(y.data[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 12);
    expect(Array.from(y.data.slice(2))).toEqual([0, 1]);
  });

  it('records scalar operands as constants and checks PyTorch recorded shapes', () => {
    const base = [node('x', 'placeholder', 'x'), node('mul', 'call_function', '_operator.mul', [ref('x'), 2.5], {}, { shape: [3] }), node('output', 'output', 'output', [ref('mul')])];
    const g = importFx(fx(base, [{ name: 'x', shape: [3], dtype: 'f32', sparse: false }]));
    expect(Array.from(evaluateModel(g, { x: { shape: [3], data: Float64Array.of(1, 2, 4) } })[g.outputs[0]].data)).toEqual([2.5, 5, 10]);
    const wrong = [base[0], { ...base[1], shape: [4] }, base[2]];
    expect(() => importFx(fx(wrong, [{ name: 'x', shape: [3], dtype: 'f32', sparse: false }]), { file: 'w.fx.json' })).toThrow(/node 'mul'.*PyTorch recorded shape \[4\] but the import computes \[3\]/);
  });

  it('an unsupported function names the node, the target and the supported list', () => {
    const nodes = [node('x', 'placeholder', 'x'), node('tanh', 'call_function', 'torch.tanh', [ref('x')]), node('output', 'output', 'output', [ref('tanh')])];
    expect(() => importFx(fx(nodes, [{ name: 'x', shape: [3], dtype: 'f32', sparse: false }]), { file: 't.fx.json' })).toThrow(
      /t\.fx\.json: node 'tanh' \(call_function torch\.tanh\): unsupported function 'torch\.tanh'\. Supported: .*torch\.matmul/,
    );
  });

  it('a parameter without data (missing weight) is a clear error', () => {
    const nodes = [node('x', 'placeholder', 'x'), node('w', 'get_attr', 'W1'), node('mm', 'call_function', 'torch.matmul', [ref('x'), ref('w')]), node('output', 'output', 'output', [ref('mm')])];
    expect(() => importFx(fx(nodes, [{ name: 'x', shape: [2, 2], dtype: 'f32', sparse: false }]), { file: 'g.fx.json' })).toThrow(/g\.fx\.json: parameter 'W1' has no data/);
  });

  it('rejects files that are not FuseFlow FX JSON and corrupt tensor data', () => {
    expect(() => importFx({ nodes: [] }, { file: 'x.json' })).toThrow(/not a FuseFlow FX JSON file/);
    expect(() => decodeJsonTensor({ shape: [3], b64: Buffer.alloc(8).toString('base64') }, 'p')).toThrow(/8 bytes of float32 data for shape \[3\]/);
  });
});
