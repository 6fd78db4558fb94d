import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { fromCoo, SeededRandom, toCoo, type CooData, type DataflowGraph, type DfNode, type SparseTensorData, type TensorBindings, type TensorFormat } from '@fuseflow/ir';

/**
 * Work units of a lowered graph: the coordinates of its outermost loop index. Every coordinate of
 * that index is processed in its own fiber of the root stream and, when the index is a free
 * (output) index, no accumulator spans two of them, so a graph run on any subset of the
 * coordinates (its inputs sliced to them) computes exactly those slices of the output.
 */
export interface SamplePlan {
  graph: string;
  /** outermost loop index. */
  index: string;
  /** number of units (coordinates of `index`; blocks in block mode). */
  units: number;
  /** accesses sliced on `index`: tensor name in the sub-problem, source tensor, sliced mode. */
  slices: Array<{ name: string; source: string; mode: number }>;
  /** nodes whose tensor is renamed (an access sliced while another access of the same tensor is not). */
  renamed: Map<number, string>;
  /** mode of the output written at `index`. */
  outputMode: number;
  /** rows per unit along each sliced tensor (block height in block mode, else 1). */
  unitHeight: number;
  /** parallel lanes the outer index is dealt to round-robin (fork on it), 1 if none. */
  lanes: number;
  /** the outer loop scans a dense level (every unit is a stream position, empty or not). */
  outerDense: boolean;
  /**
   * For the cost proxy: per sliced access, its other modes and the accesses iterated in the same
   * loop below it (SpMSpM ikj: B(i,k) -> C(k,j); fused GCN: A(i,k) -> A(k,l)), whose fibers each
   * entry of the unit opens, and what their entries open in turn (fused GraphSAGE: -> X(l,:)).
   */
  fanout: Array<{ source: string; mode: number; targets: FanoutTarget[] }>;
}

/**
 * An access whose fiber along `mode` every entry of the access above it opens; `below` lists the
 * accesses each of its own entries opens in turn (fully fused GraphSAGE: A(i,k) opens A(k,:),
 * whose entries open X(l,:)).
 */
export interface FanoutTarget {
  tensor: string;
  mode: number;
  below: Array<{ mode: number; targets: FanoutTarget[] }>;
}

/** Levels of fibers below a unit's entries the proxy follows (a fused 2-layer GNN needs 2: A(k,:), then X(l,:)). */
export const FANOUT_DEPTH = 3;

/**
 * Loop instances read from the coordinate streams: a scan and the joiners and locates its crd
 * stream reaches through broadcasts belong to one loop, whatever their index names (lower-sam
 * names the neighbour loop k3 on A(i,k3) and k5 on the recomputed layer's A(k5,l), joined by
 * intersect_k5). An accumulator's output starts a new instance: what it feeds runs once per
 * accumulated fiber, not per entry.
 */
function loopInstances(g: DataflowGraph, byId: Map<number, DfNode>): (id: number) => number {
  const chanDst = new Map(g.channels.map((c) => [c.id, c.dst]));
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const n of g.nodes) {
    if (n.kind !== 'level_scan' || n.outputs.crd === undefined) continue;
    const stack = [n.outputs.crd];
    const seen = new Set<number>();
    while (stack.length) {
      const c = stack.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      const d = chanDst.get(c);
      const m = d ? byId.get(d.node) : undefined;
      if (!d || !m) continue;
      if (m.kind === 'broadcast') stack.push(...Object.values(m.outputs));
      else if ((m.kind === 'intersect' || m.kind === 'union') && d.port.startsWith('crd')) {
        parent.set(find(m.id), find(n.id));
        if (m.outputs.crd !== undefined) stack.push(m.outputs.crd);
      } else if (m.kind === 'locate' && d.port === 'crd') parent.set(find(m.id), find(n.id));
    }
  }
  return find;
}

function unsupported(g: DataflowGraph, why: string): FuseFlowError {
  return new FuseFlowError('FF_SAMPLE_UNSUPPORTED', `graph '${g.name}' cannot be sampled: ${why}`, {
    suggestion: 'simulate it exactly (drop the rda-sim option "sample"), or choose a loop order whose outermost index is an output index',
  });
}

/**
 * Access of each node that reads a tensor: the ref streams of one tensor access start at its root
 * (or the locate that finds it) and run through scans, repeats, joiners, broadcasts and forks;
 * the same tensor read twice (A(i,k) and A(k,l) in a fused GCN) gives two accesses.
 */
function accessesOf(g: DataflowGraph): Map<number, number> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const chanDst = new Map(g.channels.map((c) => [c.id, c.dst]));
  const access = new Map<number, number>();
  // access id carried by each ref channel
  const carried = new Map<number, number>();
  const queue: Array<{ chan: number; acc: number }> = [];
  const emit = (n: DfNode, port: string, acc: number): void => {
    const c = n.outputs[port];
    if (c && !carried.has(c)) {
      carried.set(c, acc);
      queue.push({ chan: c, acc });
    }
  };
  for (const n of g.nodes) {
    if (n.kind === 'root') {
      access.set(n.id, n.id);
      emit(n, 'ref', n.id);
    }
  }
  while (queue.length > 0) {
    const { chan, acc } = queue.shift()!;
    const dst = chanDst.get(chan);
    if (!dst) continue;
    const n = byId.get(dst.node);
    if (!n) continue;
    const port = dst.port;
    switch (n.kind) {
      case 'level_scan':
        access.set(n.id, acc);
        emit(n, 'ref', acc);
        break;
      case 'array':
        access.set(n.id, acc);
        break;
      case 'locate':
        // ref1 is the located tensor's own access; ref2 passes the driving access through.
        emit(n, 'ref2', acc);
        if (!access.has(n.id)) {
          access.set(n.id, -n.id);
          emit(n, 'ref1', -n.id);
        }
        break;
      case 'repeat':
        if (port === 'in') emit(n, 'out', acc);
        break;
      case 'broadcast':
      case 'fork':
        for (const p of Object.keys(n.outputs)) emit(n, p, acc);
        break;
      case 'join':
        emit(n, 'out', acc);
        break;
      case 'intersect':
      case 'union':
        if (port.startsWith('ref')) emit(n, port, acc);
        break;
      default:
        break;
    }
  }
  return access;
}

function levelFormat(g: DataflowGraph, n: DfNode): string | undefined {
  if (n.attrs.format) return n.attrs.format;
  const f = g.tensors[n.attrs.tensor ?? '']?.format;
  const level = n.attrs.level ?? (n.attrs.mode !== undefined ? f?.modeOrder.indexOf(n.attrs.mode) : undefined);
  return f && level !== undefined ? f.levels[level] : undefined;
}

/**
 * Output mode written from the outer index's coordinates: its crd stream is followed from the top
 * scans through broadcasts, forks/joins, joiners and crd_drop/crd_hold (same port) to a writer; a
 * stream consumed elsewhere (an accumulator's outer_crd in SpMSpM kij) is a reduced index.
 */
function outputModeOf(g: DataflowGraph, index: string): number | undefined {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const chanDst = new Map(g.channels.map((c) => [c.id, c.dst]));
  const stack: number[] = [];
  for (const n of g.nodes) if (n.kind === 'level_scan' && n.attrs.index === index && n.outputs.crd) stack.push(n.outputs.crd);
  const seen = new Set<number>();
  while (stack.length) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    const d = chanDst.get(c);
    const n = d ? byId.get(d.node) : undefined;
    if (!d || !n) continue;
    switch (n.kind) {
      case 'crd_write': {
        const level = n.attrs.level ?? 0;
        return n.attrs.mode ?? g.output.modeOrder[level] ?? level;
      }
      case 'broadcast':
      case 'fork':
        stack.push(...Object.values(n.outputs));
        break;
      case 'join':
        stack.push(n.outputs.out);
        break;
      case 'crd_drop':
      case 'crd_hold':
        if (n.outputs[d.port]) stack.push(n.outputs[d.port]);
        break;
      case 'intersect':
      case 'union':
        if (d.port.startsWith('crd')) stack.push(n.outputs.crd);
        break;
      default:
        break;
    }
  }
  const w = g.nodes.find((n) => n.kind === 'crd_write' && n.attrs.index === index && n.attrs.mode !== undefined);
  return w?.attrs.mode;
}

/**
 * Finds the units of a graph and which accesses to slice. Throws FF_SAMPLE_UNSUPPORTED when the
 * outermost index is reduced (its coordinates share accumulators) or the output is a scalar.
 */
export function planSample(g: DataflowGraph): SamplePlan {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const chanDst = new Map(g.channels.map((c) => [c.id, c.dst]));
  // Level scans / locates fed by a root, through broadcasts and forks.
  const top = new Set<string>();
  for (const r of g.nodes.filter((n) => n.kind === 'root')) {
    const stack = [r.outputs.ref];
    while (stack.length) {
      const c = stack.pop();
      const d = c ? chanDst.get(c) : undefined;
      const n = d ? byId.get(d.node) : undefined;
      if (!n) continue;
      if (n.kind === 'level_scan' && n.attrs.index) top.add(n.attrs.index);
      else if (n.kind === 'broadcast' || n.kind === 'fork') stack.push(...Object.values(n.outputs));
    }
  }
  const writers = g.nodes.filter((n) => n.kind === 'crd_write');
  if (writers.length === 0 || g.output.shape.length === 0) {
    throw unsupported(g, `its output '${g.output.tensor}' is a scalar: every unit of its outer loop${top.size ? ` index '${[...top].join("', '")}'` : ''} adds into it`);
  }
  if (top.size === 0) throw unsupported(g, 'no level scan is fed by a root node (no outer loop to sample)');
  if (top.size > 1) throw unsupported(g, `its roots start loops over different indices (${[...top].join(', ')})`);
  const outer = planOn(g, [...top][0], byId);
  if (outer.units >= SMALL_OUTER || g.nodes.some((n) => n.kind === 'fork')) return outer;
  // Few outer coordinates (the 12 heads of a GPT-3 layer, an SAE's 32 batch rows): a free index
  // further in with many more coordinates gives finer units. Slicing a free index commutes with
  // the computation wherever it sits in the loop order, so the sub-problem on some of its
  // coordinates (every coordinate of the indices above it kept) computes exactly those output
  // slices; its per-outer-coordinate overheads join the fixed cost of a run. Parallel graphs keep
  // the outer index, which their lanes are dealt on.
  let best = outer;
  const accesses = inputAccesses(g);
  const inputElements = accesses.reduce((a, x) => a + x.elements, 0);
  const inner = new Set(g.nodes.filter((n) => (n.kind === 'level_scan' || n.kind === 'locate') && n.attrs.index && n.attrs.index !== outer.index).map((n) => n.attrs.index!));
  for (const v of [...inner].sort()) {
    let p: SamplePlan;
    try {
      p = planOn(g, v, byId);
    } catch (e) {
      if (e instanceof FuseFlowError && e.code === 'FF_SAMPLE_UNSUPPORTED') continue;
      throw e;
    }
    if (p.units >= 4 * outer.units && p.units > best.units && elementsAbove(g, v, byId, accesses) <= ABOVE_SHARE * inputElements) best = p;
  }
  return best;
}

/**
 * Largest share of a graph's input elements that may be read entirely above a finer unit index.
 * That work is simulated whole in every run of the sample (the batches and the pooled run, nine
 * by default): in the fully fused SAE (`[i k1 k j]`) the encoder's X and W_enc sit above the
 * decoder's columns j, and sampling j cost 4.5x an exact simulation (2,693 CPU-s for NIH), where
 * its 32 batch rows sample the encoder too. A GPT-3 head graph reads nothing above its rows.
 */
export const ABOVE_SHARE = 1 / 8;

/** Per input access: the indices its scans and locates iterate and its tensor's elements (dense size: a static weight, no data needed). */
function inputAccesses(g: DataflowGraph): Array<{ indices: Set<string>; elements: number }> {
  const access = accessesOf(g);
  const byAccess = new Map<number, { indices: Set<string>; elements: number }>();
  for (const n of g.nodes) {
    const a = access.get(n.id);
    const t = n.attrs.tensor;
    if (a === undefined || !t || t === g.output.tensor) continue;
    if (!byAccess.has(a)) byAccess.set(a, { indices: new Set(), elements: (g.tensors[t]?.shape ?? []).reduce((x, d) => x * d, 1) });
    if ((n.kind === 'level_scan' || n.kind === 'locate') && n.attrs.index) byAccess.get(a)!.indices.add(n.attrs.index);
  }
  return [...byAccess.values()];
}

/**
 * Elements of the input accesses that lie entirely above `index` in the loop nest: none of their
 * indices is `index` or nested in it (indicesAbove: the loops whose streams feed a loop's scans).
 */
function elementsAbove(g: DataflowGraph, index: string, byId: Map<number, DfNode>, accesses: ReturnType<typeof inputAccesses>): number {
  const enclosing = new Map<string, Set<string>>();
  const encloses = (u: string): boolean => {
    if (!enclosing.has(u)) enclosing.set(u, indicesAbove(g, u, byId));
    return enclosing.get(u)!.has(index);
  };
  let w = 0;
  for (const a of accesses) if (a.indices.size > 0 && [...a.indices].every((u) => u !== index && !encloses(u))) w += a.elements;
  return w;
}

/**
 * Rows of the outer index below which planSample looks for a free index with more coordinates:
 * 8 batches at a fraction of 1/32 need 256 units; with fewer the fraction cannot go that low.
 */
export const SMALL_OUTER = 256;

/** The plan whose units are the coordinates of `index` (every other index kept whole). */
function planOn(g: DataflowGraph, index: string, byId: Map<number, DfNode>): SamplePlan {
  const outputMode = outputModeOf(g, index);
  if (outputMode === undefined) {
    throw unsupported(g, `its outermost loop index '${index}' is a reduction index (not an index of the output '${g.output.tensor}'): its units accumulate into the same output elements`);
  }
  const access = accessesOf(g);
  // Per access: the mode iterated at `index`, and every node of the access.
  const accMode = new Map<number, { tensor: string; mode: number }>();
  const accNodes = new Map<number, number[]>();
  for (const n of g.nodes) {
    const a = access.get(n.id);
    if (a === undefined || !n.attrs.tensor) continue;
    if (!accNodes.has(a)) accNodes.set(a, []);
    accNodes.get(a)!.push(n.id);
    if ((n.kind === 'level_scan' || n.kind === 'locate') && n.attrs.index === index) {
      // Hand-wired graphs name the storage level only; the graph's format maps it to a mode.
      const mode = n.attrs.mode ?? (n.attrs.level !== undefined ? g.tensors[n.attrs.tensor]?.format.modeOrder[n.attrs.level] : undefined);
      if (mode === undefined) throw unsupported(g, `node '${n.label}' iterates '${index}' without a tensor mode or level`);
      const prev = accMode.get(a);
      if (prev && prev.mode !== mode) throw unsupported(g, `an access of '${n.attrs.tensor}' iterates '${index}' on two modes`);
      accMode.set(a, { tensor: n.attrs.tensor, mode });
    }
  }
  for (const n of g.nodes) {
    if (n.attrs.tensor && n.kind !== 'root' && n.kind !== 'crd_write' && n.kind !== 'val_write' && !access.has(n.id)) {
      throw unsupported(g, `node '${n.label}' reads '${n.attrs.tensor}' through a stream the sampler cannot trace`);
    }
  }
  // Per tensor: the modes its accesses are sliced on ('-' = read whole somewhere).
  const modesOf = new Map<string, Set<string>>();
  for (const [a, ids] of accNodes) {
    const t = byId.get(ids[0])!.attrs.tensor!;
    if (t === g.output.tensor) continue;
    if (!modesOf.has(t)) modesOf.set(t, new Set());
    const m = accMode.get(a);
    modesOf.get(t)!.add(m ? String(m.mode) : '-');
  }
  const renamed = new Map<number, string>();
  const slices = new Map<string, { name: string; source: string; mode: number }>();
  for (const [a, m] of accMode) {
    if (m.tensor === g.output.tensor) continue;
    const whole = modesOf.get(m.tensor)!.size === 1;
    const name = whole ? m.tensor : `${m.tensor}~${index}${m.mode}`;
    if (!whole) for (const id of accNodes.get(a)!) renamed.set(id, name);
    slices.set(name, { name, source: m.tensor, mode: m.mode });
  }
  if (slices.size === 0) throw unsupported(g, `no input is indexed by its outermost loop index '${index}'`);
  const bs = g.blockSize ?? 0;
  let units = -1;
  let unitHeight = 1;
  for (const s of slices.values()) {
    const info = g.tensors[s.source];
    if (!info) throw unsupported(g, `tensor '${s.source}' is read but not declared in graph.tensors`);
    const h = info.format.blockShape?.[s.mode] ?? (bs > 0 ? bs : 1);
    const n = Math.ceil(info.shape[s.mode] / h);
    if (units >= 0 && (n !== units || h !== unitHeight)) throw unsupported(g, `the accesses iterated by '${index}' disagree on its extent (${units} vs ${n} units)`);
    units = n;
    unitHeight = h;
  }
  if (units <= 0) throw unsupported(g, `its outer index '${index}' has no coordinates`);
  // Index -> (tensor, mode) of every access, for the proxy's second level.
  const iterated: Array<{ acc: number; node: number; tensor: string; mode: number; index: string; inner: boolean }> = [];
  for (const n of g.nodes) {
    const a = access.get(n.id);
    if (a === undefined || !n.attrs.tensor || !n.attrs.index || (n.kind !== 'level_scan' && n.kind !== 'locate')) continue;
    const f = g.tensors[n.attrs.tensor]?.format;
    const mode = n.attrs.mode ?? (n.attrs.level !== undefined ? f?.modeOrder[n.attrs.level] : undefined);
    const level = n.attrs.level ?? (mode !== undefined ? f?.modeOrder.indexOf(mode) : undefined);
    // the tensor's last level opens no fiber (its entries meet the source's by intersection)
    const inner = !f || level === undefined || level >= f.modeOrder.length - 1;
    if (mode !== undefined && n.attrs.tensor !== g.output.tensor) iterated.push({ acc: a, node: n.id, tensor: n.attrs.tensor, mode, index: n.attrs.index, inner });
  }
  const fanout: SamplePlan['fanout'] = [];
  // An index above the units' (the heads over rows) opens its fibers once per coordinate, not
  // once per entry of a unit: it adds no per-unit work.
  const above = indicesAbove(g, index, byId);
  const seenFanout = new Set<string>();
  const loop = loopInstances(g, byId);
  // Accesses whose fibers each entry of `from` opens: those iterated in the same loop instance, or
  // (first level only) at the same index name, as the proxy counted before loop instances. Below
  // the first level only the streams count: a name shared across an accumulator (X(l,k7) summed
  // over l, then W1n(k7,:)) would count W1n once per l instead of once per k.
  const targetsOf = (from: (typeof iterated)[number], path: Set<number>, depth: number): FanoutTarget[] => {
    const out: FanoutTarget[] = [];
    const taken = new Set<number>();
    for (const x of iterated) {
      if (x.acc === from.acc || path.has(x.acc) || taken.has(x.acc) || x.inner || accMode.has(x.acc)) continue;
      if (loop(x.node) !== loop(from.node) && (depth > 0 || x.index !== from.index)) continue;
      taken.add(x.acc);
      const inPath = new Set(path).add(x.acc);
      const below: FanoutTarget['below'] = [];
      if (depth + 1 < FANOUT_DEPTH) {
        for (const y of iterated.filter((z) => z.acc === x.acc && z.mode !== x.mode && !above.has(z.index))) {
          const t = targetsOf(y, inPath, depth + 1);
          if (t.length) below.push({ mode: y.mode, targets: t });
        }
      }
      out.push({ tensor: x.tensor, mode: x.mode, below });
    }
    return out;
  };
  for (const [a, m] of accMode) {
    if (m.tensor === g.output.tensor) continue;
    for (const it of iterated.filter((x) => x.acc === a && x.mode !== m.mode && !above.has(x.index))) {
      const targets = targetsOf(it, new Set([a]), 0);
      const key = JSON.stringify([m.tensor, it.mode, targets]);
      if (targets.length && !seenFanout.has(key)) {
        seenFanout.add(key);
        fanout.push({ source: m.tensor, mode: it.mode, targets });
      }
    }
  }
  const lanes = Math.max(1, ...g.nodes.filter((x) => x.kind === 'fork' && (x.attrs.index === undefined || x.attrs.index === index)).map((x) => x.attrs.arity ?? 1));
  const outerDense = g.nodes.some((x) => x.kind === 'level_scan' && x.attrs.index === index && access.has(x.id) && levelFormat(g, x) === 'dense');
  return { graph: g.name, index, units, slices: [...slices.values()], renamed, outputMode, unitHeight, lanes, outerDense, fanout };
}

/** Indices of the loops enclosing `index`: those of the scans and repeats upstream of its scans. */
function indicesAbove(g: DataflowGraph, index: string, byId: Map<number, DfNode>): Set<string> {
  const srcOf = new Map(g.channels.map((c) => [c.id, c.src.node]));
  const out = new Set<string>();
  const seen = new Set<number>();
  const stack = g.nodes.filter((n) => (n.kind === 'level_scan' || n.kind === 'locate') && n.attrs.index === index).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = byId.get(id);
    if (!n) continue;
    if (n.attrs.index && n.attrs.index !== index) out.add(n.attrs.index);
    for (const c of Object.values(n.inputs)) {
      const src = srcOf.get(c);
      if (src !== undefined) stack.push(src);
    }
  }
  return out;
}

const cooCache = new WeakMap<SparseTensorData, CooData>();

/** Stored elements of a tensor, cached: every batch slices the same inputs. */
function cooOf(t: SparseTensorData): CooData {
  let c = cooCache.get(t);
  if (!c) {
    c = toCoo(t);
    cooCache.set(t, c);
  }
  return c;
}

const rowCache = new WeakMap<SparseTensorData, Map<number, { start: Int32Array; order: Int32Array }>>();

/** Entries of a tensor grouped by their coordinate along `mode` (a counting sort), cached. */
function rowIndexOf(t: SparseTensorData, mode: number): { start: Int32Array; order: Int32Array } {
  let byMode = rowCache.get(t);
  if (!byMode) {
    byMode = new Map();
    rowCache.set(t, byMode);
  }
  let idx = byMode.get(mode);
  if (!idx) {
    const c = cooOf(t).coords[mode];
    const start = new Int32Array(t.shape[mode] + 1);
    for (let k = 0; k < c.length; k++) start[c[k] + 1]++;
    for (let r = 0; r < t.shape[mode]; r++) start[r + 1] += start[r];
    const fill = start.slice(0, t.shape[mode]);
    const order = new Int32Array(c.length);
    for (let k = 0; k < c.length; k++) order[fill[c[k]]++] = k;
    idx = { start, order };
    byMode.set(mode, idx);
  }
  return idx;
}

/**
 * Rows of a tensor along `mode` restricted to the units listed (sorted ascending), renumbered
 * 0..: unit u covers rows [u*h, min((u+1)*h, extent)). Stored zeros stay stored.
 */
export function sliceTensor(t: SparseTensorData, mode: number, units: readonly number[], h: number, format: TensorFormat = t.format, dropZeros = false): SparseTensorData {
  const extent = t.shape[mode];
  const newRow = new Int32Array(extent).fill(-1);
  let next = 0;
  for (const u of units) {
    for (let r = u * h; r < Math.min((u + 1) * h, extent); r++) newRow[r] = next++;
  }
  const { coords, vals } = cooOf(t);
  // Only the sampled rows' entries are visited (the row index is built once per tensor and mode).
  const { start, order } = rowIndexOf(t, mode);
  const keep: number[] = [];
  for (const u of units) {
    for (let r = u * h; r < Math.min((u + 1) * h, extent); r++) {
      for (let q = start[r]; q < start[r + 1]; q++) {
        const k = order[q];
        if (!(dropZeros && vals[k] === 0)) keep.push(k);
      }
    }
  }
  const nc = coords.map((c, m) => {
    const out = new Int32Array(keep.length);
    for (let q = 0; q < keep.length; q++) out[q] = m === mode ? newRow[c[keep[q]]] : c[keep[q]];
    return out;
  });
  const nv = new Float64Array(keep.length);
  for (let q = 0; q < keep.length; q++) nv[q] = vals[keep[q]];
  const shape = t.shape.slice();
  shape[mode] = next;
  return fromCoo(shape, nc, nv, format, t.name);
}

/**
 * The sub-problem of a graph on some units: a copy of the graph whose sliced tensors and output
 * shrink along the outer index, and the sliced input data (the caller's graph and data stay as they were).
 */
export function subProblem(g: DataflowGraph, plan: SamplePlan, units: readonly number[], env: TensorBindings): { graph: DataflowGraph; data: TensorBindings } {
  const data: TensorBindings = { ...env };
  const tensors = { ...g.tensors };
  for (const s of plan.slices) {
    const src = env[s.source];
    if (!src) throw new FuseFlowError('FF_INPUT_INVALID', `graph '${g.name}': no data bound to tensor '${s.source}'`);
    const info = g.tensors[s.source];
    data[s.name] = sliceTensor(src, s.mode, units, plan.unitHeight, info.format);
    tensors[s.name] = { ...info, name: s.name, shape: data[s.name].shape.slice() };
  }
  const outShape = g.output.shape.slice();
  outShape[plan.outputMode] = unitRows(g.output.shape[plan.outputMode], units, plan.unitHeight);
  const out = g.tensors[g.output.tensor];
  if (out) tensors[g.output.tensor] = { ...out, shape: outShape.slice() };
  const nodes = plan.renamed.size === 0 ? g.nodes : g.nodes.map((n) => (plan.renamed.has(n.id) ? { ...n, attrs: { ...n.attrs, tensor: plan.renamed.get(n.id)! } } : n));
  return { graph: { ...g, nodes, tensors, output: { ...g.output, shape: outShape } }, data };
}

/** Rows the units cover along a mode of `extent` rows (the last block may be short). */
export function unitRows(extent: number, units: readonly number[], h: number): number {
  let n = 0;
  for (const u of units) n += Math.max(0, Math.min((u + 1) * h, extent) - u * h);
  return n;
}

/** The project's seeded stream (@fuseflow/ir SeededRandom): a seed gives the same sample on every platform. */
export function seededRandom(seed: number): () => number {
  const r = new SeededRandom(seed | 0);
  return () => r.next();
}

/**
 * Cost proxy of every unit, known before any simulation: 1 + its stored entries over the sliced
 * accesses + the entries of the fibers those entries open in the accesses below them, each
 * weighted by what it opens in turn (the per-row work of SpMSpM ikj, of a fused GCN's recomputed
 * rows, of a fused GraphSAGE's neighbours' neighbours). Used to stratify the draw and
 * to model lane imbalance; it never affects values and only the efficiency of the estimate.
 */
export function unitProxy(plan: SamplePlan, env: TensorBindings): Float64Array {
  const x = new Float64Array(plan.units).fill(1);
  const seen = new Set<string>();
  for (const s of plan.slices) {
    if (seen.has(s.source) || !env[s.source]) continue;
    seen.add(s.source);
    const c = cooOf(env[s.source]).coords[s.mode];
    for (let k = 0; k < c.length; k++) x[Math.floor(c[k] / plan.unitHeight)]++;
  }
  for (const f of plan.fanout) {
    const src = env[f.source];
    if (!src) continue;
    const mode = plan.slices.find((s) => s.source === f.source)!.mode;
    const open = openedBy(f.targets, src.shape[f.mode], env);
    const coo = cooOf(src);
    const cu = coo.coords[mode];
    const cf = coo.coords[f.mode];
    for (let k = 0; k < cu.length; k++) x[Math.floor(cu[k] / plan.unitHeight)] += open[cf[k]];
  }
  return x;
}

/**
 * Per coordinate of a mode of `extent`: the entries of the fibers an entry at that coordinate
 * opens in the targets, each weighted by 1 + what it opens in turn.
 */
function openedBy(targets: readonly FanoutTarget[], extent: number, env: TensorBindings): Float64Array {
  const open = new Float64Array(extent);
  for (const t of targets) {
    const d = env[t.tensor];
    if (!d || d.shape[t.mode] !== extent) continue;
    const coo = cooOf(d);
    const tc = coo.coords[t.mode];
    const w = new Float64Array(tc.length).fill(1);
    for (const b of t.below) {
      const sub = openedBy(b.targets, d.shape[b.mode], env);
      const bc = coo.coords[b.mode];
      for (let k = 0; k < tc.length; k++) w[k] += sub[bc[k]];
    }
    for (let k = 0; k < tc.length; k++) open[tc[k]] += w[k];
  }
  return open;
}

/**
 * n of N units drawn without replacement, stratified by a cost proxy: units sorted by proxy
 * (ties in random order) are cut into n strata of near-equal size and one unit is drawn from
 * each; strata are dealt to `batches` clusters at random within every run of `batches` strata,
 * so each cluster spans the whole cost range. Each cluster is sorted (a sub-problem keeps the
 * units' order). Without a proxy this is simple random sampling.
 */
export function drawBatches(N: number, n: number, batches: number, seed: number, proxy?: ArrayLike<number>): number[][] {
  const rnd = seededRandom(seed);
  const tie = new Float64Array(N);
  for (let i = 0; i < N; i++) tie[i] = rnd();
  const order = Array.from({ length: N }, (_, i) => i);
  order.sort((a, b) => (proxy ? proxy[a] - proxy[b] : 0) || tie[a] - tie[b]);
  const picks: number[] = [];
  for (let k = 0; k < n; k++) {
    const lo = Math.floor((k * N) / n);
    const hi = Math.floor(((k + 1) * N) / n);
    picks.push(order[lo + Math.floor(rnd() * (hi - lo))]);
  }
  const B = Math.max(1, Math.min(batches, n));
  const out: number[][] = Array.from({ length: B }, () => []);
  for (let j = 0; j < n; j += B) {
    const slots = Array.from({ length: Math.min(B, n - j) }, (_, i) => i);
    for (let i = slots.length - 1; i > 0; i--) {
      const r = Math.floor(rnd() * (i + 1));
      [slots[i], slots[r]] = [slots[r], slots[i]];
    }
    // a short last run goes to random clusters, not always the first ones
    const offset = Math.floor(rnd() * B);
    slots.forEach((slot, i) => out[(slots.length < B ? slot + offset : slot) % B].push(picks[j + i]));
  }
  return out.filter((b) => b.length > 0).map((b) => b.sort((x, y) => x - y));
}

/**
 * Load imbalance of a run whose units are dealt round-robin to `lanes` lanes in stream order, in
 * proxy units: the heaviest lane's load minus the mean lane load. A compressed outer level streams
 * only units with stored entries (proxy > 1).
 */
export function laneImbalance(units: ArrayLike<number>, proxy: ArrayLike<number>, lanes: number, dense: boolean): number {
  if (lanes <= 1) return 0;
  const load = new Float64Array(lanes);
  let r = 0;
  let total = 0;
  for (let k = 0; k < units.length; k++) {
    const x = proxy[units[k]];
    if (!dense && x <= 1) continue;
    load[r++ % lanes] += x;
    total += x;
  }
  return Math.max(...load) - total / lanes;
}

/**
 * Units in an order whose round-robin dealing to `lanes` lanes balances the proxy load: each
 * round of `lanes` units (heaviest first) goes heaviest to the least loaded lane. A sub-problem
 * may number its units in any order, so small runs need not carry the imbalance that chance
 * would give them (the whole graph's own imbalance is added back from the proxy). Units a
 * compressed outer level does not stream (no stored entries) go last.
 */
export function balancedOrder(units: readonly number[], proxy: ArrayLike<number>, lanes: number, dense: boolean): number[] {
  if (lanes <= 1) return units.slice();
  const streamed = units.filter((u) => dense || proxy[u] > 1).sort((a, b) => proxy[b] - proxy[a] || a - b);
  const idle = units.filter((u) => !(dense || proxy[u] > 1));
  const load = new Float64Array(lanes);
  const rounds = Math.ceil(streamed.length / lanes);
  const slot: number[][] = Array.from({ length: lanes }, () => []);
  for (let r = 0; r < rounds; r++) {
    const group = streamed.slice(r * lanes, (r + 1) * lanes);
    // The last round is short: its units go to the lowest lane numbers, in lane order.
    const free = Array.from({ length: group.length === lanes ? lanes : group.length }, (_, l) => l);
    for (const u of group) {
      let best = 0;
      for (let k = 1; k < free.length; k++) if (load[free[k]] < load[free[best]]) best = k;
      const l = free.splice(best, 1)[0];
      load[l] += proxy[u];
      slot[l].push(u);
    }
  }
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) for (let l = 0; l < lanes; l++) if (slot[l][r] !== undefined) out.push(slot[l][r]);
  return out.concat(idle);
}
