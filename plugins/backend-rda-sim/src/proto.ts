import * as protobuf from 'protobufjs';
import { FuseFlowError } from '@fuseflow/kernel';
import {
  primitiveSignature,
  verifyDataflowGraph,
  type AluOp,
  type DataflowGraph,
  type DfNode,
  type DfTensorInfo,
  type NodeAttrs,
  type PrimitiveKind,
  type StreamKind,
} from '@fuseflow/ir';
import { COMAL_PROTO } from './comal-proto';

let rootCache: protobuf.Root | undefined;
function comalType(): protobuf.Type {
  rootCache ??= protobuf.parse(COMAL_PROTO, { keepCase: true }).root;
  return rootCache.lookupType('tortilla.ComalGraph');
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Decodes ComalGraph bytes to a plain object (proto field names, enums as strings). */
export function decodeComalGraph(bytes: Uint8Array): Obj {
  const T = comalType();
  return T.toObject(T.decode(bytes), { longs: Number, enums: String, defaults: true, oneofs: true, arrays: true });
}

/** Encodes a plain ComalGraph object (as decodeComalGraph returns) to bytes. */
export function encodeComalGraph(obj: Obj): Uint8Array {
  const T = comalType();
  return T.encode(T.fromObject(obj)).finish();
}

const STREAM_MSG: Record<StreamKind, string> = { crd: 'CrdStream', ref: 'RefStream', val: 'ValStream', repsig: 'RepSigStream' };
const BUNDLE_FIELD: Record<StreamKind, string> = { crd: 'crd', ref: 'ref', val: 'val', repsig: 'repsig' };

const ALU_TO_PROTO: Partial<Record<AluOp, string>> = {
  add: 'ADD', sub: 'SUB', mul: 'MUL', div: 'DIV', exp: 'EXP', max: 'MAX', min: 'MIN', relu: 'MAX', scalar_max: 'MAX',
  scalar_add: 'SCALARADD', scalar_mul: 'SCALARMUL', scalar_div: 'SCALARDIV', rsqrt: 'RSQRT', sigmoid: 'SIGMOID',
  neg: 'NEG', sqrt: 'SQRT', log: 'LOG', tanh: 'TANH', abs: 'ABS', square: 'SQUARE', scalar_rsub: 'SCALARRSUB', scalar_rdiv: 'SCALARRDIV',
};

/**
 * Encodes a DataflowGraph as a tortilla ComalGraph protobuf. Channels keep their numeric ids,
 * discarded outputs get id 0 ("void"), and a repsig node feeding a repeat is folded into the
 * Repeat op (Comal's driver rebuilds the RepeatSigGen from the raw crd stream).
 */
export function exportComalGraph(g: DataflowGraph, channelSize = 0): Uint8Array {
  verifyDataflowGraph(g);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const chan = new Map(g.channels.map((c) => [c.id, c]));
  const s = (id: number | undefined, name = ''): Obj => ({ id: { id: id ?? 0 }, name });
  const folded = new Set<number>();
  for (const n of g.nodes) {
    if (n.kind !== 'repeat') continue;
    const src = byId.get(chan.get(n.inputs.repsig)!.src.node)!;
    if (src.kind === 'repsig') folded.add(src.id);
  }
  const ops: Obj[] = [];
  for (const n of g.nodes) {
    if (folded.has(n.id)) continue;
    const a = n.attrs;
    const i = n.inputs;
    const o = n.outputs;
    const kindIn = (p: string) => chan.get(i[p])!.kind;
    let op: Obj;
    switch (n.kind) {
      case 'root':
        op = { root: { label: n.label, tensor: a.tensor ?? '', output_ref: s(o.ref) } };
        break;
      case 'level_scan': {
        const t = g.tensors[a.tensor!];
        const mode = a.mode ?? t.format.modeOrder[a.level!];
        const lvl = a.level ?? t.format.modeOrder.indexOf(mode);
        op = { fiber_lookup: { input_ref: s(i.ref), output_ref: s(o.ref), output_crd: s(o.crd), index: a.index ?? '', tensor: a.tensor, mode, format: t.format.levels[lvl], root: byId.get(chan.get(i.ref)!.src.node)!.kind === 'root', label: n.label } };
        break;
      }
      case 'repsig':
        op = { repeatsig: { input_crd: s(i.crd), output_rep_sig: s(o.repsig), label: n.label } };
        break;
      case 'repeat': {
        const sigSrc = byId.get(chan.get(i.repsig)!.src.node)!;
        const val = kindIn('in') === 'val';
        op = {
          repeat: {
            [val ? 'input_val' : 'input_ref']: s(i.in),
            [val ? 'output_val' : 'output_ref']: s(o.out),
            ...(folded.has(sigSrc.id) ? { rep_ref: s(sigSrc.inputs.crd) } : { rep_sig: s(i.repsig) }),
            label: n.label,
            index: a.index ?? '',
          },
        };
        break;
      }
      case 'intersect':
      case 'union': {
        const k = a.arity ?? 2;
        const pay = (id: number | undefined, kind: StreamKind) => (kind === 'val' ? { val_stream: s(id) } : { ref_stream: s(id) });
        op = {
          joiner: {
            join_type: n.kind === 'union' ? 'UNION' : 'INTERSECT',
            input_pairs: Array.from({ length: k }, (_, q) => ({ crd: s(i[`crd${q}`]), in_ref: pay(i[`ref${q}`], kindIn(`ref${q}`)) })),
            output_refs: Array.from({ length: k }, (_, q) => pay(o[`ref${q}`], kindIn(`ref${q}`))),
            output_crd: s(o.crd),
            index: a.index ?? '',
            label: n.label,
          },
        };
        break;
      }
      case 'locate':
        op = { locate: { input_crd: s(i.crd), input_ref: s(i.ref), output_ref1: s(o.ref1), output_ref2: s(o.ref2), output_crd: s(o.crd), label: n.label, ...(i.base ? { input_base: s(i.base), tensor: a.tensor ?? '', level: a.level ?? -1 } : {}) } };
        break;
      case 'array':
        op = { array: { tensor: a.tensor, input_ref: s(i.ref), output_val: s(o.val), label: n.label, blocked: !!g.blockSize, stream_shape: g.blockSize ? [g.blockSize, g.blockSize] : [] } };
        break;
      case 'alu': {
        const p = ALU_TO_PROTO[a.alu!];
        if (!p) throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': ALU op '${a.alu}' has no protobuf encoding`);
        const inputs = i.b ? [s(i.a), s(i.b)] : [s(i.a)];
        const scalar = a.alu === 'relu' ? 0 : (a.scalar ?? 0);
        op = { alu: { vals: { inputs, output: s(o.out) }, stages: [{ inputs: inputs.map((_, q) => q), output: 0, op: p }], output_val: s(o.out), label: n.label, scalar, matmul: !!a.matmul, blocked: !!g.blockSize, empty: a.empty ?? '', ...(a.tile ? { tile_a: a.tile.a, tile_b: a.tile.b, tile_out: a.tile.out } : {}) } };
        break;
      }
      case 'reduce':
        op = { reduce: { input_val: s(i.in), output_val: s(o.out), label: n.label, reduce_type: a.reduce === 'max' ? 'MAX' : 'ADD', blocked: !!g.blockSize } };
        break;
      case 'spacc1':
        op = { spacc: { max: a.reduce === 'max', order: 1, input_inner_crd: s(i.inner_crd), input_outer_crds: [s(i.outer_crd)], input_val: s(i.val), output_inner_crd: s(o.inner_crd), output_val: s(o.val), label: n.label } };
        break;
      case 'spacc2':
        op = { spacc: { max: a.reduce === 'max', order: 2, input_inner_crd: s(i.crd0), input_outer_crds: [s(i.crd1), s(i.outer_crd)], input_val: s(i.val), output_inner_crd: s(o.crd0), output_outer_crds: [s(o.crd1)], output_val: s(o.val), label: n.label } };
        break;
      case 'crd_drop':
      case 'crd_hold':
        op = { [n.kind === 'crd_drop' ? 'coord_drop' : 'coord_hold']: { input_inner_crd: s(i.inner), input_outer_crd: s(i.outer), output_inner_crd: s(o.inner), output_outer_crd: s(o.outer), label: n.label } };
        break;
      case 'broadcast':
      case 'fork': {
        const k = a.arity ?? 2;
        const kind = kindIn('in');
        op = { [n.kind]: { label: n.label, [BUNDLE_FIELD[kind]]: { input: s(i.in), outputs: Array.from({ length: k }, (_, q) => s(o[`out${q}`])) }, ...(n.kind === 'fork' ? { index: a.index ?? '' } : {}) } };
        break;
      }
      case 'join': {
        const k = a.arity ?? 2;
        const kind = kindIn('in0');
        if (kind === 'repsig') throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': a join of repsig streams has no protobuf encoding`);
        op = { join: { label: n.label, index: a.index ?? '', level: a.level ?? -1, [BUNDLE_FIELD[kind]]: { output: s(o.out), inputs: Array.from({ length: k }, (_, q) => s(i[`in${q}`])) } } };
        break;
      }
      case 'gen_ref':
        op = { gen_ref: { input_crd: s(i.crd), output_ref: s(o.ref), label: n.label } };
        break;
      case 'crd_write': {
        const lvl = a.level ?? 0;
        const mode = g.output.modeOrder[lvl] ?? lvl;
        op = { fiber_write: { input_crd: s(i.crd), index: a.index ?? '', tensor: a.tensor ?? g.output.tensor, mode, format: 'compressed', sink: true, label: n.label, size: g.output.shape[mode] ?? 0, segsize: lvl } };
        break;
      }
      case 'val_write':
        op = { val_write: { input_val: s(i.val), label: n.label, tensor: a.tensor ?? g.output.tensor, sink: true } };
        break;
      default:
        throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': cannot export primitive '${String(n.kind)}'`);
    }
    ops.push({ name: n.label, id: n.id, ...op });
  }
  const T = comalType();
  const msg = T.fromObject({ name: g.name, channel_size: channelSize, graph: { name: g.name, operators: ops } });
  return T.encode(msg).finish();
}

/** Options of importComalGraph: tensor declarations (e.g. from readDataDir) and the output shape/format. */
export interface ImportOptions {
  tensors?: Record<string, DfTensorInfo>;
  /** output tensor info (shape, format); defaults from the FiberWrite sizes, all-compressed. */
  output?: DfTensorInfo;
  blockSize?: number;
}

const PROTO_TO_ALU: Record<string, AluOp> = {
  ADD: 'add', SUB: 'sub', MUL: 'mul', ELEMMUL: 'mul', DIV: 'div', EXP: 'exp', MIN: 'min', SCALARADD: 'scalar_add',
  SCALARMUL: 'scalar_mul', SCALARDIV: 'scalar_div', RSQRT: 'rsqrt', SIGMOID: 'sigmoid', NEG: 'neg', SQRT: 'sqrt', LOG: 'log',
  TANH: 'tanh', ABS: 'abs', SQUARE: 'square', SCALARRSUB: 'scalar_rsub', SCALARRDIV: 'scalar_rdiv',
};

/**
 * Decodes a tortilla ComalGraph protobuf into a DataflowGraph (channels matched by numeric id;
 * id 0 = void; a Repeat with a raw crd `rep_ref` gets an explicit repsig node). Malformed bytes,
 * unsupported ops and unmatched channel ids give FF_INPUT_INVALID.
 */
export function importComalGraph(bytes: Uint8Array, opts: ImportOptions = {}): DataflowGraph {
  let obj: Obj;
  try {
    obj = decodeComalGraph(bytes);
  } catch (e) {
    throw new FuseFlowError('FF_INPUT_INVALID', `malformed ComalGraph protobuf (${bytes.length} bytes): ${(e as Error).message}`, { cause: e });
  }
  const name: string = obj.name || obj.graph?.name || 'comal_graph';
  const nodes: DfNode[] = [];
  const ends = new Map<number, { kind: StreamKind; src?: { node: number; port: string }; dst?: { node: number; port: string } }>();
  let synth = 1 << 30;
  const sid = (st: Obj | undefined): number => Number(st?.id?.id ?? 0);
  const touch = (id: number, kind: StreamKind, side: 'src' | 'dst', node: number, port: string, opName: string) => {
    if (id === 0) return;
    const e = ends.get(id) ?? { kind };
    if (e.kind !== kind) throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': stream ${id} is used as ${e.kind} and as ${kind} (op '${opName}')`);
    if (e[side]) throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': stream ${id} has two ${side === 'src' ? 'senders' : 'receivers'} (op '${opName}'; fan-out needs a Broadcast)`);
    e[side] = { node, port };
    ends.set(id, e);
  };
  const add = (kind: PrimitiveKind, label: string, attrs: NodeAttrs, ins: Array<[string, number, StreamKind]>, outs: Array<[string, number, StreamKind]>): number => {
    const id = nodes.length + 1;
    const n: DfNode = { id, kind, label: label || `${kind}_${id}`, attrs, inputs: {}, outputs: {} };
    nodes.push(n);
    for (const [p, c, k] of ins) {
      n.inputs[p] = c;
      touch(c, k, 'dst', id, p, n.label);
    }
    for (const [p, c, k] of outs) {
      n.outputs[p] = c;
      touch(c, k, 'src', id, p, n.label);
    }
    return id;
  };
  const payKind = (p: Obj): StreamKind => (p?.val_stream ? 'val' : 'ref');
  const payId = (p: Obj): number => sid(p?.val_stream ?? p?.ref_stream);
  let outTensor: string | undefined;
  const writerModes: Array<{ level: number; mode: number; size: number }> = [];
  for (const op of obj.graph?.operators ?? []) {
    const which: string | undefined = op.op;
    const b = which ? op[which] : undefined;
    if (!which || !b) throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': operation '${op.name}' (id ${op.id}) has no op set`);
    const label: string = b.label || op.name;
    switch (which) {
      case 'root':
        add('root', label, b.tensor ? { tensor: b.tensor } : {}, [], [['ref', sid(b.output_ref), 'ref']]);
        break;
      case 'fiber_lookup':
        add('level_scan', label, { tensor: b.tensor, mode: Number(b.mode), ...(b.index ? { index: b.index } : {}) }, [['ref', sid(b.input_ref), 'ref']], [
          ['ref', sid(b.output_ref), 'ref'],
          ['crd', sid(b.output_crd), 'crd'],
        ]);
        break;
      case 'repeatsig':
        add('repsig', label, {}, [['crd', sid(b.input_crd), 'crd']], [['repsig', sid(b.output_rep_sig), 'repsig']]);
        break;
      case 'repeat': {
        const kind: StreamKind = b.input === 'input_val' ? 'val' : 'ref';
        let sig = sid(b.rep_sig);
        if (b.rep === 'rep_ref') {
          sig = synth++;
          add('repsig', `${label}_repsig`, {}, [['crd', sid(b.rep_ref), 'crd']], [['repsig', sig, 'repsig']]);
        }
        add('repeat', label, b.index ? { index: b.index } : {}, [
          ['in', sid(b.input_val ?? b.input_ref), kind],
          ['repsig', sig, 'repsig'],
        ], [['out', sid(b.output_val ?? b.output_ref), kind]]);
        break;
      }
      case 'joiner': {
        const pairs: Obj[] = b.input_pairs ?? [];
        const ins: Array<[string, number, StreamKind]> = [];
        pairs.forEach((p, q) => {
          ins.push([`crd${q}`, sid(p.crd), 'crd'], [`ref${q}`, payId(p.in_ref), payKind(p.in_ref)]);
        });
        const outs: Array<[string, number, StreamKind]> = [['crd', sid(b.output_crd), 'crd']];
        (b.output_refs ?? []).forEach((p: Obj, q: number) => outs.push([`ref${q}`, payId(p), payKind(pairs[q]?.in_ref)]));
        add(b.join_type === 'UNION' ? 'union' : 'intersect', label, { arity: pairs.length, ...(b.index ? { index: b.index } : {}) }, ins, outs);
        break;
      }
      case 'locate':
        add('locate', label, sid(b.input_base) ? { tensor: b.tensor, ...(Number(b.level) >= 0 ? { level: Number(b.level) } : {}) } : {}, [['crd', sid(b.input_crd), 'crd'], ['ref', sid(b.input_ref), 'ref'], ...(sid(b.input_base) ? [['base', sid(b.input_base), 'ref'] as [string, number, StreamKind]] : [])], [
          ['ref1', sid(b.output_ref1), 'ref'],
          ['ref2', sid(b.output_ref2), 'ref'],
          ['crd', sid(b.output_crd), 'crd'],
        ]);
        break;
      case 'array':
        add('array', label, { tensor: b.tensor }, [['ref', sid(b.input_ref), 'ref']], [['val', sid(b.output_val), 'val']]);
        break;
      case 'alu': {
        const inputs: Obj[] = b.vals?.inputs ?? [];
        const p: string = b.stages?.[0]?.op ?? 'ADD';
        let alu: AluOp | undefined = PROTO_TO_ALU[p];
        if (p === 'MAX') alu = inputs.length === 2 ? 'max' : b.scalar === 0 ? 'relu' : 'scalar_max';
        if (!alu) throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': ALU op ${p} of '${label}' is not supported by the simulator`);
        const ins: Array<[string, number, StreamKind]> = [['a', sid(inputs[0]), 'val']];
        if (inputs.length === 2) ins.push(['b', sid(inputs[1]), 'val']);
        add('alu', label, { alu, ...(alu.startsWith('scalar_') ? { scalar: b.scalar } : {}), ...(b.matmul ? { matmul: true } : {}), ...(b.empty ? { empty: b.empty } : {}), ...(b.tile_a?.length || b.tile_b?.length ? { tile: { a: b.tile_a ?? [], b: b.tile_b ?? [], out: b.tile_out ?? [] } } : {}) }, ins, [['out', sid(b.vals?.output ?? b.output_val), 'val']]);
        break;
      }
      case 'reduce':
        add('reduce', label, { reduce: b.reduce_type === 'MAX' ? 'max' : 'sum' }, [['in', sid(b.input_val), 'val']], [['out', sid(b.output_val), 'val']]);
        break;
      case 'spacc': {
        const oc: Obj[] = b.input_outer_crds ?? [];
        if (Number(b.order) === 1) {
          add('spacc1', label, b.max ? { reduce: 'max' } : {}, [['inner_crd', sid(b.input_inner_crd), 'crd'], ['outer_crd', sid(oc[0]), 'crd'], ['val', sid(b.input_val), 'val']], [
            ['inner_crd', sid(b.output_inner_crd), 'crd'],
            ['val', sid(b.output_val), 'val'],
          ]);
        } else if (Number(b.order) === 2) {
          add('spacc2', label, b.max ? { reduce: 'max' } : {}, [['crd0', sid(b.input_inner_crd), 'crd'], ['crd1', sid(oc[0]), 'crd'], ['outer_crd', sid(oc[1]), 'crd'], ['val', sid(b.input_val), 'val']], [
            ['crd0', sid(b.output_inner_crd), 'crd'],
            ['crd1', sid(b.output_outer_crds?.[0]), 'crd'],
            ['val', sid(b.output_val), 'val'],
          ]);
        } else throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': sparse accumulator '${label}' has order ${b.order} (1 or 2 supported, as Comal)`);
        break;
      }
      case 'coord_drop':
      case 'coord_hold':
        add(which === 'coord_drop' ? 'crd_drop' : 'crd_hold', label, {}, [['inner', sid(b.input_inner_crd), 'crd'], ['outer', sid(b.input_outer_crd), 'crd']], [
          ['inner', sid(b.output_inner_crd), 'crd'],
          ['outer', sid(b.output_outer_crd), 'crd'],
        ]);
        break;
      case 'broadcast':
      case 'fork': {
        const kind = (['crd', 'ref', 'val', 'repsig'] as StreamKind[]).find((k) => b.bundle === BUNDLE_FIELD[k])!;
        const bun = b[b.bundle];
        const outs: Obj[] = bun.outputs ?? [];
        add(which, label, { arity: outs.length, ...(b.index ? { index: b.index } : {}) }, [['in', sid(bun.input), kind]], outs.map((x, q) => [`out${q}`, sid(x), kind] as [string, number, StreamKind]));
        break;
      }
      case 'join': {
        const kind = (['crd', 'ref', 'val'] as StreamKind[]).find((k) => b.bundle === BUNDLE_FIELD[k])!;
        const bun = b[b.bundle];
        const ins: Obj[] = bun.inputs ?? [];
        add('join', label, { arity: ins.length, ...(b.index ? { index: b.index } : {}), ...(Number(b.level) >= 0 ? { level: Number(b.level) } : {}) }, ins.map((x, q) => [`in${q}`, sid(x), kind] as [string, number, StreamKind]), [['out', sid(bun.output), kind]]);
        break;
      }
      case 'gen_ref':
        add('gen_ref', label, {}, [['crd', sid(b.input_crd), 'crd']], [['ref', sid(b.output_ref), 'ref']]);
        break;
      case 'fiber_write':
        outTensor ??= b.tensor;
        writerModes.push({ level: Number(b.segsize), mode: Number(b.mode), size: Number(b.size) });
        add('crd_write', label, { tensor: b.tensor, level: Number(b.segsize), mode: Number(b.mode) }, [['crd', sid(b.input_crd), 'crd']], []);
        break;
      case 'val_write':
        outTensor ??= b.tensor;
        add('val_write', label, { tensor: b.tensor }, [['val', sid(b.input_val), 'val']], []);
        break;
      default:
        throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': operation '${label}' (${which}) is not supported by the simulator (Comal also leaves it unimplemented)`);
    }
  }
  const channels: DataflowGraph['channels'] = [];
  for (const [id, e] of ends) {
    if (!e.src) throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': stream ${id} (${e.kind}) has a receiver (node ${e.dst!.node} '${nodes[e.dst!.node - 1].label}') but no sender`);
    if (!e.dst) {
      // Comal panics on an unmatched sender ("Disconnected sender"); say so by name.
      throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': stream ${id} (${e.kind}) from '${nodes[e.src.node - 1].label}' has no receiver (Disconnected sender); use id 0 for discarded outputs`);
    }
    channels.push({ id, kind: e.kind, src: e.src, dst: e.dst });
  }
  // Synthetic (repsig) channel ids are renumbered after the proto's ids.
  const maxId = Math.max(0, ...channels.filter((c) => c.id < 1 << 30).map((c) => c.id));
  const remap = new Map<number, number>();
  let next = maxId + 1;
  for (const c of channels) if (c.id >= 1 << 30) remap.set(c.id, next++);
  if (remap.size) {
    for (const c of channels) c.id = remap.get(c.id) ?? c.id;
    for (const n of nodes) {
      for (const p of Object.keys(n.inputs)) n.inputs[p] = remap.get(n.inputs[p]) ?? n.inputs[p];
      for (const p of Object.keys(n.outputs)) n.outputs[p] = remap.get(n.outputs[p]) ?? n.outputs[p];
    }
  }
  for (const n of nodes) for (const p of Object.keys(n.outputs)) if (n.outputs[p] === 0) delete n.outputs[p];
  const tensors: Record<string, DfTensorInfo> = { ...(opts.tensors ?? {}) };
  const ot = outTensor ?? 'out';
  writerModes.sort((a, b) => a.level - b.level);
  const modeOrder = writerModes.map((w) => w.mode);
  const shape = opts.output?.shape ?? modeOrder.map((_, m) => writerModes.find((w) => w.mode === m)?.size ?? 0);
  tensors[ot] = opts.output ?? tensors[ot] ?? { name: ot, shape, format: { levels: shape.map(() => 'compressed'), modeOrder }, role: 'output' };
  const g: DataflowGraph = { name, nodes, channels, tensors, output: { tensor: ot, shape, modeOrder }, ...(opts.blockSize ? { blockSize: opts.blockSize } : {}) };
  for (const n of nodes) primitiveSignature(n);
  verifyDataflowGraph(g);
  return g;
}
