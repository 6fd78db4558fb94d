import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { firstNonFinite, inferOpShape, type ModelGraph, type ModelOp, type ModelValue, nonFiniteError } from '@fuseflow/ir';
import { onnx } from 'onnx-proto';

/** ONNX op types the importer understands (torch.onnx.export, opsets 13-17). */
export const SUPPORTED_ONNX_OPS = [
  'Add', 'AveragePool', 'BatchNormalization', 'Cast', 'Constant', 'Conv', 'Div', 'Dropout', 'Equal', 'Exp', 'Flatten',
  'Gemm', 'GlobalAveragePool', 'Identity', 'LayerNormalization', 'MatMul', 'Max', 'MaxPool', 'Mul', 'Neg', 'Pad', 'Pow',
  'ReduceMax', 'ReduceMean', 'ReduceSum', 'Relu', 'Reshape', 'Softmax', 'Sqrt', 'Squeeze', 'Sub', 'Transpose',
  'Unsqueeze', 'Where',
] as const;

const bad = (msg: string, suggestion?: string): FuseFlowError =>
  new FuseFlowError('FF_INPUT_INVALID', msg, suggestion !== undefined ? { suggestion } : {});

const toNum = (v: unknown): number => (typeof v === 'number' ? v : Number(v as { toString(): string }));

interface Tensor {
  shape: number[];
  data: Float64Array;
}

/** Decodes an ONNX TensorProto (raw_data or typed fields) to float64. */
function decodeTensor(t: onnx.ITensorProto, what: string): Tensor {
  const shape = (t.dims ?? []).map(toNum);
  const n = shape.reduce((a, b) => a * b, 1);
  const dt = t.dataType ?? 1;
  const T = onnx.TensorProto.DataType;
  let data: Float64Array;
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const width = dt === T.DOUBLE || dt === T.INT64 ? 8 : dt === T.BOOL || dt === T.UINT8 || dt === T.INT8 ? 1 : 4;
    if (raw.byteLength !== n * width) throw bad(`${what}: raw data has ${raw.byteLength} bytes, expected ${n * width} for shape [${shape.join(',')}]`);
    data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * width;
      switch (dt) {
        case T.FLOAT: data[i] = view.getFloat32(o, true); break;
        case T.DOUBLE: data[i] = view.getFloat64(o, true); break;
        case T.INT64: data[i] = Number(view.getBigInt64(o, true)); break;
        case T.INT32: data[i] = view.getInt32(o, true); break;
        case T.BOOL: case T.UINT8: data[i] = view.getUint8(o); break;
        case T.INT8: data[i] = view.getInt8(o); break;
        default: throw bad(`${what}: unsupported tensor data type ${dt}`);
      }
    }
  } else if (t.floatData && t.floatData.length > 0) data = Float64Array.from(t.floatData);
  else if (t.doubleData && t.doubleData.length > 0) data = Float64Array.from(t.doubleData);
  else if (t.int64Data && t.int64Data.length > 0) data = Float64Array.from(t.int64Data.map(toNum));
  else if (t.int32Data && t.int32Data.length > 0) data = Float64Array.from(t.int32Data);
  else if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw bad(`${what}: external tensor data is not supported (export without external data)`);
  else data = new Float64Array(n);
  if (data.length !== n) throw bad(`${what}: ${data.length} values for shape [${shape.join(',')}]`);
  // Scalars are operator constants (masked_fill's -inf fill), not data: the non-finite policy covers tensors.
  const k = shape.length > 0 ? firstNonFinite(data) : -1;
  if (k >= 0) throw nonFiniteError(what, `element ${k} (row-major)`, data[k]);
  return { shape, data };
}

function attrMap(node: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}

const attrInt = (a: Map<string, onnx.IAttributeProto>, k: string, d?: number): number | undefined => (a.has(k) ? toNum(a.get(k)!.i) : d);
const attrFloat = (a: Map<string, onnx.IAttributeProto>, k: string, d?: number): number | undefined => (a.has(k) ? (a.get(k)!.f ?? 0) : d);
const attrInts = (a: Map<string, onnx.IAttributeProto>, k: string): number[] | undefined => (a.has(k) ? (a.get(k)!.ints ?? []).map(toNum) : undefined);

/** Decodes ONNX bytes, turning protobuf failures (truncated or non-ONNX files) into clear errors. */
export function decodeOnnx(bytes: Uint8Array, file = 'model.onnx'): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw bad(`${file} is not a valid ONNX model (${(e as Error).message}); the file may be truncated or not ONNX`, 're-export it with torch.onnx.export or fuseflow-export');
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw bad(`${file}: the ONNX model has no graph nodes (truncated or empty file?)`);
  }
  return model;
}

/**
 * Imports an ONNX model (as written by torch.onnx.export) into a ModelGraph. Weights are the
 * initializers and Constant nodes; shapes of intermediates are inferred from the input shapes.
 */
export function importOnnx(bytes: Uint8Array, options: { file?: string; name?: string } = {}): ModelGraph {
  const file = options.file ?? 'model.onnx';
  const model = decodeOnnx(bytes, file);
  const g = model.graph!;
  const opset = (model.opsetImport ?? []).find((o) => !o.domain)?.version;
  const opsetN = opset === undefined || opset === null ? 17 : toNum(opset);
  if (opsetN < 13 || opsetN > 18) {
    throw bad(`${file}: ONNX opset ${opsetN} is not supported (13-18; torch.onnx.export opset_version=13..17)`);
  }
  const graph: ModelGraph = { name: options.name ?? (g.name || 'model'), values: {}, ops: [], inputs: [], outputs: [], weights: {} };
  const consts = new Map<string, Tensor>();
  /** Equal(m, c) results, consumed by Where (masked_fill). */
  const conds = new Map<string, { src: string; value: number }>();
  const alias = new Map<string, string>();
  /** zero padding (Pad) waiting to be folded into the consuming Conv / AveragePool: [top,left,bottom,right]. */
  const padded = new Map<string, { src: string; pads: number[] }>();
  const resolve = (n: string): string => alias.get(n) ?? n;

  const addWeight = (name: string, t: Tensor): void => {
    consts.set(name, t);
    graph.weights[name] = { shape: t.shape, data: t.data };
    graph.values[name] = { name, shape: [...t.shape], dtype: 'f32', role: 'weight' };
  };
  for (const init of g.initializer ?? []) addWeight(init.name ?? '', decodeTensor(init, `${file}: initializer '${init.name}'`));

  for (const inp of g.input ?? []) {
    const name = inp.name ?? '';
    if (consts.has(name)) continue; // older exporters list initializers as inputs too
    const dims = inp.type?.tensorType?.shape?.dim ?? [];
    const shape = dims.map((d, i) => {
      if (d.dimValue === undefined || d.dimValue === null || toNum(d.dimValue) <= 0) {
        throw bad(`${file}: input '${name}' has a symbolic dimension ${i} ('${d.dimParam ?? '?'}'); export with fixed shapes (no dynamic_axes)`);
      }
      return toNum(d.dimValue);
    });
    graph.values[name] = { name, shape, dtype: 'f32', role: 'input' };
    graph.inputs.push(name);
  }

  const constOf = (n: string, node: onnx.INodeProto, what: string): Tensor => {
    const t = consts.get(resolve(n));
    if (!t) throw bad(`${file}: node '${node.name}' (${node.opType}): ${what} '${n}' must be a constant`);
    return t;
  };
  const emit = (node: onnx.INodeProto, op: string, inputs: string[], attrs: Record<string, unknown> = {}): void => {
    const out = node.output![0];
    const o: ModelOp = { name: node.name || `${op}_${graph.ops.length}`, op, inputs: inputs.map(resolve), outputs: [out], attrs };
    const shapes = o.inputs.map((i) => {
      const v = graph.values[i];
      if (!v) throw bad(`${file}: node '${o.name}' (${node.opType}) reads '${i}', which no earlier node defines`);
      return v.shape;
    });
    let shape: number[];
    try {
      shape = inferOpShape(o, shapes);
    } catch (e) {
      throw bad(`${file}: node '${o.name}' (${node.opType}): ${(e as Error).message}`);
    }
    const v: ModelValue = { name: out, shape, dtype: 'f32', role: 'intermediate' };
    graph.values[out] = v;
    graph.ops.push(o);
  };

  for (const node of g.node ?? []) {
    const a = attrMap(node);
    const ins = (node.input ?? []).filter((s) => s !== '');
    const t = node.opType ?? '';
    const where = `${file}: node '${node.name}' (${t})`;
    switch (t) {
      case 'Constant': {
        const v = a.get('value');
        if (v?.t) addWeight(node.output![0], decodeTensor(v.t, where));
        else if (a.has('value_float')) addWeight(node.output![0], { shape: [], data: Float64Array.of(a.get('value_float')!.f ?? 0) });
        else if (a.has('value_int')) addWeight(node.output![0], { shape: [], data: Float64Array.of(toNum(a.get('value_int')!.i)) });
        else if (a.has('value_floats')) { const f = a.get('value_floats')!.floats ?? []; addWeight(node.output![0], { shape: [f.length], data: Float64Array.from(f) }); }
        else if (a.has('value_ints')) { const f = (a.get('value_ints')!.ints ?? []).map(toNum); addWeight(node.output![0], { shape: [f.length], data: Float64Array.from(f) }); }
        else throw bad(`${where}: unsupported Constant attribute (${[...a.keys()].join(', ')})`);
        break;
      }
      case 'Identity': case 'Dropout': case 'Cast': {
        const src = resolve(ins[0]);
        if (consts.has(src) && t === 'Identity') addWeight(node.output![0], consts.get(src)!); // deduplicated initializers (ln2.bias = ln1.bias)
        else if (conds.has(src)) conds.set(node.output![0], conds.get(src)!);
        else alias.set(node.output![0], src);
        break;
      }
      case 'MatMul': emit(node, 'matmul', ins); break;
      case 'Gemm':
        emit(node, 'gemm', ins, { transA: attrInt(a, 'transA', 0), transB: attrInt(a, 'transB', 0), alpha: attrFloat(a, 'alpha', 1), beta: attrFloat(a, 'beta', 1) });
        break;
      case 'Add': emit(node, 'add', ins); break;
      case 'Sub': emit(node, 'sub', ins); break;
      case 'Mul': emit(node, 'mul', ins); break;
      case 'Div': emit(node, 'div', ins); break;
      case 'Relu': emit(node, 'relu', ins); break;
      case 'Exp': emit(node, 'exp', ins); break;
      case 'Neg': emit(node, 'neg', ins); break;
      case 'Sqrt': emit(node, 'sqrt', ins); break;
      case 'Max': {
        if (ins.length === 1) { alias.set(node.output![0], resolve(ins[0])); break; }
        // variadic Max folds left into binary max ops
        let acc = ins[0];
        for (let i = 1; i < ins.length; i++) {
          const last = i === ins.length - 1;
          const out = last ? node.output![0] : `${node.output![0]}__${i}`;
          emit({ ...node, name: last ? node.name : `${node.name}__${i}`, output: [out] }, 'max', [acc, ins[i]]);
          acc = out;
        }
        break;
      }
      case 'Pow': {
        const e = constOf(ins[1], node, 'exponent');
        if (e.data.length !== 1 || (e.data[0] !== 2 && e.data[0] !== 0.5 && e.data[0] !== 1)) {
          throw bad(`${where}: only the exponents 2, 1 and 0.5 are supported (decomposed LayerNorm / norms), got ${Array.from(e.data).join(',')}`);
        }
        if (e.data[0] === 1) alias.set(node.output![0], resolve(ins[0]));
        else emit(node, e.data[0] === 2 ? 'square' : 'sqrt', [ins[0]]);
        break;
      }
      case 'ReduceSum': case 'ReduceMax': case 'ReduceMean': {
        // ReduceSum takes axes as an input from opset 13 (the others from 18); earlier, an attribute.
        let axes = attrInts(a, 'axes');
        if (ins.length > 1) axes = Array.from(constOf(ins[1], node, 'axes').data);
        const keepdims = attrInt(a, 'keepdims', 1) === 1;
        if (!axes && attrInt(a, 'noop_with_empty_axes', 0) === 1) { alias.set(node.output![0], resolve(ins[0])); break; }
        emit(node, t === 'ReduceSum' ? 'reduce_sum' : t === 'ReduceMax' ? 'reduce_max' : 'reduce_mean', [ins[0]], axes ? { axes, keepdims } : { keepdims });
        break;
      }
      case 'Softmax': emit(node, 'softmax', [ins[0]], { axis: attrInt(a, 'axis', -1) }); break;
      case 'LayerNormalization':
        emit(node, 'layer_norm', ins.slice(0, 3), { axis: attrInt(a, 'axis', -1), epsilon: attrFloat(a, 'epsilon', 1e-5) });
        break;
      case 'Transpose': {
        const x = graph.values[resolve(ins[0])];
        emit(node, 'transpose', [ins[0]], { perm: attrInts(a, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i) });
        break;
      }
      case 'Reshape': {
        const target = Array.from(constOf(ins[1], node, 'shape').data);
        const x = graph.values[resolve(ins[0])];
        const allowzero = attrInt(a, 'allowzero', 0) === 1;
        const shape = allowzero ? target : target.map((d, i) => (d === 0 ? x.shape[i] : d));
        emit(node, 'reshape', [ins[0]], { shape });
        break;
      }
      case 'Squeeze': case 'Unsqueeze': {
        const x = graph.values[resolve(ins[0])];
        const axesT = ins.length > 1 ? Array.from(constOf(ins[1], node, 'axes').data) : attrInts(a, 'axes');
        let shape: number[];
        if (t === 'Squeeze') {
          const ax = (axesT ?? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((v) => (v < 0 ? v + x.shape.length : v));
          shape = x.shape.filter((_, i) => !ax.includes(i));
        } else {
          const r = x.shape.length + (axesT?.length ?? 0);
          const ax = (axesT ?? []).map((v) => (v < 0 ? v + r : v));
          shape = [];
          let k = 0;
          for (let i = 0; i < r; i++) shape.push(ax.includes(i) ? 1 : x.shape[k++]);
        }
        emit(node, 'reshape', [ins[0]], { shape });
        break;
      }
      case 'Flatten': emit(node, 'flatten', [ins[0]], { axis: attrInt(a, 'axis', 1) }); break;
      case 'Pad': {
        // torch exports AvgPool2d / Conv padding as an explicit Pad in some cases: fold it.
        const mode = a.get('mode')?.s ? new TextDecoder().decode(a.get('mode')!.s!) : 'constant';
        const pads = ins.length > 1 ? Array.from(constOf(ins[1], node, 'pads').data) : attrInts(a, 'pads') ?? [];
        const value = ins.length > 2 ? constOf(ins[2], node, 'constant_value').data[0] : 0;
        const x = graph.values[resolve(ins[0])];
        if (pads.every((p) => p === 0)) { alias.set(node.output![0], resolve(ins[0])); break; }
        const r = x?.shape.length ?? 0;
        if (mode !== 'constant' || value !== 0 || r !== 4 || pads[0] || pads[1] || pads[4] || pads[5]) {
          throw bad(`${where}: only zero constant padding of the spatial dims of an NCHW tensor (folded into the next Conv/AveragePool) is supported`);
        }
        padded.set(node.output![0], { src: resolve(ins[0]), pads: [pads[2], pads[3], pads[6], pads[7]] });
        break;
      }
      case 'Conv': {
        const w = graph.values[resolve(ins[1])];
        if (!w || w.shape.length !== 4) throw bad(`${where}: only 2-D convolutions are supported`);
        let pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
        const pre = padded.get(ins[0]);
        if (pre) {
          pads = pads.map((p, i) => p + pre.pads[i]);
          ins[0] = pre.src;
        }
        const autoPad = a.get('auto_pad')?.s ? new TextDecoder().decode(a.get('auto_pad')!.s!) : 'NOTSET';
        if (autoPad !== 'NOTSET' && autoPad !== '') throw bad(`${where}: auto_pad=${autoPad} is not supported; export with explicit padding`);
        emit(node, 'conv2d', ins, {
          kernel: attrInts(a, 'kernel_shape') ?? w.shape.slice(2),
          strides: attrInts(a, 'strides') ?? [1, 1],
          pads: [pads[0], pads[1], pads[2], pads[3]],
          dilations: attrInts(a, 'dilations') ?? [1, 1],
          groups: attrInt(a, 'group', 1),
        });
        break;
      }
      case 'BatchNormalization': emit(node, 'batch_norm', ins.slice(0, 5), { epsilon: attrFloat(a, 'epsilon', 1e-5) }); break;
      case 'MaxPool': case 'AveragePool': {
        if (attrInt(a, 'ceil_mode', 0) === 1) throw bad(`${where}: ceil_mode=1 is not supported`);
        const k = attrInts(a, 'kernel_shape')!;
        let pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
        let includePad = attrInt(a, 'count_include_pad', 0) === 1;
        const pre = padded.get(ins[0]);
        if (pre) {
          if (t === 'MaxPool') throw bad(`${where}: zero padding before MaxPool is not supported`);
          pads = pads.map((p, i) => p + pre.pads[i]);
          ins[0] = pre.src;
          includePad = true; // the explicit zeros were averaged in
        }
        const attrs: Record<string, unknown> = { kernel: k, strides: attrInts(a, 'strides') ?? k, pads };
        if (t === 'AveragePool') attrs.countIncludePad = includePad;
        emit(node, t === 'MaxPool' ? 'max_pool' : 'avg_pool', [ins[0]], attrs);
        break;
      }
      case 'GlobalAveragePool': emit(node, 'global_avg_pool', [ins[0]]); break;
      case 'Equal': {
        const c = consts.get(resolve(ins[1]));
        if (!c || c.data.length !== 1) throw bad(`${where}: only comparisons with a scalar constant are supported (masked_fill(mask == 0, v))`);
        conds.set(node.output![0], { src: resolve(ins[0]), value: c.data[0] });
        break;
      }
      case 'Where': {
        // masked_fill(m == c, fill): Where(Equal(m, c), fill, x)
        const cond = conds.get(resolve(ins[0]));
        const fill = consts.get(resolve(ins[1]));
        if (!cond || cond.value !== 0 || !fill || fill.data.length !== 1) {
          throw bad(`${where}: only Where(Equal(mask, 0), scalar, x) is supported (x.masked_fill(mask == 0, value))`);
        }
        emit(node, 'mask', [ins[2], cond.src], { fill: fill.data[0] });
        break;
      }
      default:
        throw bad(`${where}: unsupported ONNX op type '${t}'. Supported: ${SUPPORTED_ONNX_OPS.join(', ')}`);
    }
  }
  for (const o of g.output ?? []) {
    const n = resolve(o.name ?? '');
    if (!graph.values[n]) throw bad(`${file}: graph output '${o.name}' is not computed by any node`);
    if (n !== o.name && graph.values[n].role !== 'intermediate') {
      throw bad(`${file}: graph output '${o.name}' is an input or weight; nothing to compute`);
    }
    graph.values[n].role = graph.values[n].role === 'intermediate' ? 'output' : graph.values[n].role;
    graph.outputs.push(n);
  }
  // Constants that only fed shapes/axes/conditions are not weights of the model.
  const used = new Set(graph.ops.flatMap((o) => o.inputs));
  for (const w of Object.keys(graph.weights)) {
    if (!used.has(w)) {
      delete graph.weights[w];
      delete graph.values[w];
    }
  }
  return graph;
}
