import { FuseFlowError } from '@fuseflow/kernel';
import { fromCoo, type DataflowGraph, type LevelStorage, type SparseTensorData, type TensorFormat } from '@fuseflow/ir';
import type { TokenLog, WriterPrim } from './primitives';
import { DONE, EMPTY, STOP, VAL } from './tokens';

function broken(g: DataflowGraph, msg: string): FuseFlowError {
  return new FuseFlowError('FF_INPUT_INVALID', `graph '${g.name}': output writers disagree: ${msg}`, {
    suggestion: 'the crd writers of consecutive levels and the value writer must carry one consistent fiber tree',
  });
}

/**
 * Builds the output tensor from the writers' token logs. Each level's stream is parsed as a
 * fiber tree driven by its parent level: a parent coordinate owns the next fiber (tokens up to a
 * stop); a parent stop right after another stop (an empty parent fiber) owns a standalone stop.
 * The leaf positions pair with the value stream. Streams in storage order (the normal case) build
 * the storage directly; otherwise (e.g. parallel lanes joined out of order) the leaves go through
 * COO and fromCoo sorts them, so join order does not matter. `how` forces one path (tests).
 */
export function assembleOutput(g: DataflowGraph, writers: WriterPrim[], tileN: number, how: 'auto' | 'coo' | 'direct' = 'auto'): SparseTensorData {
  const out = g.output;
  const info = g.tensors[out.tensor];
  const format: TensorFormat = info?.format ?? { levels: out.shape.map(() => 'compressed' as const), modeOrder: out.modeOrder };
  const vw = writers.filter((w) => w.isVal);
  if (vw.length !== 1) throw broken(g, `expected exactly one val_write, found ${vw.length}`);
  const crdW = writers.filter((w) => !w.isVal);
  const rank = out.shape.length;
  if (crdW.length !== rank) throw broken(g, `output '${out.tensor}' has rank ${rank} but the graph has ${crdW.length} crd_write node(s)`);
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
  const vals = vw[0].log;
  const leaves = rank === 0 ? 1 : counts[rank - 1];
  // With no coordinate at all, Empty values are a reduce's placeholders for the empty stream (its
  // lone stop reads like the end of one innermost fiber): the output is empty.
  const onlyPlaceholders = leaves === 0 && Array.from(vals.tags.subarray(0, vals.n)).every((t) => t === EMPTY);
  if (vals.n !== leaves && !onlyPlaceholders) throw broken(g, `${vals.n} value(s) written for ${leaves} output coordinate(s)`);
  if (tileN === 0 && rank > 0 && how !== 'coo') {
    const direct = inOrder(out.shape, out.modeOrder, format, crdOf, parentOf, counts, vals.tags, vals.vals, out.tensor);
    if (direct !== null) return direct;
  }
  if (how === 'direct') throw broken(g, 'the streams are not in storage order (or the format has no direct build)');
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
      const t = vw[0].tileLog[vals.vals[q]];
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
