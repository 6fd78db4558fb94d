import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { fromCoo, type DataflowGraph, type LevelStorage, type SparseTensorData, type TensorFormat } from '@fuseflow/ir';
import type { TokenLog, WriterPrim } from './primitives';
import { DONE, EMPTY, STOP, VAL } from './tokens';

function broken(g: DataflowGraph, msg: string): FuseFlowError {
  return new FuseFlowError('FF_INPUT_INVALID', `graph '${g.name}': output writers disagree: ${msg}`, {
    suggestion: 'the crd writers of consecutive levels and the value writer must carry one consistent fiber tree',
  });
}

/** The writers' streams parsed into one fiber tree: per level the coordinates and parent positions, and the leaves' values. */
interface Parsed {
  crdOf: Float64Array[];
  parentOf: Int32Array[];
  counts: number[];
  valTags: Uint8Array;
  valVals: Float64Array;
  valN: number;
  /** block mode: the value tiles (valVals index them). */
  tiles: Float64Array[];
}

/**
 * Builds the output tensor from the writers' token logs. Each level's stream is parsed as a
 * fiber tree driven by its parent level: a parent coordinate owns the next fiber (tokens up to a
 * stop); a parent stop right after another stop (an empty parent fiber) owns a standalone stop.
 * The leaf positions pair with the value stream. With parallel lanes each lane writes its own
 * part of the output (see mergeLanes). Streams in storage order (the normal case) build the
 * storage directly; otherwise the leaves go through COO and fromCoo sorts them. `how` forces one
 * path (tests).
 */
export function assembleOutput(g: DataflowGraph, writers: WriterPrim[], tileN: number, how: 'auto' | 'coo' | 'direct' = 'auto'): SparseTensorData {
  const out = g.output;
  const info = g.tensors[out.tensor];
  const format: TensorFormat = info?.format ?? { levels: out.shape.map(() => 'compressed' as const), modeOrder: out.modeOrder };
  const vw = writers.filter((w) => w.isVal);
  const crdW = writers.filter((w) => !w.isVal);
  const rank = out.shape.length;
  const parsed = vw.length === 1 && crdW.length === rank ? singleTree(g, vw[0], crdW, rank) : mergeLanes(g, vw, crdW, rank);
  const { crdOf, parentOf, counts } = parsed;
  const leaves = rank === 0 ? 1 : counts[rank - 1];
  // With no coordinate at all, Empty values are a reduce's placeholders for the empty stream (its
  // lone stop reads like the end of one innermost fiber): the output is empty.
  const onlyPlaceholders = leaves === 0 && Array.from(parsed.valTags.subarray(0, parsed.valN)).every((t) => t === EMPTY);
  if (parsed.valN !== leaves && !onlyPlaceholders) throw broken(g, `${parsed.valN} value(s) written for ${leaves} output coordinate(s)`);
  if (tileN === 0 && rank > 0 && how !== 'coo') {
    const direct = inOrder(out.shape, out.modeOrder, format, crdOf, parentOf, counts, parsed.valTags, parsed.valVals, out.tensor);
    if (direct !== null) return direct;
  }
  if (how === 'direct') throw broken(g, 'the streams are not in storage order (or the format has no direct build)');
  const vals = { tags: parsed.valTags, vals: parsed.valVals };
  // Coordinates of each leaf, by tensor mode.
  const coords: number[][] = out.shape.map(() => []);
  const v: number[] = [];
  const tile = tileN > 0 ? tileN : 1;
  for (let q = 0; q < leaves; q++) {
    const blockCrd = new Array<number>(rank);
    let p = q;
    for (let l = rank - 1; l >= 0; l--) {
      blockCrd[out.modeOrder[l]] = crdOf[l][p];
      p = parentOf[l][p];
    }
    if (vals.tags[q] === EMPTY) continue; // absent entry (its coordinate is dropped)
    if (tileN > 0) {
      // a tile is dense row-major over the output's modes (N per mode, rank 1 included)
      const t = parsed.tiles[vals.vals[q]];
      const len = tile ** rank;
      if (t.length !== len) throw broken(g, `a value tile has ${t.length} element(s), expected ${len} for the rank-${rank} output in ${tile}-blocks`);
      const elem = new Array<number>(rank);
      for (let e = 0; e < len; e++) {
        const x = t[e];
        if (x === 0) continue;
        let rest = e;
        let inside = true;
        for (let m = rank - 1; m >= 0; m--) {
          elem[m] = blockCrd[m] * tileN + (rest % tileN);
          rest = Math.floor(rest / tileN);
          if (elem[m] >= out.shape[m]) inside = false;
        }
        if (!inside) continue; // zero padding of an edge tile
        for (let m = 0; m < rank; m++) coords[m].push(elem[m]);
        v.push(x);
      }
    } else {
      for (let m = 0; m < rank; m++) coords[m].push(blockCrd[m]);
      v.push(vals.vals[q]);
    }
  }
  for (let m = 0; m < rank; m++) {
    for (const c of coords[m]) {
      if (!(c >= 0 && c < out.shape[m])) throw broken(g, `coordinate ${c} out of range for mode ${m} (extent ${out.shape[m]})`);
    }
  }
  return fromCoo(out.shape, coords, v, format, out.tensor);
}

/** One writer per level and one value writer (no lanes). */
function singleTree(g: DataflowGraph, vw: WriterPrim, crdW: WriterPrim[], rank: number): Parsed {
  // Writers carry their storage level; unlabelled ones are taken in node order.
  const levels = crdW.map((w, i) => ({ w, level: w.level >= 0 ? w.level : i })).sort((a, b) => a.level - b.level);
  levels.forEach((l, i) => {
    if (l.level !== i) throw broken(g, `crd_write levels must be 0..${rank - 1}, got ${levels.map((x) => x.level).join(',')}`);
  });
  // crdOf[l][q], parentOf[l][q] for every position q of level l (sized by the level's token count).
  const crdOf: Float64Array[] = [];
  const parentOf: Int32Array[] = [];
  const counts: number[] = [];
  let parentTags: Uint8Array | null = null;
  let parentN = 0;
  for (let l = 0; l < rank; l++) {
    const log = levels[l].w.log;
    const crd = new Float64Array(log.n);
    const par = new Int32Array(log.n);
    counts.push(l === 0 ? rootLevel(log, crd) : childLevel(g, l, log, parentTags!, parentN, crd, par));
    crdOf.push(crd);
    parentOf.push(par);
    parentTags = log.tags.subarray(0, log.n);
    parentN = log.n;
  }
  return { crdOf, parentOf, counts, valTags: vw.log.tags, valVals: vw.log.vals, valN: vw.log.n, tiles: vw.tileLog };
}

/**
 * The lanes of every node: 'index:lane' for each fork whose lane `p` (port out<p>) it lies in
 * (every fork of one index deals the same lanes); a join keeps only the lanes all its inputs
 * share (an unlabelled Comal join ends its fork's lanes too). Writers are matched by these: a writer belongs to the part of the
 * output written by the value writers whose lanes include all of its own (a writer outside the
 * lanes, e.g. an outer level's, is shared by all of them).
 */
function nodeLanes(g: DataflowGraph): Map<number, string[]> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const src = new Map(g.channels.map((c) => [c.id, c.src]));
  const memo = new Map<number, string[]>();
  const visit = (id: number): string[] => {
    const hit = memo.get(id);
    if (hit) return hit;
    memo.set(id, []); // a cycle (none in a valid graph) cannot recurse forever
    const n = byId.get(id)!;
    const ins: string[][] = [];
    for (const ch of Object.values(n.inputs ?? {})) {
      const s = src.get(ch);
      if (!s || !byId.has(s.node)) continue;
      const up = byId.get(s.node)!;
      const l = [...visit(s.node)];
      if (up.kind === 'fork' && s.port.startsWith('out')) l.push(`${up.attrs.index ?? ''}:${s.port.slice(3)}`);
      ins.push(l);
    }
    // a join keeps only the lanes all its inputs share (it merges the ones they differ in)
    const lanes = n.kind === 'join' ? [...new Set(ins.flat())].filter((k) => ins.every((l) => l.includes(k))).sort() : [...new Set(ins.flat())].sort();
    memo.set(id, lanes);
    return lanes;
  };
  for (const n of g.nodes) visit(n.id);
  return memo;
}

const within = (a: string[], b: string[]): boolean => a.every((x) => b.includes(x));

/**
 * Several writers per level (parallel lanes with their own writers): each lane writes a fiber
 * tree of its part of the output whose levels above the lane are its own copy or a shared
 * writer's. Every writer is parsed against its parent-level writer, then each level is merged
 * over the lanes in (parent, coordinate) order, equal coordinates under one parent becoming one
 * position (an outer coordinate several lanes write). A leaf two lanes give a value is an error.
 */
function mergeLanes(g: DataflowGraph, vw: WriterPrim[], crdW: WriterPrim[], rank: number): Parsed {
  if (vw.length === 0) throw broken(g, 'no val_write');
  if (rank === 0) throw broken(g, `expected exactly one val_write for the scalar output '${g.output.tensor}', found ${vw.length}`);
  const lanesOf = nodeLanes(g);
  const lanes = (w: WriterPrim): string[] => lanesOf.get(w.id) ?? [];
  const name = (w: WriterPrim): string => `'${w.label}'${lanes(w).length ? ` (lanes ${lanes(w).join(',')})` : ''}`;
  const byLevel: WriterPrim[][] = Array.from({ length: rank }, () => []);
  for (const w of crdW) {
    if (!(w.level >= 0 && w.level < rank)) throw broken(g, `crd_write ${name(w)} has level ${w.level}; with several writers per level every crd_write needs attrs.level in 0..${rank - 1}`);
    byLevel[w.level].push(w);
  }
  // writers of a level by their lanes; a writer's parent has a subset of its lanes (at most a few
  // forked levels, so the subsets are enumerated instead of testing every pair of writers)
  const keyed = byLevel.map((ws) => {
    const m = new Map<string, WriterPrim[]>();
    for (const w of ws) {
      const k = lanes(w).join('|');
      m.set(k, [...(m.get(k) ?? []), w]);
    }
    return m;
  });
  const parentWriter = (level: number, w: WriterPrim, what: string): WriterPrim => {
    const own = lanes(w);
    const ps: WriterPrim[] = [];
    if (own.length > 12) {
      ps.push(...byLevel[level].filter((p) => within(lanes(p), own)));
    } else {
      for (let mask = 0; mask < 1 << own.length; mask++) ps.push(...(keyed[level].get(own.filter((_, b) => (mask >> b) & 1).join('|')) ?? []));
    }
    if (ps.length !== 1) throw broken(g, `${what} ${name(w)} matches ${ps.length} writer(s) of level ${level} (${byLevel[level].slice(0, 8).map(name).join(', ') || 'none'}${byLevel[level].length > 8 ? ', ...' : ''})`);
    return ps[0];
  };
  const crdOf: Float64Array[] = [];
  const parentOf: Int32Array[] = [];
  const counts: number[] = [];
  /** merged position of every stream position, per writer. */
  const pos = new Map<WriterPrim, Int32Array>();
  for (let l = 0; l < rank; l++) {
    if (byLevel[l].length === 0) throw broken(g, `no crd_write for level ${l} of '${g.output.tensor}'`);
    const parts = byLevel[l].map((w) => {
      const crd = new Float64Array(w.log.n);
      const par = new Int32Array(w.log.n);
      if (l === 0) return { w, crd, par, n: rootLevel(w.log, crd) };
      const p = parentWriter(l - 1, w, `level-${l} crd_write`);
      const n = childLevel(g, l, w.log, p.log.tags.subarray(0, p.log.n), p.log.n, crd, par);
      const up = pos.get(p)!;
      for (let q = 0; q < n; q++) par[q] = up[par[q]];
      return { w, crd, par, n };
    });
    const total = parts.reduce((s, x) => s + x.n, 0);
    const parents = l === 0 ? 1 : counts[l - 1];
    // counting sort by merged parent; stable, so each writer's fibers keep their order
    const start = new Int32Array(parents + 1);
    for (const x of parts) for (let q = 0; q < x.n; q++) start[x.par[q] + 1]++;
    for (let p = 0; p < parents; p++) start[p + 1] += start[p];
    const fill = start.slice(0, parents);
    const entC = new Float64Array(total);
    const entPart = new Int32Array(total);
    const entQ = new Int32Array(total);
    parts.forEach((x, k) => {
      for (let q = 0; q < x.n; q++) {
        const at = fill[x.par[q]]++;
        entC[at] = x.crd[q];
        entPart[at] = k;
        entQ[at] = q;
      }
    });
    const order = sortWithinParents(start, parents, entC);
    const maps = parts.map((x) => new Int32Array(x.n));
    const crd = new Float64Array(total);
    const par = new Int32Array(total);
    let m = -1;
    let lastP = -1;
    for (let p = 0; p < parents; p++) {
      for (let e = start[p]; e < start[p + 1]; e++) {
        const i = order[e];
        if (!(m >= 0 && lastP === p && crd[m] === entC[i])) {
          m++;
          crd[m] = entC[i];
          par[m] = p;
          lastP = p;
        }
        maps[entPart[i]][entQ[i]] = m;
      }
    }
    parts.forEach((x, k) => pos.set(x.w, maps[k]));
    crdOf.push(crd);
    parentOf.push(par);
    counts.push(m + 1);
  }
  const leaves = counts[rank - 1];
  const valTags = new Uint8Array(leaves).fill(EMPTY);
  const valVals = new Float64Array(leaves);
  const tiles: Float64Array[] = [];
  const fed = new Set<WriterPrim>();
  for (const v of vw) {
    const leafW = parentWriter(rank - 1, v, 'val_write');
    if (fed.has(leafW)) throw broken(g, `two val_writes pair with the leaf crd_write ${name(leafW)}`);
    fed.add(leafW);
    const map = pos.get(leafW)!;
    const log = v.log;
    const placeholders = map.length === 0 && Array.from(log.tags.subarray(0, log.n)).every((t) => t === EMPTY);
    if (log.n !== map.length && !placeholders) throw broken(g, `${log.n} value(s) written by ${name(v)} for ${map.length} output coordinate(s) of ${name(leafW)}`);
    for (let q = 0; q < map.length; q++) {
      if (log.tags[q] !== VAL) continue;
      const m = map[q];
      if (valTags[m] === VAL) throw broken(g, `two lanes write output position ${m} (again by ${name(v)})`);
      valTags[m] = VAL;
      if (v.tileLog.length > 0) {
        tiles.push(v.tileLog[log.vals[q]]);
        valVals[m] = tiles.length - 1;
      } else valVals[m] = log.vals[q];
    }
  }
  for (const w of byLevel[rank - 1]) if (!fed.has(w)) throw broken(g, `leaf crd_write ${name(w)} has no val_write of its lanes`);
  return { crdOf, parentOf, counts, valTags, valVals, valN: leaves, tiles };
}

/** Entry order with each parent's entries sorted by coordinate (a lane's own fibers are sorted already). */
function sortWithinParents(start: Int32Array, parents: number, crd: Float64Array): Int32Array {
  const order = new Int32Array(crd.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let p = 0; p < parents; p++) {
    const a = start[p];
    const b = start[p + 1];
    let sorted = true;
    for (let e = a + 1; e < b && sorted; e++) if (crd[e] < crd[e - 1]) sorted = false;
    if (sorted) continue;
    const seg = Array.from(order.subarray(a, b)).sort((x, y) => crd[x] - crd[y]);
    order.set(seg, a);
  }
  return order;
}

/** Level 0: its coordinates into `crd`; returns how many. */
function rootLevel(log: TokenLog, crd: Float64Array): number {
  let k = 0;
  for (let i = 0; i < log.n; i++) if (log.tags[i] === VAL) crd[k++] = log.vals[i];
  return k;
}

/**
 * Level l > 0 driven by its parent's tokens: a parent coordinate owns the next fiber, a parent
 * stop right after a stop (an empty parent fiber) owns a standalone stop. Fills the coordinates
 * and their parent positions; returns how many. (Small and separate so it is compiled early.)
 */
function childLevel(g: DataflowGraph, l: number, log: TokenLog, parentTags: Uint8Array, parentN: number, crd: Float64Array, par: Int32Array): number {
  const tags = log.tags;
  const vals = log.vals;
  const n = log.n;
  let k = 0;
  let i = 0;
  let pos = 0;
  let prevStop = true;
  for (let j = 0; j < parentN; j++) {
    const pt = parentTags[j];
    if (pt === VAL) {
      for (;;) {
        if (i >= n) throw broken(g, `level ${l} stream ended early (${n} tokens)`);
        const tg = tags[i];
        const v = vals[i++];
        if (tg === VAL) {
          crd[k] = v;
          par[k++] = pos;
        } else if (tg === STOP) break;
        else if (tg === DONE) throw broken(g, `level ${l} ended inside the fiber of level-${l - 1} position ${pos}`);
      }
      pos++;
      prevStop = false;
    } else if (pt === STOP) {
      if (prevStop) {
        if (i >= n) throw broken(g, `level ${l} stream ended early (${n} tokens)`);
        if (tags[i++] !== STOP) throw broken(g, `level ${l} has a coordinate where level ${l - 1} has an empty fiber`);
      }
      prevStop = true;
    }
  }
  return k;
}

/**
 * The output storage built directly from the streams when they arrive in storage order, which
 * is the normal case (writers see fibers in order): levels all compressed or dense, no blocks,
 * coordinates integral, in range and strictly increasing inside every fiber. Positions whose
 * leaves are all Empty are dropped, as fromCoo drops coordinates nobody lists. Returns null
 * otherwise (e.g. coordinates out of order after a lane join), and the caller sorts COO.
 */
function inOrder(
  shape: number[],
  modeOrder: number[],
  format: TensorFormat,
  crdOf: Float64Array[],
  parentOf: Int32Array[],
  counts: number[],
  valTags: Uint8Array,
  valVals: Float64Array,
  name: string,
): SparseTensorData | null {
  const rank = shape.length;
  if (format.blockShape || format.levels.length !== rank || format.modeOrder.length !== rank) return null;
  for (let l = 0; l < rank; l++) {
    if (format.modeOrder[l] !== modeOrder[l]) return null;
    if (format.levels[l] !== 'compressed' && format.levels[l] !== 'dense') return null;
  }
  // kept[l][q]: position q of level l has a leaf with a value below it.
  const kept: Uint8Array[] = [];
  for (let l = 0; l < rank; l++) kept.push(new Uint8Array(counts[l]));
  const leafN = counts[rank - 1];
  markValues(valTags, leafN, kept[rank - 1]);
  for (let l = rank - 1; l > 0; l--) markParents(kept[l], parentOf[l], counts[l], kept[l - 1]);
  const levels: LevelStorage[] = [];
  // outIdx[q]: output position of kept position q of the previous level.
  let prevIdx = new Int32Array(0);
  let parents = 1;
  for (let l = 0; l < rank; l++) {
    const n = counts[l];
    const crd = crdOf[l];
    const par = parentOf[l];
    const k = kept[l];
    const extent = shape[modeOrder[l]];
    const idx = new Int32Array(n).fill(-1);
    if (format.levels[l] === 'dense') {
      if (!placeDense(n, crd, par, k, l === 0 ? null : prevIdx, extent, idx)) return null;
      levels.push({ format: 'dense', size: extent });
      parents *= extent;
    } else {
      const pos = new Int32Array(parents + 1);
      const outCrd = new Int32Array(n);
      const m = placeCompressed(n, crd, par, k, l === 0 ? null : prevIdx, extent, idx, pos, outCrd);
      if (m < 0) return null;
      for (let p = 0; p < parents; p++) pos[p + 1] += pos[p];
      levels.push({ format: 'compressed', size: extent, pos, crd: outCrd.slice(0, m) });
      parents = m;
    }
    prevIdx = idx;
  }
  const vals = new Float64Array(parents);
  for (let q = 0; q < leafN; q++) if (prevIdx[q] >= 0) vals[prevIdx[q]] = valVals[q];
  return { name, shape: [...shape], format: { levels: [...format.levels], modeOrder: [...format.modeOrder] }, levels, vals };
}

// The loops of inOrder, each a small function so V8 compiles it whole on the first large output.

function markValues(valTags: Uint8Array, n: number, kept: Uint8Array): void {
  for (let q = 0; q < n; q++) if (valTags[q] !== EMPTY) kept[q] = 1;
}

function markParents(kept: Uint8Array, par: Int32Array, n: number, up: Uint8Array): void {
  for (let q = 0; q < n; q++) if (kept[q] !== 0) up[par[q]] = 1;
}

/** The kept coordinate of stream position q sits under output position `parent(q)` (0 at the root). */
function parentAt(prevIdx: Int32Array | null, par: Int32Array, q: number): number {
  return prevIdx === null ? 0 : prevIdx[par[q]];
}

/** A dense level's output positions (parent * extent + crd) into idx; false if out of order or range. */
function placeDense(n: number, crd: Float64Array, par: Int32Array, kept: Uint8Array, prevIdx: Int32Array | null, extent: number, idx: Int32Array): boolean {
  let lastP = -1;
  let lastC = -1;
  for (let q = 0; q < n; q++) {
    if (kept[q] === 0) continue;
    const c = crd[q];
    if (!(c >= 0 && c < extent && c === Math.floor(c))) return false;
    const p = parentAt(prevIdx, par, q);
    if (p === lastP && c <= lastC) return false;
    lastP = p;
    lastC = c;
    idx[q] = p * extent + c;
  }
  return true;
}

/** A compressed level: coordinates, per-parent counts (pos[p + 1]) and positions; -1 if out of order or range. */
function placeCompressed(n: number, crd: Float64Array, par: Int32Array, kept: Uint8Array, prevIdx: Int32Array | null, extent: number, idx: Int32Array, pos: Int32Array, outCrd: Int32Array): number {
  let m = 0;
  let lastP = -1;
  let lastC = -1;
  for (let q = 0; q < n; q++) {
    if (kept[q] === 0) continue;
    const c = crd[q];
    if (!(c >= 0 && c < extent && c === Math.floor(c))) return -1;
    const p = parentAt(prevIdx, par, q);
    if (p === lastP && c <= lastC) return -1;
    lastP = p;
    lastC = c;
    outCrd[m] = c;
    pos[p + 1]++;
    idx[q] = m++;
  }
  return m;
}
