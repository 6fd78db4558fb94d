import type { ModelGraph, ModelOp, ModelValue } from '@fuseflow/ir';

/** Hand-built LeNet-5 ModelGraph (NCHW, batch 1), as the PyTorch importer would emit it. */
export function lenetGraph(): ModelGraph {
  const values: Record<string, ModelValue> = {};
  const ops: ModelOp[] = [];
  const weights: ModelGraph['weights'] = {};
  const v = (name: string, shape: number[], role: ModelValue['role'] = 'intermediate') => {
    values[name] = { name, shape, dtype: 'f32', role };
    if (role === 'weight') weights[name] = { shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) };
    return name;
  };
  const op = (name: string, kind: string, inputs: string[], outputs: string[], attrs: Record<string, unknown> = {}) => ops.push({ name, op: kind, inputs, outputs, attrs });
  v('x', [1, 1, 32, 32], 'input');
  op('conv1', 'conv2d', ['x', v('w1', [6, 1, 5, 5], 'weight'), v('b1', [6], 'weight')], [v('c1', [1, 6, 28, 28])], { kernel: [5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 });
  op('relu1', 'relu', ['c1'], [v('r1', [1, 6, 28, 28])]);
  op('pool1', 'max_pool', ['r1'], [v('p1', [1, 6, 14, 14])], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
  op('conv2', 'conv2d', ['p1', v('w2', [16, 6, 5, 5], 'weight'), v('b2', [16], 'weight')], [v('c2', [1, 16, 10, 10])], { kernel: [5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 });
  op('relu2', 'relu', ['c2'], [v('r2', [1, 16, 10, 10])]);
  op('pool2', 'max_pool', ['r2'], [v('p2', [1, 16, 5, 5])], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
  op('flatten', 'flatten', ['p2'], [v('f', [1, 400])], { axis: 1 });
  op('fc1', 'gemm', ['f', v('w3', [120, 400], 'weight'), v('b3', [120], 'weight')], [v('h1', [1, 120])], { transB: 1 });
  op('relu3', 'relu', ['h1'], [v('a1', [1, 120])]);
  op('fc2', 'gemm', ['a1', v('w4', [84, 120], 'weight'), v('b4', [84], 'weight')], [v('h2', [1, 84])], { transB: 1 });
  op('relu4', 'relu', ['h2'], [v('a2', [1, 84])]);
  op('fc3', 'gemm', ['a2', v('w5', [10, 84], 'weight'), v('b5', [10], 'weight')], [v('y', [1, 10], 'output')], { transB: 1 });
  return { name: 'lenet5', values, ops, inputs: ['x'], outputs: ['y'], weights };
}
