import { FuseFlowError } from '@fuseflow/kernel';
import {
  aluEmptyPolicy,
  convert,
  formatName,
  primitiveSignature,
  verifyDataflowGraph,
  type DataflowGraph,
  type DfNode,
  type SparseTensorData,
  type TensorBindings,
  type TensorFormat,
} from '@fuseflow/ir';
import { ArrayChannel, RingChannel, type Chan } from './channel';
import {
  AluPrim,
  ArrayPrim,
  CrdDropPrim,
  CrdHoldPrim,
  FanoutPrim,
  GatherPrim,
  GenRefPrim,
  HbmPort,
  hbmMode,
  shareHbm,
  type HbmMode,
  JoinerPrim,
  LocatePrim,
  Prim,
  ReducePrim,
  RepSigPrim,
  RepeatPrim,
  RootPrim,
  ScanPrim,
  cooRuns,
  showTileSpec,
  tilePlan,
  tileReducePlan,
  type BlockAttrs,
  type TilePlan,
  type TileReducePlan,
  Spacc1Prim,
  Spacc2Prim,
  TileStore,
  WriterPrim,
} from './primitives';
import { nodeTiming, type TimingProfile } from './timing';

export interface BuildOptions {
  engine: 'fast' | 'reference';
  profile: TimingProfile;
  /** default capacity of every channel (Infinity = unbounded, as Comal). */
  channelDepth: number;
  /** true / 'shared': one arbitrated 8-channel HBM per graph; 'private': one per memory node. */
  hbm: boolean | HbmMode;
}

export interface BuiltGraph {
  prims: Prim[];
  chans: Chan[];
  writers: WriterPrim[];
  tiles: TileStore | null;
  /** input tensors as the graph reads them (converted to the declared formats). */
  inputs: Record<string, SparseTensorData>;
}

function sameFormat(a: TensorFormat, b: TensorFormat): boolean {
  return formatName(a) === formatName(b) && (a.blockShape ?? []).join() === (b.blockShape ?? []).join();
}

/** Tensor data in the format the graph declares (converted, keeping stored zeros). */
export function tensorFor(g: DataflowGraph, name: string, data: TensorBindings, where: string): SparseTensorData {
  const t = data[name];
  if (!t) {
    throw new FuseFlowError('FF_INPUT_INVALID', `graph '${g.name}': ${where} reads tensor '${name}' but no data is bound to it`, {
      suggestion: `bound tensors: ${Object.keys(data).join(', ') || '(none)'}`,
    });
  }
  const info = g.tensors[name];
  if (info && !sameFormat(t.format, info.format)) return convert(t, info.format, { keepZeros: true });
  return t;
}

/** Instantiates the primitives and channels of a verified graph bound to its input data. */
export function buildGraph(g: DataflowGraph, data: TensorBindings, opt: BuildOptions): BuiltGraph {
  verifyDataflowGraph(g);
  const N = g.blockSize ?? 0;
  const tiles = N > 0 ? new TileStore(N) : null;
  const chanById = new Map<number, Chan>();
  const mk = (id: number, kind: string, depth: number, discard: boolean): Chan =>
    opt.engine === 'fast' ? new RingChannel(id, kind, depth, discard) : new ArrayChannel(id, kind, depth, discard);
  for (const c of g.channels) {
    const ch = mk(c.id, c.kind, c.depth ?? opt.channelDepth, false);
    chanById.set(c.id, ch);
  }
  const inputs: Record<string, SparseTensorData> = {};
  const tensor = (n: DfNode): SparseTensorData => {
    const name = n.attrs.tensor!;
    inputs[name] ??= tensorFor(g, name, data, `node '${n.label}' (${n.kind})`);
    return inputs[name];
  };
  const prims: Prim[] = [];
  const writers: WriterPrim[] = [];
  let voidId = -1;
  for (const n of g.nodes) {
    const sig = primitiveSignature(n);
    const ins: Record<string, Chan> = {};
    const outs: Record<string, Chan> = {};
    for (const p of sig.inputs) if (n.inputs[p.name]) ins[p.name] = chanById.get(n.inputs[p.name])!;
    for (const p of sig.outputs) {
      const id = n.outputs[p.name];
      outs[p.name] = id ? chanById.get(id)! : mk(voidId--, 'void', Infinity, true);
    }
    const prim = createPrim(g, n, ins, outs, opt, tensor, tiles);
    if (prim instanceof WriterPrim) writers.push(prim);
    prim.wire(ins, outs);
    for (const [p, c] of Object.entries(ins)) c.label = `${c.label ? c.label + ' -> ' : ''}${n.label}.${p}`;
    for (const [p, c] of Object.entries(outs)) c.label = `${n.label}.${p}${c.label ? ' -> ' + c.label : ''}`;
    if (opt.hbm && ['level_scan', 'array', 'crd_write', 'val_write'].includes(n.kind) && !(N > 0 && n.kind === 'array')) prim.hbm = new HbmPort();
    prims.push(prim);
  }
  if (hbmMode(opt.hbm) === 'shared') shareHbm(prims);
  return { prims, chans: [...chanById.values()], writers, tiles, inputs };
}

/** Creates one primitive bound to its channels (exported for the stream-level test harness). */
export function createPrim(
  g: Pick<DataflowGraph, 'name' | 'blockSize'>,
  n: DfNode,
  ins: Record<string, Chan>,
  outs: Record<string, Chan>,
  opt: Pick<BuildOptions, 'profile'>,
  tensor: (n: DfNode) => SparseTensorData,
  tiles: TileStore | null,
): Prim {
  const N = g.blockSize ?? 0;
  const a = n.attrs;
  const tm = nodeTiming(opt.profile, n.kind, { blockSize: N, binary: !!ins.b, matmul: a.alu === 'mul' && !!a.matmul });
  const { lat, ii } = tm;
  let prim: Prim;
  switch (n.kind) {
    case 'root':
      prim = new RootPrim(n.id, n.label, lat, ii, outs.ref);
      break;
    case 'level_scan': {
      const td = tensor(n);
      const lvl = a.level ?? td.format.modeOrder.indexOf(a.mode!);
      const st = td.levels[lvl];
      if (a.format && a.format !== st.format && !(a.format === 'compressed' && st.format === 'singleton')) {
        throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': scans level ${lvl} of '${a.tensor}' as ${a.format}, but that level is ${st.format} in format ${formatName(td.format)}`);
      }
      const load = nodeTiming(opt.profile, n.kind, { levelFormat: st.format }).loadCycles;
      const runs = cooRuns(td.levels, lvl);
      prim = new ScanPrim(n.id, n.label, lat, ii, st.format, st.pos ?? null, st.crd ?? null, st.size, load, ins.ref, outs.ref, outs.crd, runs.runEnd, runs.parentEnd);
      break;
    }
    case 'repsig':
      prim = new RepSigPrim(n.id, n.label, lat, ii, ins.crd, outs.repsig);
      break;
    case 'repeat':
      prim = new RepeatPrim(n.id, n.label, lat, ii, ins.in, ins.repsig, outs.out);
      break;
    case 'intersect':
    case 'union': {
      const k = a.arity ?? 2;
      const r = Array.from({ length: k }, (_, i) => i);
      prim = new JoinerPrim(n.id, n.label, lat, ii, n.kind === 'union', r.map((i) => ins[`crd${i}`]), r.map((i) => ins[`ref${i}`]), outs.crd, r.map((i) => outs[`ref${i}`]));
      break;
    }
    case 'locate':
      {
        let dim = 0;
        if (ins.base) {
          if (!a.tensor) throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': locate with a 'base' input needs attrs.tensor and attrs.level (the dense level located into)`);
          const td = tensor(n);
          const lvl = a.level ?? td.format.modeOrder.indexOf(a.mode!);
          if (!(lvl >= 0) || td.levels[lvl]?.format !== 'dense') throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': locate target level ${lvl} of '${a.tensor}' must be dense`);
          dim = td.levels[lvl].size;
        }
        prim = new LocatePrim(n.id, n.label, lat, ii, ins.crd, ins.ref, outs.ref1, outs.ref2, outs.crd, ins.base ?? null, dim);
      }
      break;
    case 'array': {
      const td = tensor(n);
      if (N > 0) {
        const ts = td.format.blockShape;
        if (!ts || ts.some((b) => b !== N)) {
          throw new FuseFlowError('FF_INPUT_INVALID', `graph '${g.name}' runs in block mode (${N}x${N}) but tensor '${a.tensor}' is not stored in ${N}x${N} blocks (format ${formatName(td.format)})`);
        }
      }
      prim = new ArrayPrim(n.id, n.label, lat, ii, td.vals, tiles, ins.ref, outs.val, N > 0 ? N ** td.shape.length : 1);
      break;
    }
    case 'alu':
      {
        const policy = { union: 0, intersect: 1, left: 2, right: 3 }[aluEmptyPolicy(a)];
        const spec = (a as BlockAttrs).tile;
        let plan: TilePlan | null = null;
        if (N > 0 && ins.b && spec) {
          plan = tilePlan(spec, N);
          if (plan.nOut !== N ** plan.loops && a.alu !== 'mul') {
            throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': tile spec ${showTileSpec(spec)} contracts a variable, which only 'mul' can do (op '${a.alu}')`);
          }
        }
        prim = new AluPrim(n.id, n.label, lat, ii, a.alu!, a.scalar ?? 0, !!a.matmul, tiles, ins.a, ins.b ?? null, outs.out, policy, plan);
      }
      break;
    case 'reduce': {
      const spec = (a as BlockAttrs).tile;
      let inTile: TileReducePlan | null = null;
      if (N > 0 && spec) {
        if (spec.b.length > 0 || !spec.out.every((v) => spec.a.includes(v))) {
          throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': a reduce's tile spec ${showTileSpec(spec)} must keep a subset of its input's tile variables (and name no second operand)`);
        }
        inTile = tileReducePlan(spec, N);
      }
      prim = new ReducePrim(n.id, n.label, lat, ii, a.reduce === 'max', tm.stopLat, tm.emptyCycles, tiles, ins.in, outs.out, inTile);
      break;
    }
    case 'spacc1':
    case 'spacc2':
      if (N > 0 && (a as BlockAttrs).tile) {
        throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': a ${n.kind} cannot reduce inside tiles (tile spec ${showTileSpec((a as BlockAttrs).tile!)}); only 'reduce' folds a tile over its variables`);
      }
      if (n.kind === 'spacc2') {
        prim = new Spacc2Prim(n.id, n.label, lat, ii, tiles, ins.crd0, ins.crd1, ins.outer_crd, ins.val, outs.crd0, outs.crd1, outs.val, a.reduce === 'max');
        break;
      }
      prim = new Spacc1Prim(n.id, n.label, lat, ii, tiles, ins.inner_crd, ins.outer_crd, ins.val, outs.inner_crd, outs.val, a.reduce === 'max');
      break;
    case 'crd_drop':
      prim = new CrdDropPrim(n.id, n.label, lat, ii, ins.inner, ins.outer, outs.inner, outs.outer);
      break;
    case 'crd_hold':
      prim = new CrdHoldPrim(n.id, n.label, lat, ii, ins.inner, ins.outer, outs.inner, outs.outer);
      break;
    case 'broadcast':
    case 'fork': {
      const k = a.arity ?? 2;
      prim = new FanoutPrim(n.id, n.label, lat, ii, n.kind === 'fork', ins.in, Array.from({ length: k }, (_, i) => outs[`out${i}`]));
      break;
    }
    case 'join': {
      const k = a.arity ?? 2;
      prim = new GatherPrim(n.id, n.label, lat, ii, Array.from({ length: k }, (_, i) => ins[`in${i}`]), outs.out, a.level);
      break;
    }
    case 'gen_ref':
      prim = new GenRefPrim(n.id, n.label, lat, ii, ins.crd, outs.ref);
      break;
    case 'crd_write':
    case 'val_write': {
      prim = new WriterPrim(n.id, n.label, lat, ii, n.kind === 'val_write', a.level ?? -1, tiles, n.kind === 'val_write' ? ins.val : ins.crd);
      break;
    }
    default:
      throw new FuseFlowError('FF_INPUT_INVALID', `node '${n.label}': unknown primitive '${String(n.kind)}'`);
  }
  return prim;
}
