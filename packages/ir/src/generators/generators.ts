import type { SparseTensorData, TensorFormat } from '../tensor/types';
import { inputError } from '../tensor/errors';
import { parseFormat } from '../tensor/format';
import { fromCoo, toCoo } from '../tensor/storage';
import { DATASETS, datasetInfo, type DatasetKey } from '../datasets/datasets';
import { SeededRandom, sampleDistinct } from './random';
import { checkTensorBytes, estimateTensorBytes } from './limits';

/** A format given either parsed or as a spec string ('csr', 'bcsr-16', ...). */
export type FormatLike = TensorFormat | string;

function fmt(f: FormatLike | undefined, rank: number, dflt: string): TensorFormat {
  if (f === undefined) return parseFormat(dflt, rank);
  return typeof f === 'string' ? parseFormat(f, rank) : f;
}

function checkShape(shape: number[], what: string): number {
  if (!Array.isArray(shape) || shape.some((n) => !Number.isInteger(n) || n < 1)) {
    throw inputError(`${what}: shape [${shape}] must be positive integers`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

function checkSeed(seed: number, what: string): void {
  if (!Number.isInteger(seed)) throw inputError(`${what}: seed must be an integer, got ${seed}`);
}

/** A value in [lo, hi) that is never exactly 0, so generated entries are true nonzeros. */
function nonzero(rng: SeededRandom, [lo, hi]: [number, number]): number {
  for (;;) {
    const v = rng.range(lo, hi);
    if (v !== 0) return v;
  }
}

function unravel(lin: number, shape: number[], coords: Int32Array[], k: number): void {
  for (let m = shape.length - 1; m >= 0; m--) {
    coords[m][k] = lin % shape[m];
    lin = Math.floor(lin / shape[m]);
  }
}

export interface UniformRandomOptions {
  shape: number[];
  /** fraction of elements that are nonzero (exactly round(density * size) of them). */
  density: number;
  seed: number;
  format?: FormatLike;
  /** values are uniform in [lo, hi) (never 0); default [-1, 1). */
  valueRange?: [number, number];
  name?: string;
  /** FF_INPUT_TOO_LARGE above this estimate (bytes; default a quarter of the machine's memory). */
  maxBytes?: number;
}

/** A tensor with exactly round(density * size) nonzeros at uniformly random positions (default DCSR / sparse). */
export function uniformRandom(o: UniformRandomOptions): SparseTensorData {
  const total = checkShape(o.shape, 'uniformRandom');
  checkSeed(o.seed, 'uniformRandom');
  if (!(o.density >= 0 && o.density <= 1)) throw inputError(`uniformRandom: density ${o.density} must be in [0, 1]`);
  const count = Math.round(o.density * total);
  const format = fmt(o.format, o.shape.length, o.shape.length === 1 ? 'sparse' : o.shape.length === 2 ? 'dcsr' : 'coo');
  checkTensorBytes(o.name, estimateTensorBytes(o.shape, count, format), `uniform ${o.shape.join('x')} at density ${o.density} (${count.toExponential(3)} nonzeros)`, o.maxBytes);
  const rng = new SeededRandom(o.seed);
  const lins = sampleDistinct(rng, total, count);
  const coords = o.shape.map(() => new Int32Array(count));
  const vals = new Float64Array(count);
  const range = o.valueRange ?? [-1, 1];
  for (let k = 0; k < count; k++) {
    unravel(lins[k], o.shape, coords, k);
    vals[k] = nonzero(rng, range);
  }
  return fromCoo(o.shape, coords, vals, format, o.name);
}

export interface DenseRandomOptions {
  shape: number[];
  seed: number;
  format?: FormatLike;
  /** uniform in [lo, hi); default [-1, 1). Ignored when `normal` is given. */
  valueRange?: [number, number];
  /** Gaussian values with this standard deviation instead (mean 0), e.g. 0.1 for SAE inputs. */
  normal?: number;
  name?: string;
  /** FF_INPUT_TOO_LARGE above this estimate (bytes; default a quarter of the machine's memory). */
  maxBytes?: number;
}

/** A fully dense random tensor (every element drawn; stored dense unless another format is given). */
export function denseRandom(o: DenseRandomOptions): SparseTensorData {
  const total = checkShape(o.shape, 'denseRandom');
  checkSeed(o.seed, 'denseRandom');
  const format = fmt(o.format, o.shape.length, 'dense');
  checkTensorBytes(o.name, estimateTensorBytes(o.shape, total, format), `dense ${o.shape.join('x')} (${total.toExponential(3)} elements)`, o.maxBytes);
  const rng = new SeededRandom(o.seed);
  const range = o.valueRange ?? [-1, 1];
  const vals = new Float64Array(total);
  for (let k = 0; k < total; k++) vals[k] = o.normal !== undefined ? o.normal * rng.normal() : rng.range(range[0], range[1]);
  const coords = o.shape.map(() => new Int32Array(total));
  for (let k = 0; k < total; k++) unravel(k, o.shape, coords, k);
  return fromCoo(o.shape, coords, vals, format, o.name);
}

export interface PowerLawOptions {
  /** take nodes / edges / symmetry from the DATASETS table. */
  dataset?: DatasetKey;
  nodes?: number;
  /** directed entries (an undirected edge counts twice, as in PyG's edge_index). */
  edges?: number;
  seed: number;
  /** store every edge both ways (default: the dataset's, else true). */
  symmetric?: boolean;
  /** power-law exponent gamma of the expected degree distribution (default 2.5). */
  exponent?: number;
  format?: FormatLike;
  name?: string;
  /** FF_INPUT_TOO_LARGE above this estimate (bytes; default a quarter of the machine's memory). */
  maxBytes?: number;
}

/**
 * A random graph adjacency (binary, no self-loops) with a power-law degree distribution
 * (Chung-Lu: endpoints drawn with probability proportional to a Zipf-like weight over a seeded
 * permutation of the nodes) and exactly the requested number of nodes and directed entries
 * (one more when an odd count is asked of a symmetric graph). Every node gets at least one edge
 * while edges remain. Default format DCSR.
 */
export function powerLawGraph(o: PowerLawOptions): SparseTensorData {
  const ds = o.dataset !== undefined ? datasetInfo(o.dataset) : undefined;
  const n = o.nodes ?? ds?.nodes;
  const entries = o.edges ?? ds?.edges;
  const symmetric = o.symmetric ?? ds?.symmetric ?? true;
  const gamma = o.exponent ?? 2.5;
  checkSeed(o.seed, 'powerLawGraph');
  if (n === undefined || entries === undefined) throw inputError('powerLawGraph: give a dataset, or nodes and edges');
  if (!Number.isInteger(n) || n < 2) throw inputError(`powerLawGraph: nodes must be an integer >= 2, got ${n}`);
  if (!Number.isInteger(entries) || entries < 0) throw inputError(`powerLawGraph: edges must be a non-negative integer, got ${entries}`);
  if (!(gamma > 1)) throw inputError(`powerLawGraph: exponent ${gamma} must be > 1`);
  const pairs = symmetric ? Math.ceil(entries / 2) : entries;
  const maxPairs = symmetric ? (n * (n - 1)) / 2 : n * (n - 1);
  // Rejection of repeated pairs stays cheap only well below saturation.
  if (pairs > maxPairs * 0.5) {
    throw inputError(`powerLawGraph: ${entries} edges on ${n} nodes is too dense for a power-law graph (use uniformRandom)`);
  }
  // node tables (permutation, cdf, degrees) plus the edge list
  checkTensorBytes(o.name, n * 16 + estimateTensorBytes([n, n], entries + n, fmt(o.format, 2, 'dcsr')), `power-law graph with ${n} nodes and ${entries} edges`, o.maxBytes);
  const rng = new SeededRandom(o.seed);
  // Node weights w(rank) = (rank + HUB_OFFSET)^(-1/(gamma-1)); the offset sets the hubs' degree.
  const perm = new Int32Array(n);
  for (let u = 0; u < n; u++) perm[u] = u;
  for (let u = n - 1; u > 0; u--) {
    const j = rng.int(0, u);
    const t = perm[u];
    perm[u] = perm[j];
    perm[j] = t;
  }
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let r = 0; r < n; r++) {
    acc += Math.pow(r + HUB_OFFSET, -1 / (gamma - 1));
    cdf[r] = acc;
  }
  const endpoint = (): number => {
    const x = rng.next() * acc;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return perm[lo];
  };
  // Distinct pair keys, collected in batches (sorted typed arrays rather than a Set: a few
  // million entries would cost hundreds of MB as a Set).
  // First give every node one edge to a weight-drawn partner while edges remain: the citation
  // graphs we imitate have no isolated nodes, and a pure Chung-Lu draw leaves ~10% of them bare.
  const covered = new Uint8Array(n);
  const initial: number[] = [];
  for (let k = 0; k < n && initial.length < pairs; k++) {
    const u = perm[n - 1 - k]; // lightest nodes first: they are the ones left bare
    if (covered[u]) continue;
    let v = endpoint();
    while (v === u) v = endpoint();
    covered[u] = 1;
    covered[v] = 1;
    initial.push(symmetric && u > v ? v * n + u : u * n + v);
  }
  let keys = Float64Array.from(initial).sort();
  let rounds = 0;
  while (keys.length < pairs) {
    if (++rounds > 200) throw inputError(`powerLawGraph: could not place ${pairs} distinct edges on ${n} nodes`);
    const need = pairs - keys.length;
    const batch = new Float64Array(Math.ceil(need * 1.05) + 16);
    for (let k = 0; k < batch.length; k++) {
      let u = endpoint();
      let v = endpoint();
      while (u === v) {
        u = endpoint();
        v = endpoint();
      }
      if (symmetric && u > v) [u, v] = [v, u];
      batch[k] = u * n + v;
    }
    // Distinct new keys of the batch (sorted), then a uniform subset if there are more than needed.
    batch.sort();
    const fresh: number[] = [];
    for (let k = 0; k < batch.length; k++) {
      if ((k > 0 && batch[k] === batch[k - 1]) || binaryHas(keys, batch[k])) continue;
      fresh.push(batch[k]);
    }
    const take = fresh.length > need ? Array.from(sampleDistinct(rng, fresh.length, need), (i) => fresh[i]) : fresh;
    const merged = new Float64Array(keys.length + take.length);
    merged.set(keys);
    merged.set(take, keys.length);
    keys = merged.sort();
  }
  const count = symmetric ? 2 * keys.length : keys.length;
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  for (let k = 0; k < keys.length; k++) {
    const u = Math.floor(keys[k] / n);
    const v = keys[k] - u * n;
    rows[k] = u;
    cols[k] = v;
    if (symmetric) {
      rows[keys.length + k] = v;
      cols[keys.length + k] = u;
    }
  }
  return fromCoo([n, n], [rows, cols], new Float64Array(count).fill(1), fmt(o.format, 2, 'dcsr'), o.name ?? ds?.key);
}

/** Rank offset of the node weights; 3 gives Cora-size graphs a top degree near the real ~170. */
const HUB_OFFSET = 3;

function binaryHas(sorted: Float64Array, key: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === key) return true;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function squareCoo(adj: SparseTensorData, what: string): { rows: Int32Array; cols: Int32Array; vals: Float64Array; n: number } {
  if (adj.shape.length !== 2 || adj.shape[0] !== adj.shape[1]) {
    throw inputError(`${what}: adjacency must be a square matrix, got shape [${adj.shape.join(',')}]`);
  }
  const { coords, vals } = toCoo(adj, { dropZeros: true });
  return { rows: coords[0], cols: coords[1], vals, n: adj.shape[0] };
}

/** A + I: 1 added on the diagonal (to an existing diagonal entry, else as a new one). Same format as the input. */
export function withSelfLoops(adj: SparseTensorData): SparseTensorData {
  const { rows, cols, vals, n } = squareCoo(adj, 'withSelfLoops');
  const m = vals.length;
  const r = new Int32Array(m + n);
  const c = new Int32Array(m + n);
  const v = new Float64Array(m + n);
  r.set(rows);
  c.set(cols);
  v.set(vals);
  for (let i = 0; i < n; i++) {
    r[m + i] = i;
    c[m + i] = i;
    v[m + i] = 1;
  }
  // fromCoo sums the duplicate diagonal coordinates.
  return fromCoo([n, n], [r, c], v, adj.format, adj.name);
}

/**
 * D^-1/2 M D^-1/2 with D the row sums of M (rows summing to 0 stay 0). Same format as the input.
 * GCN's propagation matrix is symmetricNormalized(withSelfLoops(A)).
 */
export function symmetricNormalized(m: SparseTensorData): SparseTensorData {
  const { rows, cols, vals, n } = squareCoo(m, 'symmetricNormalized');
  const deg = new Float64Array(n);
  for (let k = 0; k < vals.length; k++) deg[rows[k]] += vals[k];
  const out = new Float64Array(vals.length);
  for (let k = 0; k < out.length; k++) {
    const d = deg[rows[k]] * deg[cols[k]];
    out[k] = d > 0 ? vals[k] / Math.sqrt(d) : 0;
  }
  return fromCoo([n, n], [rows, cols], out, m.format, m.name ? `${m.name}_hat` : undefined);
}

/**
 * GCN's normalized adjacency D^-1/2 (A + I) D^-1/2 with D the row sums of A + I (self-loop
 * weights add to existing diagonal entries). Same format as the input.
 */
export function gcnNormalizedAdjacency(adj: SparseTensorData): SparseTensorData {
  return symmetricNormalized(withSelfLoops(adj));
}

/** GraphSAGE mean aggregation: each row divided by its number of stored neighbours. Same format as the input. */
export function meanAdjacency(adj: SparseTensorData): SparseTensorData {
  const { rows, cols, vals, n } = squareCoo(adj, 'meanAdjacency');
  const count = new Float64Array(n);
  for (let k = 0; k < rows.length; k++) count[rows[k]]++;
  const out = Float64Array.from(vals, (x, k) => x / count[rows[k]]);
  return fromCoo([n, n], [rows, cols], out, adj.format, adj.name ? `${adj.name}_mean` : undefined);
}

export interface BigBirdOptions {
  seqLen: number;
  blockSize: number;
  /** random key blocks per block row (default 2). */
  randomBlocks?: number;
  /** width of the sliding window in blocks, centred on the diagonal (default 3). */
  windowBlocks?: number;
  /** leading block rows and block columns that are fully on (default 2). */
  globalBlocks?: number;
  seed: number;
  format?: FormatLike;
  name?: string;
  /** FF_INPUT_TOO_LARGE above this estimate (bytes; default a quarter of the machine's memory). */
  maxBytes?: number;
}

/**
 * BigBird block-sparse attention mask (fuseflow-reference 4.4): per block row the sliding window
 * (diagonal +- 1 block), the global blocks (first block rows and columns fully on) and
 * `randomBlocks` random key blocks not already on. Element-level 0/1 matrix, default DCSR.
 */
export function bigbirdMask(o: BigBirdOptions): SparseTensorData {
  const { seqLen, blockSize } = o;
  checkSeed(o.seed, 'bigbirdMask');
  if (!Number.isInteger(seqLen) || seqLen < 1 || !Number.isInteger(blockSize) || blockSize < 1) {
    throw inputError(`bigbirdMask: seqLen ${seqLen} and blockSize ${blockSize} must be positive integers`);
  }
  const nb = Math.ceil(seqLen / blockSize);
  const random = o.randomBlocks ?? 2;
  const window = o.windowBlocks ?? 3;
  const global = o.globalBlocks ?? 2;
  // the block map is nb x nb; each block row turns on at most window + 2 * global + random blocks
  const nnzBound = Math.min(nb, window + 2 * global + random) * nb * blockSize * blockSize;
  checkTensorBytes(o.name, nb * nb * 8 + estimateTensorBytes([seqLen, seqLen], nnzBound, fmt(o.format, 2, 'dcsr')), `bigbird ${seqLen}x${seqLen} with ${blockSize}x${blockSize} blocks`, o.maxBytes);
  const rng = new SeededRandom(o.seed);
  const on: boolean[][] = Array.from({ length: nb }, () => new Array<boolean>(nb).fill(false));
  const half = Math.floor((window - 1) / 2);
  for (let r = 0; r < nb; r++) {
    for (let c = r - half; c <= r - half + window - 1; c++) if (c >= 0 && c < nb) on[r][c] = true;
    for (let g = 0; g < Math.min(global, nb); g++) {
      on[r][g] = true;
      on[g][r] = true;
    }
  }
  for (let r = 0; r < nb; r++) {
    const free: number[] = [];
    for (let c = 0; c < nb; c++) if (!on[r][c]) free.push(c);
    const pick = sampleDistinct(rng, free.length, Math.min(random, free.length));
    for (const k of pick) on[r][free[k]] = true;
  }
  const rows: number[] = [];
  const cols: number[] = [];
  for (let r = 0; r < nb; r++)
    for (let c = 0; c < nb; c++) {
      if (!on[r][c]) continue;
      for (let i = r * blockSize; i < Math.min(seqLen, (r + 1) * blockSize); i++)
        for (let j = c * blockSize; j < Math.min(seqLen, (c + 1) * blockSize); j++) {
          rows.push(i);
          cols.push(j);
        }
    }
  return fromCoo([seqLen, seqLen], [rows, cols], new Float64Array(rows.length).fill(1), fmt(o.format, 2, 'dcsr'), o.name);
}

export interface BlockSparseOptions {
  shape: [number, number];
  blockSize: number;
  /** fraction of blocks that are on (exactly round(density * blocks)). */
  density: number;
  seed: number;
  valueRange?: [number, number];
  format?: FormatLike;
  name?: string;
  /** FF_INPUT_TOO_LARGE above this estimate (bytes; default a quarter of the machine's memory). */
  maxBytes?: number;
}

/** A weight matrix whose nonzeros fill randomly chosen dense blockSize x blockSize tiles (default DCSR). */
export function blockSparseWeights(o: BlockSparseOptions): SparseTensorData {
  checkShape(o.shape, 'blockSparseWeights');
  checkSeed(o.seed, 'blockSparseWeights');
  if (o.shape.length !== 2) throw inputError('blockSparseWeights: shape must be [rows, cols]');
  if (!Number.isInteger(o.blockSize) || o.blockSize < 1) throw inputError(`blockSparseWeights: block size ${o.blockSize} must be a positive integer`);
  if (!(o.density >= 0 && o.density <= 1)) throw inputError(`blockSparseWeights: density ${o.density} must be in [0, 1]`);
  const [R, C] = o.shape;
  const b = o.blockSize;
  const nbr = Math.ceil(R / b);
  const nbc = Math.ceil(C / b);
  const nnz = Math.round(o.density * nbr * nbc) * b * b;
  checkTensorBytes(o.name, estimateTensorBytes(o.shape, nnz, fmt(o.format, 2, 'dcsr')) + nbr * nbc * 8, `blocksparse ${R}x${C} with ${b}x${b} blocks at density ${o.density}`, o.maxBytes);
  const rng = new SeededRandom(o.seed);
  const blocks = sampleDistinct(rng, nbr * nbc, Math.round(o.density * nbr * nbc));
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const range = o.valueRange ?? [-1, 1];
  for (const blk of blocks) {
    const br = Math.floor(blk / nbc);
    const bc = blk % nbc;
    for (let i = br * b; i < Math.min(R, br * b + b); i++)
      for (let j = bc * b; j < Math.min(C, bc * b + b); j++) {
        rows.push(i);
        cols.push(j);
        vals.push(nonzero(rng, range));
      }
  }
  return fromCoo([R, C], [rows, cols], vals, fmt(o.format, 2, 'dcsr'), o.name);
}


