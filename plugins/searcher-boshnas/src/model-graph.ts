import type { ModelGraph, ModelOp, ModelValue } from '@fuseflow/ir';
import { DEFAULT_SPACE, archHash, lowerArch, type CnnArch } from './space';

/**
 * Lowers an architecture to a ModelGraph (NCHW activations, OIHW conv weights) so hardware
 * backends can evaluate it. `inputShape` is [N, C, H, W]. Weights are zero-filled: backends
 * only need their shapes, the trained values live in the accuracy evaluator.
 */
export function toModelGraph(arch: CnnArch, inputShape: [number, number, number, number] = [1, ...DEFAULT_SPACE.inputShape], classes = DEFAULT_SPACE.classes): ModelGraph {
  const [batch, c, h, w] = inputShape;
  const plan = lowerArch(arch, [c, h, w], classes);
  const values: Record<string, ModelValue> = {};
  const weights: ModelGraph['weights'] = {};
  const ops: ModelOp[] = [];
  const act = (name: string, shape: number[], role: ModelValue['role'] = 'intermediate') => {
    values[name] = { name, shape, dtype: 'f32', role };
    return name;
  };
  const weight = (name: string, shape: number[], fill = 0) => {
    values[name] = { name, shape, dtype: 'f32', role: 'weight' };
    const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
    if (fill) data.fill(fill);
    weights[name] = { shape, data };
    return name;
  };
  const op = (name: string, kind: string, inputs: string[], outputs: string[], attrs: Record<string, unknown> = {}) => ops.push({ name, op: kind, inputs, outputs, attrs });
  act('input', [batch, c, h, w], 'input');
  const full = (s: number[]) => [batch, ...s];
  for (const n of plan.nodes) {
    switch (n.op) {
      case 'conv': {
        const out = n.bnRelu ? `${n.id}_conv` : n.id;
        act(out, full(n.shape));
        const wt = weight(`${n.id}.weight`, [n.cout, n.cin / n.groups, n.k, n.k]);
        const inputs = [n.input, wt];
        if (!n.bnRelu) inputs.push(weight(`${n.id}.bias`, [n.cout]));
        op(`${n.id}/conv`, 'conv2d', inputs, [out], { kernel: [n.k, n.k], strides: [n.stride, n.stride], pads: [n.pad, n.pad, n.pad, n.pad], dilations: [1, 1], groups: n.groups });
        if (n.bnRelu) {
          act(`${n.id}_bn`, full(n.shape));
          const ps = ['scale', 'bias', 'mean', 'var'].map((p) => weight(`${n.id}.bn.${p}`, [n.cout], p === 'scale' || p === 'var' ? 1 : 0));
          op(`${n.id}/bn`, 'batch_norm', [out, ...ps], [`${n.id}_bn`], { epsilon: 1e-5 });
          act(n.id, full(n.shape));
          op(`${n.id}/relu`, 'relu', [`${n.id}_bn`], [n.id]);
        }
        break;
      }
      case 'pool':
        act(n.id, full(n.shape));
        op(n.id, n.pool === 'max' ? 'max_pool' : 'avg_pool', [n.input], [n.id], { kernel: [n.k, n.k], strides: [n.stride, n.stride], pads: [n.pad, n.pad, n.pad, n.pad] });
        break;
      case 'add':
        act(n.id, full(n.shape));
        op(n.id, 'add', [...n.inputs], [n.id]);
        break;
      case 'shuffle': {
        // channel shuffle = reshape [N,g,C/g,H,W] -> transpose (swap the two channel axes) -> reshape back
        const [ch, hh, ww] = n.shape;
        const g = n.groups;
        act(`${n.id}_split`, [batch, g, ch / g, hh, ww]);
        op(`${n.id}/split`, 'reshape', [n.input], [`${n.id}_split`], { shape: [batch, g, ch / g, hh, ww] });
        act(`${n.id}_t`, [batch, ch / g, g, hh, ww]);
        op(`${n.id}/transpose`, 'transpose', [`${n.id}_split`], [`${n.id}_t`], { perm: [0, 2, 1, 3, 4] });
        act(n.id, full(n.shape));
        op(`${n.id}/merge`, 'reshape', [`${n.id}_t`], [n.id], { shape: full(n.shape) });
        break;
      }
      case 'gap':
        act(n.id, full(n.shape));
        op(n.id, 'global_avg_pool', [n.input], [n.id]);
        break;
      case 'flatten':
        act(n.id, full(n.shape));
        op(n.id, 'flatten', [n.input], [n.id], { axis: 1 });
        break;
      case 'dense': {
        const out = n.relu ? `${n.id}_fc` : n.id;
        act(out, full(n.shape));
        op(`${n.id}/gemm`, 'gemm', [n.input, weight(`${n.id}.weight`, [n.fin, n.fout]), weight(`${n.id}.bias`, [n.fout])], [out], { transA: 0, transB: 0, alpha: 1, beta: 1 });
        if (n.relu) {
          act(n.id, full(n.shape));
          op(`${n.id}/relu`, 'relu', [out], [n.id]);
        }
        break;
      }
    }
  }
  values[plan.output].role = 'output';
  return { name: `cnn-${archHash(arch).slice(0, 12)}`, values, ops, inputs: ['input'], outputs: [plan.output], weights };
}
