import type { ModelGraph, ModelOp, ModelValue } from '@fuseflow/ir';

/**
 * Hand-built ResNet-8 ModelGraph for CIFAR-10 (the op sequence the PyTorch importer produces for
 * examples/cnn/resnet8.onnx: BN folded into convs, relu, residual add, GAP, FC), batch 1.
 */
export function resnet8Graph(): ModelGraph {
  const values: Record<string, ModelValue> = {};
  const ops: ModelOp[] = [];
  const weights: ModelGraph['weights'] = {};
  let n = 0;
  const v = (shape: number[], role: ModelValue['role'] = 'intermediate', name = `v${n++}`) => {
    values[name] = { name, shape, dtype: 'f32', role };
    if (role === 'weight') weights[name] = { shape, data: new Float64Array(0) };
    return name;
  };
  const conv = (name: string, x: string, cin: number, cout: number, k: number, s: number, hw: number) => {
    const ho = Math.floor((hw + 2 * Math.floor(k / 2) - k) / s) + 1;
    const y = v([1, cout, ho, ho]);
    const p = Math.floor(k / 2);
    ops.push({ name, op: 'conv2d', inputs: [x, v([cout, cin, k, k], 'weight'), v([cout], 'weight')], outputs: [y], attrs: { kernel: [k, k], strides: [s, s], pads: [p, p, p, p], dilations: [1, 1], groups: 1 } });
    return { y, ho };
  };
  const relu = (name: string, x: string) => {
    const y = v(values[x].shape);
    ops.push({ name, op: 'relu', inputs: [x], outputs: [y], attrs: {} });
    return y;
  };
  const block = (name: string, x: string, cin: number, cout: number, s: number, hw: number) => {
    const c1 = conv(`${name}.conv1`, x, cin, cout, 3, s, hw);
    const r1 = relu(`${name}.relu1`, c1.y);
    const c2 = conv(`${name}.conv2`, r1, cout, cout, 3, 1, c1.ho);
    const sc = s !== 1 || cin !== cout ? conv(`${name}.shortcut`, x, cin, cout, 1, s, hw).y : x;
    const sum = v(values[c2.y].shape);
    ops.push({ name: `${name}.add`, op: 'add', inputs: [c2.y, sc], outputs: [sum], attrs: {} });
    return { y: relu(`${name}.relu2`, sum), ho: c1.ho };
  };
  const x = v([1, 3, 32, 32], 'input', 'input');
  const stem = conv('conv', x, 3, 16, 3, 1, 32);
  let cur = { y: relu('relu', stem.y), ho: 32 };
  cur = block('layer1', cur.y, 16, 16, 1, cur.ho);
  cur = block('layer2', cur.y, 16, 32, 2, cur.ho);
  cur = block('layer3', cur.y, 32, 64, 2, cur.ho);
  const g = v([1, 64, 1, 1]);
  ops.push({ name: 'gap', op: 'global_avg_pool', inputs: [cur.y], outputs: [g], attrs: {} });
  const f = v([1, 64]);
  ops.push({ name: 'flatten', op: 'flatten', inputs: [g], outputs: [f], attrs: { axis: 1 } });
  const y = v([1, 10], 'output', 'logits');
  ops.push({ name: 'fc', op: 'gemm', inputs: [f, v([10, 64], 'weight'), v([10], 'weight')], outputs: [y], attrs: { transB: 1 } });
  return { name: 'resnet8', values, ops, inputs: ['input'], outputs: ['logits'], weights };
}
