import type { LevelStorage, SparseTensorData, TensorFormat } from './types';
import { inputError } from './errors';
import { denseFormat, formatName, isDenseFormat, tileSize, validateFormat } from './format';
import { LinMap } from './lin-map';

/** Coordinates of stored elements: coords[mode][k] with values vals[k]. */
export interface CooData {
  coords: Int32Array[];
  vals: Float64Array;
}

function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

function checkShape(shape: readonly number[], what: string): void {
  shape.forEach((n, m) => {
    if (!Number.isInteger(n) || n < 0) throw inputError(`${what}: shape[${m}] = ${n} is not a non-negative integer`);
  });
}

/** Number of positions a level has (blocked formats count blocks). */
function levelSizes(shape: readonly number[], f: TensorFormat): number[] {
  return f.modeOrder.map((m) => (f.blockShape ? Math.ceil(shape[m] / f.blockShape[m]) : shape[m]));
}

/**
 * Stable LSD radix (counting) sort of point ids by their level coordinates, outermost level
 * most significant. O(points * levels + sum of level sizes); no comparator calls, which matters
 * for the multi-million-edge graphs.
 */
function sortByLevels(levelCrd: Int32Array[], sizes: number[], n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  let tmp = new Uint32Array(n);
  for (let l = levelCrd.length - 1; l >= 0; l--) {
    const key = levelCrd[l];
    const count = new Int32Array(sizes[l] + 1);
    for (let k = 0; k < n; k++) count[key[k] + 1]++;
    for (let c = 0; c < sizes[l]; c++) count[c + 1] += count[c];
    for (let k = 0; k < n; k++) {
      const id = order[k];
      tmp[count[key[id]]++] = id;
    }
    const swap = order;
    order = tmp;
    tmp = swap;
  }
  return order;
}

/**
 * Builds a tensor from coordinate lists (coords[mode][k], vals[k]) in any format. Duplicates are
 * summed; every listed coordinate is stored (explicit zeros included) so callers can express structure.
 */
export function fromCoo(
  shape: number[],
  coords: ArrayLike<number>[],
  vals: ArrayLike<number>,
  format: TensorFormat,
  name?: string,
): SparseTensorData {
  const rank = shape.length;
  const what = `tensor${name ? ' ' + name : ''}`;
  checkShape(shape, what);
  validateFormat(format, rank, `${what} format`);
  if (coords.length !== rank) throw inputError(`${what}: ${coords.length} coordinate arrays for a rank-${rank} tensor`);
  const n = vals.length;
  for (let m = 0; m < rank; m++) {
    if (coords[m].length !== n) {
      throw inputError(`${what}: coordinate array of mode ${m} has ${coords[m].length} entries, expected ${n} (one per value)`);
    }
    const c = coords[m];
    for (let k = 0; k < n; k++) {
      const x = c[k];
      if (!Number.isInteger(x) || x < 0 || x >= shape[m]) {
        throw inputError(`${what}: coordinate ${x} of entry ${k} is out of range for mode ${m} (extent ${shape[m]})`);
      }
    }
  }
  const sizes = levelSizes(shape, format);
  const bs = format.blockShape;
  const tile = tileSize(format);
  // Level coordinates of every input entry (block coordinates when blocked) and, when blocked,
  // the entry's offset inside its row-major (mode order) tile.
  const levelCrd: Int32Array[] = format.modeOrder.map((m) => {
    const out = new Int32Array(n);
    const c = coords[m];
    const b = bs ? bs[m] : 1;
    for (let k = 0; k < n; k++) out[k] = Math.floor(c[k] / b);
    return out;
  });
  let tileOff: Int32Array | undefined;
  if (bs) {
    tileOff = new Int32Array(n);
    for (let m = 0; m < rank; m++) {
      const c = coords[m];
      for (let k = 0; k < n; k++) tileOff[k] = tileOff[k] * bs[m] + (c[k] % bs[m]);
    }
  }
  if (rank === 0) {
    let s = 0;
    for (let k = 0; k < n; k++) s += vals[k];
    return { ...(name !== undefined ? { name } : {}), shape: [], format: cloneFormat(format), levels: [], vals: Float64Array.of(s) };
  }
  const order = sortByLevels(levelCrd, sizes, n);
  // Unique points (blocks when blocked), in sorted order; uid[k] = unique point of sorted entry k.
  const upCrd = levelCrd.map(() => new Int32Array(n));
  const uid = new Int32Array(n);
  let u = 0;
  for (let k = 0; k < n; k++) {
    const id = order[k];
    let same = u > 0;
    for (let l = 0; same && l < rank; l++) same = upCrd[l][u - 1] === levelCrd[l][id];
    if (!same) {
      for (let l = 0; l < rank; l++) upCrd[l][u] = levelCrd[l][id];
      u++;
    }
    uid[k] = u - 1;
  }
  // Summed values (whole tiles when blocked), allocated per unique point, not per input entry.
  const upVal = new Float64Array(u * tile);
  for (let k = 0; k < n; k++) {
    const id = order[k];
    upVal[uid[k] * tile + (tileOff ? tileOff[id] : 0)] += vals[id];
  }
  // Build levels top-down. Each position of the current level owns a contiguous range of unique points.
  let rangeStart = Int32Array.of(0);
  let rangeEnd = Int32Array.of(u);
  const levels: LevelStorage[] = [];
  for (let l = 0; l < rank; l++) {
    const lf = format.levels[l];
    const crdL = upCrd[l];
    const parents = rangeStart.length;
    const nonUnique = l + 1 < rank && format.levels[l + 1] === 'singleton';
    if (lf === 'dense') {
      const N = sizes[l];
      const ns = new Int32Array(parents * N);
      const ne = new Int32Array(parents * N);
      for (let p = 0; p < parents; p++) {
        let k = rangeStart[p];
        const b = rangeEnd[p];
        for (let c = 0; c < N; c++) {
          ns[p * N + c] = k;
          while (k < b && crdL[k] === c) k++;
          ne[p * N + c] = k;
        }
      }
      levels.push({ format: 'dense', size: N });
      rangeStart = ns;
      rangeEnd = ne;
    } else if (lf === 'compressed') {
      // A level never has more positions than there are unique points.
      const pos = new Int32Array(parents + 1);
      const crd = new Int32Array(u);
      const ns = new Int32Array(u);
      const ne = new Int32Array(u);
      let q = 0;
      for (let p = 0; p < parents; p++) {
        const a = rangeStart[p];
        const b = rangeEnd[p];
        const first = q;
        for (let k = a; k < b; k++) {
          // Above a singleton level every element gets its own position (non-unique, as COO).
          if (nonUnique || k === a || crdL[k] !== crdL[k - 1]) {
            crd[q] = crdL[k];
            ns[q++] = k;
          }
        }
        for (let g = first; g < q; g++) ne[g] = g + 1 < q ? ns[g + 1] : b;
        pos[p + 1] = q;
      }
      levels.push({ format: 'compressed', size: sizes[l], pos, crd: crd.slice(0, q) });
      rangeStart = ns.subarray(0, q);
      rangeEnd = ne.subarray(0, q);
    } else {
      const crd = new Int32Array(parents);
      for (let p = 0; p < parents; p++) {
        // Parents are one-point positions (validateFormat forbids singleton under a dense level).
        crd[p] = crdL[rangeStart[p]];
      }
      levels.push({ format: 'singleton', size: sizes[l], crd });
    }
  }
  const positions = rangeStart.length;
  const out = new Float64Array(positions * tile);
  for (let q = 0; q < positions; q++) {
    if (rangeEnd[q] > rangeStart[q]) {
      const src = rangeStart[q] * tile;
      for (let t = 0; t < tile; t++) out[q * tile + t] = upVal[src + t];
    }
  }
  return { ...(name !== undefined ? { name } : {}), shape: [...shape], format: cloneFormat(format), levels, vals: out };
}

function cloneFormat(f: TensorFormat): TensorFormat {
  return f.blockShape
    ? { levels: [...f.levels], modeOrder: [...f.modeOrder], blockShape: [...f.blockShape] }
    : { levels: [...f.levels], modeOrder: [...f.modeOrder] };
}

/**
 * Builds a tensor from dense row-major values (mode 0 slowest). Sparse levels drop zeros;
 * blocked formats store every tile that holds a nonzero.
 */
export function fromDense(shape: number[], values: ArrayLike<number>, format: TensorFormat, name?: string): SparseTensorData {
  const what = `tensor${name ? ' ' + name : ''}`;
  checkShape(shape, what);
  const total = product(shape);
  if (values.length !== total) {
    throw inputError(`${what}: ${values.length} dense values given for shape [${shape.join(',')}] (expected ${total})`);
  }
  validateFormat(format, shape.length, `${what} format`);
  const identityOrder = format.modeOrder.every((m, l) => m === l);
  if (isDenseFormat(format) && identityOrder && !format.blockShape) {
    return {
      ...(name !== undefined ? { name } : {}),
      shape: [...shape],
      format: cloneFormat(format),
      levels: shape.map((n) => ({ format: 'dense' as const, size: n })),
      vals: Float64Array.from(values),
    };
  }
  let count = 0;
  for (let k = 0; k < total; k++) if (values[k] !== 0) count++;
  const rank = shape.length;
  const coords = shape.map(() => new Int32Array(count));
  const vals = new Float64Array(count);
  const idx = new Array<number>(rank).fill(0);
  let w = 0;
  for (let k = 0; k < total; k++) {
    if (values[k] !== 0) {
      for (let m = 0; m < rank; m++) coords[m][w] = idx[m];
      vals[w++] = values[k];
    }
    for (let m = rank - 1; m >= 0; m--) {
      if (++idx[m] < shape[m]) break;
      idx[m] = 0;
    }
  }
  return fromCoo(shape, coords, vals, format, name);
}

/**
 * Position tables of every level: crdOf[l][q] is the coordinate of position q at level l and
 * parentOf[l][q] its parent position at level l-1.
 */
function levelPositions(t: SparseTensorData): { crdOf: Int32Array[]; parentOf: Int32Array[] } {
  const crdOf: Int32Array[] = [];
  const parentOf: Int32Array[] = [];
  let parents = 1;
  t.levels.forEach((lv, l) => {
    const where = `tensor${t.name ? ' ' + t.name : ''} level ${l}`;
    if (lv.format === 'dense') {
      const N = lv.size;
      const c = new Int32Array(parents * N);
      const p = new Int32Array(parents * N);
      for (let q = 0; q < parents * N; q++) {
        c[q] = q % N;
        p[q] = Math.floor(q / N);
      }
      crdOf.push(c);
      parentOf.push(p);
      parents *= N;
    } else if (lv.format === 'compressed') {
      if (!lv.pos || !lv.crd || lv.pos.length !== parents + 1) {
        throw inputError(`${where}: compressed level needs pos of length ${parents + 1} and crd`);
      }
      const count = lv.pos[parents];
      const p = new Int32Array(count);
      for (let a = 0; a < parents; a++) for (let q = lv.pos[a]; q < lv.pos[a + 1]; q++) p[q] = a;
      crdOf.push(lv.crd.subarray(0, count));
      parentOf.push(p);
      parents = count;
    } else {
      if (!lv.crd || lv.crd.length !== parents) throw inputError(`${where}: singleton level needs crd of length ${parents}`);
      const p = new Int32Array(parents);
      for (let q = 0; q < parents; q++) p[q] = q;
      crdOf.push(lv.crd);
      parentOf.push(p);
    }
  });
  return { crdOf, parentOf };
}

/** Number of positions of the last level (stored values / tiles). */
export function positionCount(t: SparseTensorData): number {
  return t.vals.length / tileSize(t.format);
}

/**
 * Stored elements as coordinate lists in storage (level) order. Every stored element is listed,
 * zeros included, unless dropZeros; blocked tensors list the in-range elements of stored tiles.
 */
export function toCoo(t: SparseTensorData, opts: { dropZeros?: boolean } = {}): CooData {
  const rank = t.shape.length;
  const f = t.format;
  const tile = tileSize(f);
  const { crdOf, parentOf } = levelPositions(t);
  const positions = rank === 0 ? 1 : crdOf[rank - 1].length;
  if (positions * tile !== t.vals.length) {
    throw inputError(`tensor${t.name ? ' ' + t.name : ''}: ${t.vals.length} values for ${positions} positions of ${tile} element(s)`);
  }
  // Block (or element) coordinates of every last-level position, per mode.
  const posCrd = t.shape.map(() => new Int32Array(positions));
  for (let q = 0; q < positions; q++) {
    let p = q;
    for (let l = rank - 1; l >= 0; l--) {
      posCrd[f.modeOrder[l]][q] = crdOf[l][p];
      p = parentOf[l][p];
    }
  }
  const bs = f.blockShape;
  const keep = (v: number): boolean => !opts.dropZeros || v !== 0;
  if (!bs) {
    let count = 0;
    for (let q = 0; q < positions; q++) if (keep(t.vals[q])) count++;
    if (count === positions) return { coords: posCrd, vals: Float64Array.from(t.vals) };
    const coords = t.shape.map(() => new Int32Array(count));
    const vals = new Float64Array(count);
    let w = 0;
    for (let q = 0; q < positions; q++) {
      if (!keep(t.vals[q])) continue;
      for (let m = 0; m < rank; m++) coords[m][w] = posCrd[m][q];
      vals[w++] = t.vals[q];
    }
    return { coords, vals };
  }
  const cs: number[][] = t.shape.map(() => []);
  const vs: number[] = [];
  const off = new Array<number>(rank).fill(0);
  for (let q = 0; q < positions; q++) {
    off.fill(0);
    for (let e = 0; e < tile; e++) {
      let inside = true;
      for (let m = 0; m < rank; m++) if (posCrd[m][q] * bs[m] + off[m] >= t.shape[m]) inside = false;
      const v = t.vals[q * tile + e];
      if (inside && keep(v)) {
        for (let m = 0; m < rank; m++) cs[m].push(posCrd[m][q] * bs[m] + off[m]);
        vs.push(v);
      }
      for (let m = rank - 1; m >= 0; m--) {
        if (++off[m] < bs[m]) break;
        off[m] = 0;
      }
    }
  }
  return { coords: cs.map((c) => Int32Array.from(c)), vals: Float64Array.from(vs) };
}

/** Dense row-major values (mode 0 slowest) of a tensor; absent elements are 0. */
export function toDense(t: SparseTensorData): Float64Array {
  const f = t.format;
  if (isDenseFormat(f) && !f.blockShape && f.modeOrder.every((m, l) => m === l)) return Float64Array.from(t.vals);
  const out = new Float64Array(product(t.shape));
  const { coords, vals } = toCoo(t);
  const strides = rowMajorStrides(t.shape);
  for (let k = 0; k < vals.length; k++) {
    let lin = 0;
    for (let m = 0; m < coords.length; m++) lin += coords[m][k] * strides[m];
    out[lin] += vals[k];
  }
  return out;
}

/** Row-major strides of a shape (elements). */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let m = shape.length - 1; m >= 0; m--) {
    s[m] = acc;
    acc *= shape[m];
  }
  return s;
}

/**
 * Re-stores a tensor in another format. Zeros are dropped (like fromDense) unless keepZeros,
 * which keeps every stored element so presence is preserved exactly.
 */
export function convert(t: SparseTensorData, format: TensorFormat, opts: { keepZeros?: boolean } = {}): SparseTensorData {
  const { coords, vals } = toCoo(t, { dropZeros: !opts.keepZeros });
  return fromCoo(t.shape, coords, vals, format, t.name);
}

/** Number of nonzero values (independent of format, so conversions preserve it). */
export function nnz(t: SparseTensorData): number {
  let c = 0;
  for (let k = 0; k < t.vals.length; k++) if (t.vals[k] !== 0) c++;
  return c;
}

/** Number of stored elements (explicit zeros included; every element for dense formats). */
export function storedCount(t: SparseTensorData): number {
  return t.format.blockShape ? toCoo(t).vals.length : t.vals.length;
}

/** Bytes used by the tensor's arrays (pos, crd, vals). */
export function storageBytes(t: SparseTensorData): number {
  let b = t.vals.byteLength;
  for (const lv of t.levels) b += (lv.pos?.byteLength ?? 0) + (lv.crd?.byteLength ?? 0);
  return b;
}

/** An all-dense copy of a tensor (convenience for tests and small data). */
export function toDenseTensor(t: SparseTensorData): SparseTensorData {
  return fromDense(t.shape, toDense(t), denseFormat(t.shape.length), t.name);
}

/**
 * Element-level random access into a tensor: `present(lin)` and `value(lin)` by row-major linear
 * index. Dense formats use the value array directly, sparse ones a hash map of stored elements.
 */
export interface ElementIndex {
  readonly shape: number[];
  readonly strides: number[];
  /** true for formats where every element is stored. */
  readonly allPresent: boolean;
  present(lin: number): boolean;
  value(lin: number): number;
  /** stored elements in storage order (coords[mode][k]). */
  coo(): CooData;
}

/**
 * Builds an ElementIndex over a tensor (O(stored elements) time and memory, or O(elements) for a
 * sparse tensor with at least an eighth stored; `denseLimit` is for tests, 0 forces the hash map).
 */
export function elementIndex(t: SparseTensorData, denseLimit = DENSE_INDEX_LIMIT): ElementIndex {
  const strides = rowMajorStrides(t.shape);
  const linOf = (coords: Int32Array[], k: number): number => {
    let lin = 0;
    for (let m = 0; m < coords.length; m++) lin += coords[m][k] * strides[m];
    return lin;
  };
  let cooCache: CooData | undefined;
  const coo = (): CooData => (cooCache ??= toCoo(t));
  if (isDenseFormat(t.format) && !t.format.blockShape) {
    const dense = toDense(t);
    return { shape: t.shape, strides, allPresent: true, present: () => true, value: (lin) => dense[lin], coo };
  }
  const c = coo();
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (size <= denseLimit && c.vals.length * DENSE_INDEX_MIN_FILL >= size) {
    // 2000 x 2000 at half stored: built 10x and looked up 45x faster than the hash map (0.12 s +
    // 72 ms per 12 M lookups vs 1.3 s + 3.3 s), and a Map entry costs more than these 9 bytes per
    // element once an eighth are stored (the evaluator's A·X on DBLP: 29 M elements).
    const vals = new Float64Array(size);
    const present = new Uint8Array(size);
    for (let k = 0; k < c.vals.length; k++) {
      const lin = linOf(c.coords, k);
      vals[lin] += c.vals[k];
      present[lin] = 1;
    }
    return { shape: t.shape, strides, allPresent: false, present: (lin) => present[lin] === 1, value: (lin) => vals[lin], coo };
  }
  const map = new LinMap();
  for (let k = 0; k < c.vals.length; k++) map.add(linOf(c.coords, k), c.vals[k]);
  return { shape: t.shape, strides, allPresent: false, present: (lin) => map.has(lin), value: (lin) => map.get(lin) ?? 0, coo };
}

/** Sparse tensors up to this many elements, with at least 1 in DENSE_INDEX_MIN_FILL stored, are indexed by flat arrays. */
const DENSE_INDEX_LIMIT = 1 << 26;
const DENSE_INDEX_MIN_FILL = 8;

/** One element where two tensors differ. */
export interface TensorMismatch {
  coords: number[];
  actual: number;
  expected: number;
}

/** Result of comparing two tensors element-wise (values only; formats may differ). */
export interface TensorComparison {
  equal: boolean;
  /** why they differ when the shapes disagree. */
  reason?: string;
  mismatchCount: number;
  /** first mismatches in row-major order (at most maxReport). */
  mismatches: TensorMismatch[];
  maxAbsError: number;
  /** elements compared: every element when one side is dense, else the union of both stored sets. */
  compared: number;
  /** one-line human summary naming the first mismatching coordinates. */
  message: string;
  /** with checkStored: elements stored on one side only (first few, row-major). */
  storedDiff?: { onlyActual: number; onlyExpected: number; first: Array<{ coords: number[]; storedIn: 'actual' | 'expected' }> };
}

function close(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

/**
 * Compares the element values of `actual` against `expected` (absent elements read as 0):
 * |a - e| <= atol + rtol * |e|. Reports the first mismatches with their coordinates. With
 * checkStored, the stored (present) element sets must also be equal.
 */
export function compareTensors(
  actual: SparseTensorData,
  expected: SparseTensorData,
  opts: { rtol?: number; atol?: number; maxReport?: number; checkStored?: boolean } = {},
): TensorComparison {
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-9;
  const maxReport = opts.maxReport ?? 10;
  const label = `${actual.name ?? 'actual'} vs ${expected.name ?? 'expected'}`;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((n, m) => n !== expected.shape[m])) {
    const reason = `shape [${actual.shape.join(',')}] differs from expected [${expected.shape.join(',')}]`;
    return { equal: false, reason, mismatchCount: 0, mismatches: [], maxAbsError: Infinity, compared: 0, message: `${label}: ${reason}` };
  }
  const strides = rowMajorStrides(expected.shape);
  const bad: Array<{ lin: number; actual: number; expected: number }> = [];
  let maxAbs = 0;
  let compared = 0;
  const check = (lin: number, av: number, ev: number): void => {
    compared++;
    const d = Math.abs(av - ev);
    if (d > maxAbs) maxAbs = d;
    if (!close(av, ev, rtol, atol)) bad.push({ lin, actual: av, expected: ev });
  };
  const total = product(expected.shape);
  if (total <= DENSE_COMPARE_LIMIT && (isDenseFormat(actual.format) || isDenseFormat(expected.format))) {
    // One side is dense anyway: compare dense arrays instead of hashing every element.
    const a = toDense(actual);
    const e = toDense(expected);
    for (let lin = 0; lin < total; lin++) check(lin, a[lin], e[lin]);
  } else {
    compareSparse(actual, expected, strides, check);
  }
  bad.sort((x, y) => x.lin - y.lin);
  const unravel = (lin: number): number[] => strides.map((s, m) => Math.floor(lin / s) % expected.shape[m]);
  const mismatches = bad.slice(0, maxReport).map((b) => ({ coords: unravel(b.lin), actual: b.actual, expected: b.expected }));
  const message =
    bad.length === 0
      ? `${label}: ${compared} element(s) equal within rtol=${rtol}, atol=${atol}`
      : `${label}: ${bad.length} of ${compared} element(s) differ (rtol=${rtol}, atol=${atol}); first: ` +
        mismatches.map((m) => `(${m.coords.join(',')}) got ${m.actual} expected ${m.expected}`).join('; ');
  const result: TensorComparison = { equal: bad.length === 0, mismatchCount: bad.length, mismatches, maxAbsError: maxAbs, compared, message };
  if (opts.checkStored) {
    const diff = storedDifference(actual, expected, strides, maxReport);
    result.storedDiff = { onlyActual: diff.onlyActual, onlyExpected: diff.onlyExpected, first: diff.first.map((d) => ({ coords: unravel(d.lin), storedIn: d.storedIn })) };
    if (diff.onlyActual + diff.onlyExpected > 0) {
      result.equal = false;
      result.message +=
        `; stored sets differ: ${diff.onlyActual} element(s) stored only in ${actual.name ?? 'actual'}, ` +
        `${diff.onlyExpected} only in ${expected.name ?? 'expected'}; first: ` +
        result.storedDiff.first.map((d) => `(${d.coords.join(',')}) only in ${d.storedIn}`).join('; ');
    }
  }
  return result;
}

/** Row-major linear indices of a tensor's stored elements. */
function storedLins(t: SparseTensorData, strides: number[]): Set<number> {
  const { coords, vals } = toCoo(t);
  const out = new Set<number>();
  for (let k = 0; k < vals.length; k++) {
    let lin = 0;
    for (let d = 0; d < coords.length; d++) lin += coords[d][k] * strides[d];
    out.add(lin);
  }
  return out;
}

/** Elements stored in exactly one of the tensors (presence check for simulator outputs). */
function storedDifference(
  actual: SparseTensorData,
  expected: SparseTensorData,
  strides: number[],
  maxReport: number,
): { onlyActual: number; onlyExpected: number; first: Array<{ lin: number; storedIn: 'actual' | 'expected' }> } {
  const a = storedLins(actual, strides);
  const e = storedLins(expected, strides);
  const only: Array<{ lin: number; storedIn: 'actual' | 'expected' }> = [];
  let onlyActual = 0;
  let onlyExpected = 0;
  for (const lin of a) if (!e.has(lin)) (onlyActual++, only.push({ lin, storedIn: 'actual' }));
  for (const lin of e) if (!a.has(lin)) (onlyExpected++, only.push({ lin, storedIn: 'expected' }));
  only.sort((x, y) => x.lin - y.lin);
  return { onlyActual, onlyExpected, first: only.slice(0, maxReport) };
}

/** Tensors up to this many elements are compared as dense arrays when one side is dense. */
const DENSE_COMPARE_LIMIT = 1 << 22;

/** Compares the union of both tensors' stored elements (absent reads as 0). */
function compareSparse(
  actual: SparseTensorData,
  expected: SparseTensorData,
  strides: number[],
  check: (lin: number, av: number, ev: number) => void,
): void {
  const values = (t: SparseTensorData): LinMap => {
    const { coords, vals } = toCoo(t);
    const m = new LinMap();
    for (let k = 0; k < vals.length; k++) {
      let lin = 0;
      for (let d = 0; d < coords.length; d++) lin += coords[d][k] * strides[d];
      m.add(lin, vals[k]);
    }
    return m;
  };
  const a = values(actual);
  const e = values(expected);
  for (const [lin, ev] of e.entries()) check(lin, a.get(lin) ?? 0, ev);
  for (const [lin, av] of a.entries()) if (!e.has(lin)) check(lin, av, 0);
}

/** True when both tensors have the same shape and element values within tolerance. */
export function tensorEquals(a: SparseTensorData, b: SparseTensorData, rtol = 1e-6, atol = 1e-9): boolean {
  return compareTensors(a, b, { rtol, atol, maxReport: 0 }).equal;
}

/** Short description, e.g. "A [2708x2708] csr, 10556 nnz". */
export function describeTensor(t: SparseTensorData): string {
  return `${t.name ?? '(unnamed)'} [${t.shape.join('x')}] ${formatName(t.format)}, ${nnz(t)} nnz`;
}
