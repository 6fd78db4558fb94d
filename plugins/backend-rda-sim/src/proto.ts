import * as protobuf from 'protobufjs';
import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
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


interface Tile {
  a: string[];
  b: string[];
  out: string[];
}

/** Block-mode tile spec (attrs.tile of a binary ALU or a reduce) as the ff_tile message. */
function tileSpec(t: Tile): Obj {
  return { a: t.a, b: t.b, out: t.out };
}

/** ff_tile back to attrs.tile; an all-empty message is what proto3 decodes when the field is absent. */
function tileAttr(t: Obj | undefined): { tile?: Tile } {
  return t && (t.a?.length || t.b?.length || t.out?.length) ? { tile: { a: t.a ?? [], b: t.b ?? [], out: t.out ?? [] } } : {};
}

const ALU_TO_PROTO: Partial<Record<AluOp, string>> = {
  add: 'ADD', sub: 'SUB', mul: 'MUL', div: 'DIV', exp: 'EXP', max: 'MAX', min: 'MIN', relu: 'MAX', scalar_max: 'MAX',
  scalar_add: 'SCALARADD', scalar_mul: 'SCALARMUL', scalar_div: 'SCALARDIV', rsqrt: 'RSQRT', sigmoid: 'SIGMOID',
  neg: 'NEG', sqrt: 'SQRT', log: 'LOG', tanh: 'TANH', abs: 'ABS', square: 'SQUARE', scalar_rsub: 'SCALARRSUB', scalar_rdiv: 'SCALARRDIV',
};

/**
 * Encodes a DataflowGraph as a tortilla ComalGraph protobuf. Channels keep their numeric ids,
 * discarded outputs get id 0 ("void"), and a repsig node feeding a repeat directly is folded into
 * the Repeat op as its raw `rep_ref` stream (Comal's driver rebuilds the RepeatSigGen from it).
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
  const bs = g.blockSize ?? 0;
  const blockFields = { stream_shape: bs, blocked: bs > 0 };
  const ops: Obj[] = [];
  for (const n of g.nodes) {
    if (folded.has(n.id)) continue;
    const a = n.attrs;
    const i = n.inputs;
    const o = n.outputs;
    const kindIn = (p: string) => chan.get(i[p])!.kind;
    const fromRoot = (p: string) => byId.get(chan.get(i[p])!.src.node)!.kind === 'root';
    let op: Obj;
    switch (n.kind) {
      case 'root':
        op = { root: { label: n.label, tensor: a.tensor ?? '', output_ref: s(o.ref) } };
        break;
      case 'level_scan': {
        const t = g.tensors[a.tensor!];
        const mode = a.mode ?? t.format.modeOrder[a.level!];
        const lvl = a.level ?? t.format.modeOrder.indexOf(mode);
        op = { fiber_lookup: { input_ref: s(i.ref), output_ref: s(o.ref), output_crd: s(o.crd), index: a.index ?? '', tensor: a.tensor, mode, format: t.format.levels[lvl], root: fromRoot('ref'), label: n.label } };
        break;
      }
      case 'repsig':
        op = { repeatsig: { input_crd: s(i.crd), output_rep_sig: s(o.repsig), label: n.label, index: a.index ?? '' } };
        break;
      case 'repeat': {
        const sigSrc = byId.get(chan.get(i.repsig)!.src.node)!;
        const val = kindIn('in') === 'val';
        op = {
          repeat: {
            [val ? 'in_val' : 'in_ref']: s(i.in),
            [val ? 'out_val' : 'out_ref']: s(o.out),
            ...(folded.has(sigSrc.id) ? { rep_ref: s(sigSrc.inputs.crd) } : { ff_rep_sig: s(i.repsig) }),
            label: n.label,
            index: a.index ?? '',
            root: fromRoot('in'),
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
        op = { locate: { input_crd: s(i.crd), input_ref: s(i.ref), output_ref1: s(o.ref1), output_ref2: s(o.ref2), output_crd: s(o.crd), label: n.label, ...(i.base ? { ff_input_base: s(i.base), ff_tensor: a.tensor ?? '', ...(a.level !== undefined ? { ff_level: a.level } : {}) } : {}) } };
        break;
      case 'array':
        op = { array: { tensor: a.tensor, input_ref: s(i.ref), output_val: s(o.val), label: n.label, ...blockFields } };
        break;
      case 'alu': {
        const p = ALU_TO_PROTO[a.alu!];
        if (!p) throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': ALU op '${a.alu}' has no protobuf encoding`);
        const inputs = i.b ? [s(i.a), s(i.b)] : [s(i.a)];
        const scalar = a.alu === 'relu' ? 0 : (a.scalar ?? 0);
        op = {
          alu: {
            vals: { inputs, output: s(o.out) },
            stages: [{ inputs: inputs.map((_, q) => q), output: 0, op: p }],
            output_val: 0,
            label: n.label,
            scalar,
            ...blockFields,
            ff_matmul: !!a.matmul,
            ff_empty: a.empty ?? '',
            ...(a.tile ? { ff_tile: tileSpec(a.tile) } : {}),
          },
        };
        break;
      }
      case 'reduce':
        op = {
          reduce: {
            input_val: s(i.in),
            output_val: s(o.out),
            label: n.label,
            reduce_type: a.reduce === 'max' ? 'MAX' : 'ADD',
            ...blockFields,
            ...(a.tile ? { ff_tile: tileSpec(a.tile) } : {}),
          },
        };
        break;
      case 'spacc1':
        op = { spacc: { ff_max: a.reduce === 'max', order: 1, input_inner_crd: s(i.inner_crd), input_outer_crds: [s(i.outer_crd)], input_val: s(i.val), output_inner_crd: s(o.inner_crd), output_val: s(o.val), label: n.label, ...blockFields } };
        break;
      case 'spacc2':
        op = { spacc: { ff_max: a.reduce === 'max', order: 2, input_inner_crd: s(i.crd0), input_outer_crds: [s(i.crd1), s(i.outer_crd)], input_val: s(i.val), output_inner_crd: s(o.crd0), output_outer_crds: [s(o.crd1)], output_val: s(o.val), label: n.label, ...blockFields } };
        break;
      case 'crd_drop':
      case 'crd_hold':
        op = { [n.kind === 'crd_drop' ? 'coord_drop' : 'coord_hold']: { input_inner_crd: s(i.inner), input_outer_crd: s(i.outer), output_inner_crd: s(o.inner), output_outer_crd: s(o.outer), label: n.label } };
        break;
      case 'broadcast':
      case 'fork': {
        const k = a.arity ?? 2;
        const kind = kindIn('in');
        op = { [n.kind]: { label: n.label, [kind]: { input: s(i.in), outputs: Array.from({ length: k }, (_, q) => s(o[`out${q}`])) }, ...(n.kind === 'fork' ? { ff_index: a.index ?? '' } : {}) } };
        break;
      }
      case 'join': {
        const k = a.arity ?? 2;
        const kind = kindIn('in0');
        op = { join: { label: n.label, ff_index: a.index ?? '', ...(a.level !== undefined ? { ff_level: a.level } : {}), [kind]: { output: s(o.out), inputs: Array.from({ length: k }, (_, q) => s(i[`in${q}`])) } } };
        break;
      }
      case 'gen_ref':
        op = { gen_ref: { input_crd: s(i.crd), output_ref: s(o.ref), label: n.label } };
        break;
      case 'crd_write': {
        const lvl = a.level ?? 0;
        const mode = g.output.modeOrder[lvl] ?? lvl;
        op = { fiber_write: { input_crd: s(i.crd), index: a.index ?? '', tensor: a.tensor ?? g.output.tensor, mode_val: String(mode), format: 'compressed', sink: true, label: n.label, size: String(g.output.shape[mode] ?? 0), ff_level: lvl } };
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

type Port = [port: string, stream: number, kind: StreamKind | undefined];

/**
 * Decodes a tortilla ComalGraph protobuf into a DataflowGraph (channels matched by numeric id;
 * id 0 = void; a Repeat with a raw `rep_ref`/`rep_val` stream gets an explicit repsig node).
 * Malformed bytes, unknown or unsupported ops and unmatched stream ids give FF_INPUT_INVALID
 * naming the operation and the stream.
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
  // kind undefined: a raw repeat-shape stream, whose kind is whatever its sender emits
  const ends = new Map<number, { kind?: StreamKind; src?: { node: number; port: string }; dst?: { node: number; port: string } }>();
  const bad = (msg: string): never => {
    throw new FuseFlowError('FF_INPUT_INVALID', `ComalGraph '${name}': ${msg}`);
  };
  const opLabel = (node: number) => `'${nodes[node - 1].label}'`;
  let synth = 1 << 30;
  const sid = (st: Obj | undefined): number => Number(st?.id?.id ?? 0);
  const touch = (id: number, kind: StreamKind | undefined, side: 'src' | 'dst', node: number, port: string) => {
    if (id === 0) return;
    const e = ends.get(id) ?? {};
    if (kind && e.kind && e.kind !== kind) bad(`stream ${id} is used as ${e.kind} and as ${kind} (op ${opLabel(node)})`);
    const prev = e[side];
    if (prev) {
      if (side === 'src') bad(`stream ${id} has two senders, ${opLabel(prev.node)} and ${opLabel(node)} (a stream has one sender; fan-out needs a Broadcast)`);
      bad(`stream ${id} has two receivers, ${opLabel(prev.node)} and ${opLabel(node)} (fan-out needs a Broadcast)`);
    }
    e.kind ??= kind;
    e[side] = { node, port };
    ends.set(id, e);
  };
  const add = (kind: PrimitiveKind, label: string, attrs: NodeAttrs, ins: Port[], outs: Port[]): number => {
    const id = nodes.length + 1;
    const n: DfNode = { id, kind, label: label || `${kind}_${id}`, attrs, inputs: {}, outputs: {} };
    nodes.push(n);
    for (const [p, c, k] of ins) {
      n.inputs[p] = c;
      touch(c, k, 'dst', id, p);
    }
    for (const [p, c, k] of outs) {
      n.outputs[p] = c;
      touch(c, k, 'src', id, p);
    }
    return id;
  };
  const payKind = (p: Obj): StreamKind => (p?.val_stream ? 'val' : 'ref');
  const payId = (p: Obj): number => sid(p?.val_stream ?? p?.ref_stream);
  const optLevel = (v: unknown): { level?: number } => (v === undefined || v === null ? {} : { level: Number(v) });
  let outTensor: string | undefined;
  let blockSize = opts.blockSize;
  const writers: Array<{ node: number; level?: number; mode: number; size: number }> = [];
  const scanFormats: Array<{ node: number; format: string }> = [];
  for (const op of obj.graph?.operators ?? []) {
    const which: string | undefined = op.op;
    const b = which ? op[which] : undefined;
    if (!which || !b) bad(`operation '${op.name}' (id ${op.id}) has no operation this reader knows (an Operation field other than 11-31?)`);
    const label: string = b.label || op.name || `${which}_${op.id}`;
    if (b.blocked && Number(b.stream_shape) > 0) blockSize ??= Number(b.stream_shape);
    switch (which) {
      case 'root':
        add('root', label, b.tensor ? { tensor: b.tensor } : {}, [], [['ref', sid(b.output_ref), 'ref']]);
        break;
      case 'fiber_lookup': {
        const node = add('level_scan', label, { tensor: b.tensor, mode: Number(b.mode), ...(b.index ? { index: b.index } : {}) }, [['ref', sid(b.input_ref), 'ref']], [
          ['ref', sid(b.output_ref), 'ref'],
          ['crd', sid(b.output_crd), 'crd'],
        ]);
        if (b.format) scanFormats.push({ node, format: b.format });
        break;
      }
      case 'repeatsig':
        add('repsig', label, b.index ? { index: b.index } : {}, [['crd', sid(b.input_crd), 'crd']], [['repsig', sid(b.output_rep_sig), 'repsig']]);
        break;
      case 'repeat': {
        const kind: StreamKind = b.input_ref === 'in_val' ? 'val' : 'ref';
        let sig = sid(b.ff_rep_sig);
        if (b.input_rep_sig === 'rep_ref' || b.input_rep_sig === 'rep_val') {
          sig = synth++;
          add('repsig', `${label}_repsig`, {}, [['crd', sid(b[b.input_rep_sig]), undefined]], [['repsig', sig, 'repsig']]);
        } else if (!b.input_rep_sig) bad(`repeat '${label}' has no repeat input (rep_ref, rep_val or ff_rep_sig)`);
        add('repeat', label, b.index ? { index: b.index } : {}, [
          ['in', sid(b.in_val ?? b.in_ref), kind],
          ['repsig', sig, 'repsig'],
        ], [['out', sid(b.out_val ?? b.out_ref), kind]]);
        break;
      }
      case 'joiner': {
        const pairs: Obj[] = b.input_pairs ?? [];
        if (pairs.length < 2) bad(`joiner '${label}' has ${pairs.length} input pair(s) (needs 2 or more)`);
        const ins: Port[] = [];
        pairs.forEach((p, q) => {
          ins.push([`crd${q}`, sid(p.crd), 'crd'], [`ref${q}`, payId(p.in_ref), payKind(p.in_ref)]);
        });
        const outs: Port[] = [['crd', sid(b.output_crd), 'crd']];
        (b.output_refs ?? []).forEach((p: Obj, q: number) => outs.push([`ref${q}`, payId(p), payKind(pairs[q]?.in_ref)]));
        add(b.join_type === 'UNION' ? 'union' : 'intersect', label, { arity: pairs.length, ...(b.index ? { index: b.index } : {}) }, ins, outs);
        break;
      }
      case 'locate': {
        const base = sid(b.ff_input_base);
        add('locate', label, base ? { tensor: b.ff_tensor, ...optLevel(b.ff_level) } : {}, [['crd', sid(b.input_crd), 'crd'], ['ref', sid(b.input_ref), 'ref'], ...(base ? [['base', base, 'ref'] as Port] : [])], [
          ['ref1', sid(b.output_ref1), 'ref'],
          ['ref2', sid(b.output_ref2), 'ref'],
          ['crd', sid(b.output_crd), 'crd'],
        ]);
        break;
      }
      case 'array':
        add('array', label, { tensor: b.tensor }, [['ref', sid(b.input_ref), 'ref']], [['val', sid(b.output_val), 'val']]);
        break;
      case 'alu': {
        if (b.conn !== 'vals') bad(`ALU '${label}' ${b.conn === 'crds' ? 'computes on coordinate streams (crds), which the simulator does not support' : 'has no input streams (vals)'}`);
        const inputs: Obj[] = b.vals.inputs ?? [];
        if (inputs.length < 1 || inputs.length > 2) bad(`ALU '${label}' has ${inputs.length} inputs (1 or 2 supported, as Comal)`);
        if (!b.stages?.length) bad(`ALU '${label}' has no stage (stages[0].op names the operation)`);
        const p: string = String(b.stages[0].op);
        let alu: AluOp | undefined = PROTO_TO_ALU[p];
        if (p === 'MAX') alu = inputs.length === 2 ? 'max' : b.scalar === 0 ? 'relu' : 'scalar_max';
        if (!alu) bad(`ALU op ${p} of '${label}' is not supported by the simulator`);
        const ins: Port[] = [['a', sid(inputs[0]), 'val']];
        if (inputs.length === 2) ins.push(['b', sid(inputs[1]), 'val']);
        if (b.ff_empty && !['union', 'intersect', 'left', 'right'].includes(b.ff_empty)) bad(`ALU '${label}' has ff_empty '${b.ff_empty}' (union, intersect, left or right)`);
        const tile = tileAttr(b.ff_tile);
        add('alu', label, {
          alu: alu!,
          ...(alu!.startsWith('scalar_') ? { scalar: b.scalar } : {}),
          ...(b.ff_matmul ? { matmul: true } : {}),
          ...(b.ff_empty ? { empty: b.ff_empty } : {}),
          ...tile,
        }, ins, [['out', sid(b.vals.output), 'val']]);
        break;
      }
      case 'reduce':
        if (b.reduce_type !== 'ADD' && b.reduce_type !== 'MAX') bad(`reduce '${label}' has type ${b.reduce_type} (ADD and MAX supported)`);
        add('reduce', label, { reduce: b.reduce_type === 'MAX' ? 'max' : 'sum', ...tileAttr(b.ff_tile) }, [['in', sid(b.input_val), 'val']], [['out', sid(b.output_val), 'val']]);
        break;
      case 'spacc': {
        const oc: Obj[] = b.input_outer_crds ?? [];
        const red = b.ff_max ? { reduce: 'max' as const } : {};
        if (Number(b.order) === 1) {
          add('spacc1', label, red, [['inner_crd', sid(b.input_inner_crd), 'crd'], ['outer_crd', sid(oc[0]), 'crd'], ['val', sid(b.input_val), 'val']], [
            ['inner_crd', sid(b.output_inner_crd), 'crd'],
            ['val', sid(b.output_val), 'val'],
          ]);
        } else if (Number(b.order) === 2) {
          add('spacc2', label, red, [['crd0', sid(b.input_inner_crd), 'crd'], ['crd1', sid(oc[0]), 'crd'], ['outer_crd', sid(oc[1]), 'crd'], ['val', sid(b.input_val), 'val']], [
            ['crd0', sid(b.output_inner_crd), 'crd'],
            ['crd1', sid(b.output_outer_crds?.[0]), 'crd'],
            ['val', sid(b.output_val), 'val'],
          ]);
        } else bad(`sparse accumulator '${label}' has order ${b.order} (1 or 2 supported, as Comal)`);
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
        const kind = b.conn as StreamKind | undefined;
        if (!kind) bad(`${which} '${label}' has no stream bundle (crd, ref, val or repsig)`);
        const bun = b[kind!];
        const outs: Obj[] = bun.outputs ?? [];
        add(which, label, { arity: outs.length, ...(b.ff_index ? { index: b.ff_index } : {}) }, [['in', sid(bun.input), kind]], outs.map((x, q) => [`out${q}`, sid(x), kind] as Port));
        break;
      }
      case 'join': {
        const kind = b.conn as StreamKind | undefined;
        if (!kind) bad(`join '${label}' has no stream bundle (crd, ref, val or repsig)`);
        const bun = b[kind!];
        const ins: Obj[] = bun.inputs ?? [];
        add('join', label, { arity: ins.length, ...(b.ff_index ? { index: b.ff_index } : {}), ...optLevel(b.ff_level) }, ins.map((x, q) => [`in${q}`, sid(x), kind] as Port), [['out', sid(bun.output), kind]]);
        break;
      }
      case 'gen_ref':
        add('gen_ref', label, {}, [['crd', sid(b.input_crd), 'crd']], [['ref', sid(b.output_ref), 'ref']]);
        break;
      case 'fiber_write': {
        outTensor ??= b.tensor;
        const node = add('crd_write', label, { tensor: b.tensor }, [['crd', sid(b.input_crd), 'crd']], []);
        const mode = /^\d+$/.test(b.mode_val) ? Number(b.mode_val) : NaN;
        writers.push({ node, ...optLevel(b.ff_level), mode, size: /^\d+$/.test(b.size) ? Number(b.size) : 0 });
        break;
      }
      case 'val_write':
        outTensor ??= b.tensor;
        add('val_write', label, { tensor: b.tensor }, [['val', sid(b.input_val), 'val']], []);
        break;
      default:
        bad(`operation '${label}' (${which}) is not supported by the simulator (Comal leaves it unimplemented too)`);
    }
  }
  const channels: DataflowGraph['channels'] = [];
  for (const [id, e] of ends) {
    if (!e.src) bad(`stream ${id} has a receiver (${opLabel(e.dst!.node)}) but no sender`);
    // Comal panics on an unmatched sender ("Disconnected sender"); say so by name.
    if (!e.dst) bad(`stream ${id} (${e.kind}) from ${opLabel(e.src!.node)} has no receiver (Disconnected sender); use id 0 for discarded outputs`);
    channels.push({ id, kind: e.kind!, src: e.src!, dst: e.dst! });
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
  // Writer levels: ours carry ff_level (parallel lanes may give a level several writers);
  // tortilla's writers are listed one per level, outermost first.
  const explicit = writers.some((w) => w.level !== undefined);
  writers.forEach((w, q) => {
    if (explicit && w.level === undefined) bad(`fiber_write ${opLabel(w.node)} has no ff_level while other writers do`);
    w.level ??= q;
    if (Number.isNaN(w.mode)) w.mode = w.level;
  });
  const rank = new Set(writers.map((w) => w.level)).size;
  const modeOrder: number[] = [];
  const sizes: number[] = [];
  for (const w of writers) {
    const l = w.level!;
    if (l >= rank) bad(`fiber_write ${opLabel(w.node)} writes level ${l}, but the writers cover only ${rank} level(s) (0..${rank - 1} each needed)`);
    if (modeOrder[l] !== undefined && modeOrder[l] !== w.mode) bad(`fiber_write ${opLabel(w.node)} writes mode ${w.mode} at level ${l}, another writer of that level mode ${modeOrder[l]}`);
    modeOrder[l] = w.mode;
    sizes[w.mode] = Math.max(sizes[w.mode] ?? 0, w.size);
    Object.assign(nodes[w.node - 1].attrs, { level: l, mode: w.mode });
  }
  // Comal reads "compressed" as seg/crd files and anything else as a dense level: a scan that
  // disagrees with the data it is given would read garbage, so say which.
  for (const { node, format } of scanFormats) {
    const n = nodes[node - 1];
    const t = opts.tensors?.[n.attrs.tensor!];
    const lvl = t?.format.modeOrder.indexOf(n.attrs.mode!) ?? -1;
    if (!t || lvl < 0) continue;
    const have = t.format.levels[lvl];
    if ((format === 'compressed') !== (have === 'compressed')) bad(`fiber_lookup '${n.label}' reads mode ${n.attrs.mode} of '${n.attrs.tensor}' as ${format}, but that level is ${have} in the given tensor`);
  }
  const tensors: Record<string, DfTensorInfo> = { ...(opts.tensors ?? {}) };
  const ot = outTensor ?? 'out';
  if (new Set(modeOrder).size !== modeOrder.length || modeOrder.some((m) => m >= modeOrder.length)) bad(`fiber_write modes [${modeOrder.join(', ')}] (by level) are not a permutation of 0..${modeOrder.length - 1}`);
  const shape = opts.output?.shape ?? modeOrder.map((_, m) => sizes[m]);
  tensors[ot] = opts.output ?? tensors[ot] ?? { name: ot, shape, format: { levels: shape.map(() => 'compressed'), modeOrder }, role: 'output' };
  const g: DataflowGraph = { name, nodes, channels, tensors, output: { tensor: ot, shape, modeOrder }, ...(blockSize ? { blockSize } : {}) };
  for (const n of nodes) primitiveSignature(n);
  verifyDataflowGraph(g);
  return g;
}
