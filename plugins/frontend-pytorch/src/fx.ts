import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { firstNonFinite, inferOpShape, type ModelGraph, type ModelOp, type ModelTensor, nonFiniteError, tensorFromJson } from '@fuseflow/ir';

/** One node of the FX JSON written by fuseflow_export.py (format 'fuseflow-fx', version 1). */
export interface FxNode {
  name: string;
  op: 'placeholder' | 'get_attr' | 'call_function' | 'call_method' | 'call_module' | 'output';
  target: string;
  args: unknown;
  kwargs: unknown;
  shape?: number[];
  dtype?: string;
  module?: { type: string; attrs: unknown; params: Record<string, string> };
}

export interface FxJson {
  format: 'fuseflow-fx';
  version: number;
  name: string;
  torch?: string;
  inputs: Array<{ name: string; shape: number[]; dtype: string; sparse: boolean }>;
  outputs: string[];
  nodes: FxNode[];
  params: Record<string, unknown>;
}

const bad = (msg: string, suggestion?: string): FuseFlowError =>
  new FuseFlowError('FF_INPUT_INVALID', msg, suggestion !== undefined ? { suggestion } : {});

/**
 * Decodes a tensor from the exporter's JSON: `{ shape, b64 }` (little-endian float32),
 * `{ shape, data }` or a nested array.
 */
export function decodeJsonTensor(value: unknown, what: string): ModelTensor {
  if (value && typeof value === 'object' && 'b64' in (value as object)) {
    const v = value as { shape: number[]; b64: string };
    const buf = Buffer.from(v.b64, 'base64');
    const n = v.shape.reduce((a, b) => a * b, 1);
    if (buf.length !== n * 4) throw bad(`${what}: ${buf.length} bytes of float32 data for shape [${v.shape.join(',')}] (expected ${n * 4})`);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(i * 4);
    return finite({ shape: [...v.shape], data }, what);
  }
  let t: ModelTensor;
  try {
    t = tensorFromJson(value, what);
  } catch (e) {
    throw bad((e as Error).message);
  }
  return finite(t, what);
}

/** The non-finite policy of @fuseflow/ir (NaN, Inf, overflowing literals refused). */
function finite(t: ModelTensor, what: string): ModelTensor {
  const k = firstNonFinite(t.data);
  if (k >= 0) throw nonFiniteError(what, `element ${k} (row-major)`, t.data[k]);
  return t;
}

/** Python-side names of the torch callables the importer maps, by ModelGraph op. */
const FUNCTIONS: Record<string, string> = {
  'torch._C._sparse._sparse_mm': 'sparse_mm',
  'torch.sparse.mm': 'sparse_mm',
  'torch._sparse_mm': 'sparse_mm',
  'torch.matmul': 'matmul',
  'torch.mm': 'matmul',
  'torch.bmm': 'matmul',
  '_operator.matmul': 'matmul',
  '_operator.add': 'add',
  'torch.add': 'add',
  '_operator.sub': 'sub',
  'torch.sub': 'sub',
  '_operator.mul': 'mul',
  'torch.mul': 'mul',
  '_operator.truediv': 'div',
  'torch.div': 'div',
  'torch.true_divide': 'div',
  'torch.maximum': 'max',
  'torch.relu': 'relu',
  'torch.nn.functional.relu': 'relu',
  'torch.exp': 'exp',
  'torch.sqrt': 'sqrt',
  'torch.neg': 'neg',
  '_operator.neg': 'neg',
  'torch.square': 'square',
  'torch.softmax': 'softmax',
  'torch.nn.functional.softmax': 'softmax',
  'torch.transpose': 'transpose',
  'torch.t': 'transpose',
  'torch.permute': 'transpose',
  'torch.sum': 'reduce_sum',
  'torch.mean': 'reduce_mean',
  'torch.amax': 'reduce_max',
  'torch.reshape': 'reshape',
  'torch.flatten': 'flatten',
  'torch.nn.functional.layer_norm': 'layer_norm',
  'torch.nn.functional.linear': 'linear',
  'torch.nn.functional.conv2d': 'conv2d',
  'torch.nn.functional.max_pool2d': 'max_pool',
  'torch.nn.functional.avg_pool2d': 'avg_pool',
  'torch.nn.functional.adaptive_avg_pool2d': 'global_avg_pool',
  '_operator.eq': 'eq',
  'torch.eq': 'eq',
  '_operator.pow': 'pow',
  'torch.pow': 'pow',
  'torch.nn.functional.dropout': 'identity',
};

const METHODS: Record<string, string> = {
  matmul: 'matmul', add: 'add', sub: 'sub', mul: 'mul', div: 'div', relu: 'relu', exp: 'exp', sqrt: 'sqrt',
  neg: 'neg', square: 'square', softmax: 'softmax', transpose: 'transpose', t: 'transpose', permute: 'transpose',
  view: 'reshape', reshape: 'reshape', flatten: 'flatten', sum: 'reduce_sum', mean: 'reduce_mean', amax: 'reduce_max',
  masked_fill: 'masked_fill', pow: 'pow', eq: 'eq', contiguous: 'identity', to_dense: 'identity', float: 'identity',
};

const MODULES = ['Linear', 'LayerNorm', 'ReLU', 'Softmax', 'Conv2d', 'BatchNorm2d', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'Flatten', 'Dropout', 'Identity'];

/** The FX targets the importer understands (for error messages). */
export const SUPPORTED_FX_TARGETS = [...Object.keys(FUNCTIONS), ...Object.keys(METHODS).map((m) => `Tensor.${m}`), ...MODULES.map((m) => `nn.${m}`)];

function decodeArg(a: unknown): unknown {
  if (Array.isArray(a)) return a.map(decodeArg);
  if (a && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if ('float' in o) return o.float === 'inf' ? Infinity : o.float === '-inf' ? -Infinity : NaN;
    if ('dict' in o) return Object.fromEntries(Object.entries(o.dict as Record<string, unknown>).map(([k, v]) => [k, decodeArg(v)]));
    return o;
  }
  return a;
}

const isNode = (a: unknown): a is { node: string } => !!a && typeof a === 'object' && !Array.isArray(a) && typeof (a as { node?: unknown }).node === 'string';
const pair = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]);

/** Imports the exporter's FX JSON into a ModelGraph (keeps torch.sparse.mm and sparse inputs). */
export function importFx(json: unknown, options: { file?: string } = {}): ModelGraph {
  const file = options.file ?? 'model.fx.json';
  const fx = json as FxJson;
  if (!fx || fx.format !== 'fuseflow-fx' || !Array.isArray(fx.nodes)) {
    throw bad(`${file}: not a FuseFlow FX JSON file (expected "format": "fuseflow-fx" written by fuseflow-export)`);
  }
  if (fx.version !== 1) throw bad(`${file}: FX JSON version ${fx.version} is not supported (1)`);
  const graph: ModelGraph = { name: fx.name || 'model', values: {}, ops: [], inputs: [], outputs: [], weights: {} };
  const alias = new Map<string, string>();
  const conds = new Map<string, { src: string; value: number }>();
  const resolve = (n: string): string => alias.get(n) ?? n;
  let constCount = 0;

  const weight = (name: string): string => {
    if (graph.weights[name]) return name;
    const p = fx.params?.[name];
    if (p === undefined) throw bad(`${file}: parameter '${name}' has no data in "params"`);
    const t = decodeJsonTensor(p, `${file}: parameter '${name}'`);
    graph.weights[name] = { shape: t.shape, data: t.data };
    graph.values[name] = { name, shape: [...t.shape], dtype: 'f32', role: 'weight' };
    return name;
  };
  const scalar = (v: number, at: string): string => {
    const name = `${at}_c${constCount++}`;
    graph.weights[name] = { shape: [], data: Float64Array.of(v) };
    graph.values[name] = { name, shape: [], dtype: 'f32', role: 'weight' };
    return name;
  };
  const operand = (a: unknown, at: string): string => {
    if (isNode(a)) return resolve(a.node);
    if (typeof a === 'number') return scalar(a, at);
    throw bad(`${file}: node '${at}': unsupported operand ${JSON.stringify(a)}`);
  };
  const emit = (n: FxNode, op: string, inputs: string[], attrs: Record<string, unknown> = {}): void => {
    const o: ModelOp = { name: n.name, op, inputs, outputs: [n.name], attrs };
    const shapes = inputs.map((i) => {
      const v = graph.values[i];
      if (!v) throw bad(`${file}: node '${n.name}' reads '${i}', which is not defined before it`);
      return v.shape;
    });
    let shape: number[];
    try {
      shape = inferOpShape(o, shapes);
    } catch (e) {
      throw bad(`${file}: node '${n.name}' (${n.target}): ${(e as Error).message}`);
    }
    if (n.shape && n.shape.join(',') !== shape.join(',')) {
      throw bad(`${file}: node '${n.name}' (${n.target}): PyTorch recorded shape [${n.shape.join(',')}] but the import computes [${shape.join(',')}]`);
    }
    graph.values[n.name] = { name: n.name, shape, dtype: 'f32', role: 'intermediate' };
    graph.ops.push(o);
  };
  const rankOf = (name: string): number => graph.values[name].shape.length;
  const dimArg = (args: unknown[], kwargs: Record<string, unknown>, pos: number, key = 'dim'): unknown => (kwargs[key] !== undefined ? kwargs[key] : args[pos]);

  for (const n of fx.nodes) {
    const args = (decodeArg(n.args) as unknown[]) ?? [];
    const kwargs = (decodeArg(n.kwargs) as Record<string, unknown>) ?? {};
    const where = `${file}: node '${n.name}' (${n.op} ${n.target})`;
    if (n.op === 'placeholder') {
      const spec = fx.inputs.find((i) => i.name === n.target) ?? fx.inputs.find((i) => i.name === n.name);
      const shape = spec?.shape ?? n.shape;
      if (!shape) throw bad(`${where}: input has no shape (run fuseflow-export with example inputs)`);
      const name = spec?.name ?? n.target;
      graph.values[name] = { name, shape: [...shape], dtype: 'f32', role: 'input', ...(spec?.sparse ? { format: 'dcsr' } : {}) };
      graph.inputs.push(name);
      alias.set(n.name, name);
      continue;
    }
    if (n.op === 'get_attr') {
      alias.set(n.name, weight(n.target));
      continue;
    }
    if (n.op === 'output') {
      const outs = (Array.isArray(args[0]) ? args[0] : [args[0]]) as unknown[];
      outs.forEach((o, i) => {
        if (!isNode(o)) throw bad(`${where}: output ${i} is not a tensor`);
        const name = resolve(o.node);
        if (!graph.values[name] || graph.values[name].role !== 'intermediate') throw bad(`${where}: output '${o.node}' is an input or a weight; nothing to compute`);
        graph.values[name].role = 'output';
        graph.outputs.push(name);
      });
      continue;
    }
    let op: string | undefined;
    if (n.op === 'call_function') op = FUNCTIONS[n.target];
    else if (n.op === 'call_method') op = METHODS[n.target];
    else if (n.op === 'call_module') op = n.module && MODULES.includes(n.module.type) ? `module:${n.module.type}` : undefined;
    if (!op) {
      const what = n.op === 'call_module' ? `module type '${n.module?.type}'` : `${n.op === 'call_method' ? 'method' : 'function'} '${n.target}'`;
      throw bad(`${where}: unsupported ${what}. Supported: ${SUPPORTED_FX_TARGETS.join(', ')}`);
    }
    const x = (): string => operand(args[0], n.name);
    switch (op) {
      case 'identity':
        alias.set(n.name, x());
        break;
      case 'sparse_mm': case 'matmul': case 'add': case 'sub': case 'mul': case 'div': case 'max': {
        if ((op === 'add' || op === 'sub') && kwargs.alpha !== undefined && kwargs.alpha !== 1) throw bad(`${where}: alpha != 1 is not supported`);
        const b = args[1] !== undefined ? args[1] : kwargs.other;
        emit(n, op, [x(), operand(b, n.name)]);
        break;
      }
      case 'relu': case 'exp': case 'sqrt': case 'neg': case 'square':
        emit(n, op, [x()]);
        break;
      case 'pow': {
        const e = args[1] ?? kwargs.exponent;
        if (e === 2) emit(n, 'square', [x()]);
        else if (e === 0.5) emit(n, 'sqrt', [x()]);
        else throw bad(`${where}: only x**2 and x**0.5 are supported, got exponent ${JSON.stringify(e)}`);
        break;
      }
      case 'softmax':
        emit(n, 'softmax', [x()], { axis: Number(dimArg(args, kwargs, 1) ?? -1) });
        break;
      case 'transpose': {
        const src = x();
        const r = rankOf(src);
        const perm = [...Array(r).keys()];
        if (n.target === 't' || n.target === 'torch.t') perm.reverse();
        else if (n.target === 'permute' || n.target === 'torch.permute') {
          const p = (Array.isArray(args[1]) ? args[1] : args.slice(1)) as number[];
          perm.splice(0, r, ...p.map((v) => (v < 0 ? v + r : v)));
        } else {
          const d0 = Number(args[1]), d1 = Number(args[2]);
          const a0 = d0 < 0 ? d0 + r : d0, a1 = d1 < 0 ? d1 + r : d1;
          [perm[a0], perm[a1]] = [perm[a1], perm[a0]];
        }
        emit(n, 'transpose', [src], { perm });
        break;
      }
      case 'reshape': {
        const s = (Array.isArray(args[1]) ? args[1] : args.slice(1)) as unknown[];
        if (s.some((d) => typeof d !== 'number')) throw bad(`${where}: reshape sizes must be constants (avoid x.shape in forward)`);
        emit(n, 'reshape', [x()], { shape: s as number[] });
        break;
      }
      case 'flatten':
        if ((args[2] ?? kwargs.end_dim ?? -1) !== -1) throw bad(`${where}: flatten with end_dim != -1 is not supported`);
        emit(n, 'flatten', [x()], { axis: Number(args[1] ?? kwargs.start_dim ?? 0) });
        break;
      case 'reduce_sum': case 'reduce_mean': case 'reduce_max': {
        const d = dimArg(args, kwargs, 1);
        const keep = Boolean(kwargs.keepdim ?? args[2] ?? false);
        const attrs: Record<string, unknown> = { keepdims: keep };
        if (d !== undefined && d !== null) attrs.axes = Array.isArray(d) ? d : [d];
        emit(n, op, [x()], attrs);
        break;
      }
      case 'eq': {
        const v = args[1];
        if (typeof v !== 'number') throw bad(`${where}: only comparisons with a number are supported (mask == 0)`);
        conds.set(n.name, { src: x(), value: v });
        break;
      }
      case 'masked_fill': {
        const c = isNode(args[1]) ? conds.get(args[1].node) : undefined;
        const fill = args[2];
        if (!c || c.value !== 0 || typeof fill !== 'number') throw bad(`${where}: only x.masked_fill(mask == 0, number) is supported`);
        emit(n, 'mask', [x(), c.src], { fill });
        break;
      }
      case 'layer_norm': {
        const ns = args[1] as number[];
        const ins = [x()];
        const wa = args[2] ?? kwargs.weight, ba = args[3] ?? kwargs.bias;
        if (isNode(wa)) ins.push(resolve(wa.node));
        if (isNode(ba)) ins.push(resolve(ba.node));
        emit(n, 'layer_norm', ins, { axis: -ns.length, epsilon: Number(args[4] ?? kwargs.eps ?? 1e-5) });
        break;
      }
      case 'linear': {
        const ins = [x(), operand(args[1], n.name)];
        const b = args[2] ?? kwargs.bias;
        if (isNode(b)) ins.push(resolve(b.node));
        emit(n, 'gemm', ins, { transB: 1 });
        break;
      }
      case 'global_avg_pool':
        if (JSON.stringify(args[1]) !== '1' && JSON.stringify(args[1]) !== '[1,1]') throw bad(`${where}: only adaptive_avg_pool2d to 1x1 is supported`);
        emit(n, 'global_avg_pool', [x()]);
        break;
      case 'conv2d': case 'max_pool': case 'avg_pool':
        throw bad(`${where}: use nn.Conv2d / nn.MaxPool2d / nn.AvgPool2d modules (functional forms are not imported)`);
      default: {
        // modules
        const m = n.module!;
        const attrs = (decodeArg(m.attrs) as Record<string, unknown>) ?? {};
        const p = (k: string): string | undefined => (m.params[k] ? weight(m.params[k]) : undefined);
        switch (m.type) {
          case 'Linear': {
            const ins = [x(), p('weight')!];
            if (p('bias')) ins.push(p('bias')!);
            emit(n, 'gemm', ins, { transB: 1 });
            break;
          }
          case 'LayerNorm': {
            const ns = attrs.normalized_shape as number[];
            const ins = [x()];
            if (p('weight')) ins.push(p('weight')!);
            if (p('bias')) ins.push(p('bias')!);
            emit(n, 'layer_norm', ins, { axis: -ns.length, epsilon: Number(attrs.eps ?? 1e-5) });
            break;
          }
          case 'ReLU': emit(n, 'relu', [x()]); break;
          case 'Softmax': emit(n, 'softmax', [x()], { axis: Number(attrs.dim ?? -1) }); break;
          case 'Dropout': case 'Identity': alias.set(n.name, x()); break;
          case 'Flatten':
            if ((attrs.end_dim ?? -1) !== -1) throw bad(`${where}: Flatten with end_dim != -1 is not supported`);
            emit(n, 'flatten', [x()], { axis: Number(attrs.start_dim ?? 1) });
            break;
          case 'Conv2d': {
            const pad = pair(attrs.padding);
            if (typeof attrs.padding === 'string') throw bad(`${where}: padding='${attrs.padding}' is not supported; give explicit padding`);
            const ins = [x(), p('weight')!];
            if (p('bias')) ins.push(p('bias')!);
            emit(n, 'conv2d', ins, { kernel: pair(attrs.kernel_size), strides: pair(attrs.stride), pads: [pad[0], pad[1], pad[0], pad[1]], dilations: pair(attrs.dilation ?? 1), groups: Number(attrs.groups ?? 1) });
            break;
          }
          case 'BatchNorm2d':
            emit(n, 'batch_norm', [x(), p('weight')!, p('bias')!, p('running_mean')!, p('running_var')!], { epsilon: Number(attrs.eps ?? 1e-5) });
            break;
          case 'MaxPool2d': case 'AvgPool2d': {
            if (attrs.ceil_mode) throw bad(`${where}: ceil_mode=True is not supported`);
            if (m.type === 'MaxPool2d' && JSON.stringify(pair(attrs.dilation ?? 1)) !== '[1,1]') throw bad(`${where}: dilated pooling is not supported`);
            const k = pair(attrs.kernel_size);
            const s = attrs.stride === null || attrs.stride === undefined ? k : pair(attrs.stride);
            const pad = pair(attrs.padding ?? 0);
            const a: Record<string, unknown> = { kernel: k, strides: s, pads: [pad[0], pad[1], pad[0], pad[1]] };
            if (m.type === 'AvgPool2d') a.countIncludePad = attrs.count_include_pad !== false;
            emit(n, m.type === 'MaxPool2d' ? 'max_pool' : 'avg_pool', [x()], a);
            break;
          }
          case 'AdaptiveAvgPool2d':
            if (JSON.stringify(pair(attrs.output_size)) !== '[1,1]') throw bad(`${where}: only AdaptiveAvgPool2d(1) is supported`);
            emit(n, 'global_avg_pool', [x()]);
            break;
          default:
            throw bad(`${where}: unsupported module type '${m.type}'. Supported: ${SUPPORTED_FX_TARGETS.join(', ')}`);
        }
      }
    }
  }
  if (graph.outputs.length === 0) throw bad(`${file}: the FX graph has no output node`);
  return graph;
}
