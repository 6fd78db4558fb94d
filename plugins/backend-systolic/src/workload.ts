import { FuseFlowError, type ModelGraph, type ModelOp } from './deps';

/** What a layer does on the accelerator. */
export type LayerKind = 'conv' | 'gemm' | 'pool' | 'gap' | 'bn' | 'eltwise';

/**
 * One layer of a network, per sample (batch is applied by the hardware configuration).
 * Spatial sizes are the unpadded input (h, w) and the output (ho, wo); for gemm layers
 * h = w = ho = wo = 1, cin = input features and cout = output features.
 */
export interface Layer {
  name: string;
  kind: LayerKind;
  /** the ModelGraph op it came from ('conv2d', 'gemm', 'relu', 'add', ...). */
  op: string;
  h: number;
  w: number;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  groups: number;
  ho: number;
  wo: number;
  /** rows of a gemm/matmul per sample (1 for a fully connected layer). */
  rows: number;
  /** batch_norm/relu directly after a conv/gemm (folded into its output stage). */
  fused: boolean;
  /** value names read and written (tensor residency in AccelBench's buffer model). */
  input: string;
  output: string;
}

/** A network: its layers in execution order and the activation functions its MAC lanes need. */
export interface Network {
  name: string;
  layers: Layer[];
  activation: 'relu' | 'silu' | 'both';
  /** value names that are views of another value (flatten/reshape/fused ops): name -> source name. */
  aliases: Record<string, string>;
}

/** Multiply-accumulates of a layer per sample (0 for layers not on the MAC array). */
export function layerMacs(l: Layer): number {
  if (l.kind === 'conv') return l.ho * l.wo * l.cout * l.kh * l.kw * (l.cin / l.groups);
  if (l.kind === 'gemm') return l.rows * l.cin * l.cout;
  return 0;
}

const FREE_OPS = new Set(['flatten', 'reshape', 'identity', 'dropout', 'transpose', 'constant', 'squeeze', 'unsqueeze']);
const ELTWISE_OPS = new Set(['add', 'sub', 'mul', 'div', 'max', 'exp', 'neg', 'sqrt', 'sigmoid', 'silu', 'tanh', 'clip']);

function numArray(op: ModelOp, key: string, len: number, dflt: number): number[] {
  const v = op.attrs[key];
  if (v === undefined) return new Array(len).fill(dflt);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new FuseFlowError('FF_INPUT_INVALID', `op '${op.name}' (${op.op}): attribute '${key}' must be a number array, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/**
 * Extracts the accelerator workload from a ModelGraph (NCHW activations, OIHW conv weights).
 * Shapes come from the graph's values; the graph's own batch dimension is divided out.
 */
export function networkFromModelGraph(g: ModelGraph): Network {
  const shapeOf = (name: string, op: ModelOp): number[] => {
    const v = g.values[name] ?? (g.weights[name] ? { shape: g.weights[name].shape } : undefined);
    if (!v) throw new FuseFlowError('FF_INPUT_INVALID', `op '${op.name}' (${op.op}) reads value '${name}' which the graph does not declare`);
    return v.shape;
  };
  const layers: Layer[] = [];
  const producer = new Map<string, Layer>();
  const aliases: Record<string, string> = {};
  let relu = false;
  let silu = false;
  for (const op of g.ops) {
    const kind = op.op;
    if (kind === 'relu') relu = true;
    if (kind === 'silu' || kind === 'sigmoid') silu = true;
    if (FREE_OPS.has(kind)) {
      // Shape-only ops: the consumer reads the producer's tensor under the new name.
      const src = producer.get(op.inputs[0]);
      if (src) producer.set(op.outputs[0], src);
      aliases[op.outputs[0]] = op.inputs[0];
      continue;
    }
    const base = { name: op.name, op: kind, input: op.inputs[0], output: op.outputs[0], fused: false, rows: 1 };
    if (kind === 'conv2d') {
      const x = shapeOf(op.inputs[0], op);
      const wt = shapeOf(op.inputs[1], op);
      const y = shapeOf(op.outputs[0], op);
      if (x.length !== 4 || wt.length !== 4 || y.length !== 4) {
        throw new FuseFlowError('FF_INPUT_INVALID', `conv2d '${op.name}': expected 4-d NCHW input/output and OIHW weight, got ${JSON.stringify([x, wt, y])}`);
      }
      const groups = typeof op.attrs.groups === 'number' ? op.attrs.groups : 1;
      const [kh, kw] = numArray(op, 'kernel', 2, 0).map((k, i) => k || wt[2 + i]);
      const [sh, sw] = numArray(op, 'strides', 2, 1);
      const [dh, dw] = numArray(op, 'dilations', 2, 1);
      if (wt[1] * groups !== x[1] || y[1] !== wt[0]) {
        throw new FuseFlowError('FF_INPUT_INVALID', `conv2d '${op.name}': weight ${JSON.stringify(wt)} with groups=${groups} does not match input channels ${x[1]} / output channels ${y[1]}`);
      }
      // A dilated kernel touches the same number of taps; only its extent grows.
      void dh, void dw;
      layers.push({ ...base, kind: 'conv', h: x[2], w: x[3], cin: x[1], cout: y[1], kh, kw, sh, sw, groups, ho: y[2], wo: y[3] });
    } else if (kind === 'gemm' || kind === 'matmul') {
      const a = shapeOf(op.inputs[0], op);
      const b = shapeOf(op.inputs[1], op);
      const y = shapeOf(op.outputs[0], op);
      const transA = op.attrs.transA === 1 || op.attrs.transA === true;
      const transB = op.attrs.transB === 1 || op.attrs.transB === true;
      const kA = transA ? a[a.length - 2] : a[a.length - 1];
      const n = transB ? b[b.length - 2] : b[b.length - 1];
      // 2-d A: its leading dim is the batch (one row per sample, a fully connected layer);
      // batched A [N, S, K]: S rows per sample.
      const rows = a.length >= 3 ? a.slice(1, -1).reduce((p, q) => p * q, 1) : 1;
      if (y[y.length - 1] !== n) {
        throw new FuseFlowError('FF_INPUT_INVALID', `${kind} '${op.name}': output last dim ${y[y.length - 1]} != weight output dim ${n}`);
      }
      layers.push({ ...base, kind: 'gemm', h: 1, w: 1, cin: kA, cout: n, kh: 1, kw: 1, sh: 1, sw: 1, groups: 1, ho: 1, wo: 1, rows });
    } else if (kind === 'max_pool' || kind === 'avg_pool') {
      const x = shapeOf(op.inputs[0], op);
      const y = shapeOf(op.outputs[0], op);
      const [kh, kw] = numArray(op, 'kernel', 2, 1);
      const [sh, sw] = numArray(op, 'strides', 2, 1);
      layers.push({ ...base, kind: 'pool', h: x[2], w: x[3], cin: x[1], cout: y[1], kh, kw, sh, sw, groups: 1, ho: y[2], wo: y[3] });
    } else if (kind === 'global_avg_pool') {
      const x = shapeOf(op.inputs[0], op);
      layers.push({ ...base, kind: 'gap', h: x[2], w: x[3], cin: x[1], cout: x[1], kh: x[2], kw: x[3], sh: 1, sw: 1, groups: 1, ho: 1, wo: 1 });
    } else if (kind === 'batch_norm' || kind === 'relu' || ELTWISE_OPS.has(kind)) {
      const y = shapeOf(op.outputs[0], op);
      const c = y.length >= 2 ? y[1] : 1;
      const h = y.length === 4 ? y[2] : 1;
      const w = y.length === 4 ? y[3] : 1;
      const prev = producer.get(op.inputs[0]);
      // Elementwise ops directly after a conv/gemm (or after its already-fused BN) ride on its output stage.
      const fusable = (kind === 'batch_norm' || kind === 'relu') && prev !== undefined && (prev.kind === 'conv' || prev.kind === 'gemm' || prev.fused);
      const l: Layer = { ...base, kind: kind === 'batch_norm' ? 'bn' : 'eltwise', h, w, cin: c, cout: c, kh: 1, kw: 1, sh: 1, sw: 1, groups: 1, ho: h, wo: w, fused: fusable };
      layers.push(l);
      if (fusable) aliases[op.outputs[0]] = op.inputs[0];
    } else {
      throw new FuseFlowError('FF_INPUT_INVALID', `op '${op.name}': the systolic backend has no model for '${kind}' (supported: conv2d, gemm, matmul, max_pool, avg_pool, global_avg_pool, batch_norm, relu, elementwise ops, flatten/reshape)`);
    }
    producer.set(op.outputs[0], layers[layers.length - 1]);
  }
  if (!layers.some((l) => l.kind === 'conv' || l.kind === 'gemm')) {
    throw new FuseFlowError('FF_INPUT_INVALID', `model '${g.name}' has no conv2d/gemm/matmul layer to map onto the array`);
  }
  return { name: g.name, layers, activation: relu && silu ? 'both' : silu ? 'silu' : 'relu', aliases };
}

/** Builds a conv layer from SCALE-Sim topology fields (no padding, as SCALE-Sim assumes). */
export function convLayer(name: string, h: number, w: number, kh: number, kw: number, cin: number, cout: number, sh: number, sw: number, groups = 1): Layer {
  return {
    name,
    kind: 'conv',
    op: 'conv2d',
    h,
    w,
    cin,
    cout,
    kh,
    kw,
    sh,
    sw,
    groups,
    ho: Math.floor((h - kh) / sh) + 1,
    wo: Math.floor((w - kw) / sw) + 1,
    rows: 1,
    fused: false,
    input: `${name}.in`,
    output: `${name}.out`,
  };
}

/** Builds a GEMM layer out[rows x n] = A[rows x k] * B[k x n]. */
export function gemmLayer(name: string, rows: number, k: number, n: number): Layer {
  return { name, kind: 'gemm', op: 'gemm', h: 1, w: 1, cin: k, cout: n, kh: 1, kw: 1, sh: 1, sw: 1, groups: 1, ho: 1, wo: 1, rows, fused: false, input: `${name}.in`, output: `${name}.out` };
}
