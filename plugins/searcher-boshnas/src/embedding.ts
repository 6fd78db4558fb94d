import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { archGraph } from './ged';
import { canonicalModule, DEFAULT_SPACE, lowerArch, planMacs, planParams, type CnnArch, type CnnModule, type CnnSpaceConfig } from './space';

/**
 * Embedding of a candidate table of architectures (codesign-reference 1.3).
 *
 * The reference computes an approximate graph edit distance (networkx) between every pair of
 * whole graphs and fits 16-d vectors to it (gradient descent or MDS). We keep the two-step shape
 * (dissimilarity matrix -> Euclidean embedding) with a cheaper, deterministic dissimilarity:
 *  - module distance: multiset Jaccard distance over the module's op labels and labelled
 *    edges (an edit-distance proxy that is isomorphism-invariant and in [0, 1]);
 *  - architecture distance: edit distance over the module sequence (insert/delete cost 1,
 *    substitute = module distance) plus edit distance over the head labels.
 * It costs O(modules^2) per pair instead of an NP-hard GED, so a table of ~1000 architectures
 * embeds in seconds. The vectors come from classical MDS (exact top eigenvectors of the doubly
 * centred squared-distance matrix), which is what SMACOF is initialised from and has no
 * random restarts, so the embedding is a pure function of the table.
 */
export function moduleFeatures(m: CnnModule): Map<string, number> {
  const f = new Map<string, number>();
  const bump = (k: string) => f.set(k, (f.get(k) ?? 0) + 1);
  for (const l of m.labels.slice(1, -1)) bump(`v:${l}`);
  const n = m.labels.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m.matrix[i][j]) bump(`e:${m.labels[i]}>${m.labels[j]}`);
  return f;
}

/** Multiset Jaccard distance between two modules' features, in [0, 1]. */
export function moduleDistance(a: CnnModule, b: CnnModule): number {
  const fa = moduleFeatures(a);
  const fb = moduleFeatures(b);
  let inter = 0;
  let union = 0;
  for (const k of new Set([...fa.keys(), ...fb.keys()])) {
    const x = fa.get(k) ?? 0;
    const y = fb.get(k) ?? 0;
    inter += Math.min(x, y);
    union += Math.max(x, y);
  }
  return union ? 1 - inter / union : 0;
}

function editDistance<T>(a: T[], b: T[], sub: (x: T, y: T) => number): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + sub(a[i - 1], b[j - 1]));
  }
  return d[a.length][b.length];
}

/** Dissimilarity matrix of a table of architectures (symmetric, zero diagonal). */
export function archDistanceMatrix(archs: CnnArch[]): number[][] {
  // Distances between modules depend only on their canonical forms: cache by form pair.
  const forms = archs.map((a) => a.modules.map(canonicalModule));
  const byForm = new Map<string, CnnModule>();
  archs.forEach((a, i) => a.modules.forEach((m, j) => byForm.set(forms[i][j], m)));
  const cache = new Map<string, number>();
  const md = (x: string, y: string): number => {
    if (x === y) return 0;
    const k = x < y ? `${x}\n${y}` : `${y}\n${x}`;
    let v = cache.get(k);
    if (v === undefined) cache.set(k, (v = moduleDistance(byForm.get(x)!, byForm.get(y)!)));
    return v;
  };
  const n = archs.length;
  const D = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = editDistance(forms[i], forms[j], md) + editDistance(archs[i].head, archs[j].head, (x, y) => (x === y ? 0 : 1));
      D[i][j] = D[j][i] = d;
    }
  }
  return D;
}

/** Classical (Torgerson) MDS: `dims`-d coordinates whose Euclidean distances approximate D. */
export function classicalMds(D: number[][], dims: number): number[][] {
  const n = D.length;
  if (n === 0) return [];
  const sq = D.map((r) => r.map((x) => x * x));
  const rowMean = sq.map((r) => r.reduce((a, b) => a + b, 0) / n);
  const all = rowMean.reduce((a, b) => a + b, 0) / n;
  const B = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) B.set(i, j, -0.5 * (sq[i][j] - rowMean[i] - rowMean[j] + all));
  const evd = new EigenvalueDecomposition(B, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, dims);
  const X = Array.from({ length: n }, () => new Array(dims).fill(0));
  order.forEach((col, d) => {
    const lambda = Math.max(0, values[col]);
    const s = Math.sqrt(lambda);
    // eigenvector signs are arbitrary: fix them so the embedding is reproducible
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(vectors.get(i, col)) > Math.abs(big)) big = vectors.get(i, col);
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) X[i][d] = sign * s * vectors.get(i, col);
  });
  return X;
}

/**
 * Capacity features of each architecture: log10 of its weight count, log10 of its MACs and its
 * number of weighted layers. The label-based dissimilarity sees `conv3x3-c8` and `conv3x3-c16`
 * as merely different labels, so on its own the embedding is not ordered by network size, which
 * on a small training budget is the strongest single predictor of accuracy (on the bundled real
 * space, Spearman -0.75 between log params and validation error, against 0.13 for a 3-nearest-
 * neighbour predictor over the graph embedding alone).
 */
export function capacityFeatures(archs: CnnArch[], space: CnnSpaceConfig = DEFAULT_SPACE): number[][] {
  return archs.map((a) => {
    const plan = lowerArch(a, space.inputShape, space.classes);
    const weighted = plan.nodes.filter((n) => n.op === 'conv' || n.op === 'dense').length;
    return [Math.log10(Math.max(1, planParams(plan))), Math.log10(Math.max(1, planMacs(plan))), weighted];
  });
}

export interface EmbedOptions {
  /** Append `capacityFeatures` after the graph-similarity coordinates (default true). */
  capacity?: boolean;
  /** Input shape and class count the capacity features are measured at (default DEFAULT_SPACE's). */
  space?: CnnSpaceConfig;
}

/**
 * Embeds a table of architectures: `dims` graph-similarity coordinates (default 16, as in the
 * reference dataset), followed by the three capacity features unless `capacity` is false.
 */
export function embedArchs(archs: CnnArch[], dims = 16, opts: EmbedOptions = {}): number[][] {
  const graph = classicalMds(archDistanceMatrix(archs), dims);
  if (opts.capacity === false) return graph;
  const cap = capacityFeatures(archs, opts.space);
  return graph.map((g, i) => [...g, ...cap[i]]);
}

/** Per-dimension [min, max] of a set of vectors (GOBI's clamp box). */
export function boundsOf(X: number[][]): Array<[number, number]> {
  const d = X[0]?.length ?? 0;
  return [...Array(d).keys()].map((k) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of X) (lo = Math.min(lo, x[k])), (hi = Math.max(hi, x[k]));
    return [lo, hi] as [number, number];
  });
}

/**
 * Weighted histogram features of an architecture's graph (`archGraph`), chosen so that their L1
 * distance tracks the exact graph edit distance: half a count per node label plus half the node
 * count (together the classic label lower bound max(n1, n2) - common labels), the edge count (the
 * edge-count lower bound), and a quarter count per labelled edge and per (label, in/out degree)
 * pair, which see where the structures differ. Measured against exact GED in `ged.spec.ts` and
 * the README; a pure function of one architecture, so a 10^4-row table costs O(rows).
 */
export function archFeatures(arch: CnnArch): Map<string, number> {
  const g = archGraph(arch);
  const f = new Map<string, number>();
  const add = (k: string, w: number) => f.set(k, (f.get(k) ?? 0) + w);
  const n = g.labels.length;
  const indeg = new Array(n).fill(0);
  const outdeg = new Array(n).fill(0);
  for (const [a, b] of g.edges) outdeg[a]++, indeg[b]++;
  for (const l of g.labels) add(`v:${l}`, 0.5);
  add('nodes', 0.5 * n);
  add('edges', g.edges.length);
  for (const [a, b] of g.edges) add(`e:${g.labels[a]}>${g.labels[b]}`, 0.25);
  for (let i = 0; i < n; i++) add(`p:${g.labels[i]}:${indeg[i]}-${outdeg[i]}`, 0.25);
  return f;
}

/**
 * Embedding for tables too large for MDS (10^4 rows: the distance matrix alone would be 10^8
 * entries and its eigendecomposition O(n^3)): the `archFeatures` histograms as rows, keeping the
 * `columns` features that vary most over the table (ties by name). The coordinates stay the raw
 * weighted counts, so L1 distances between rows are the feature distance restricted to those
 * columns: a rotation (PCA) would keep Euclidean distances but wash out the L1 structure that
 * tracks GED (measured on 200 pairs: Spearman 0.69 raw L1, 0.53 after a 16-d PCA, 0.69 with the
 * top 48 columns). O(rows x features), pure function of the table.
 */
export function featureEmbedding(archs: CnnArch[], columns = 48): number[][] {
  const feats = archs.map(archFeatures);
  const n = Math.max(1, feats.length);
  const sum = new Map<string, number>();
  const sq = new Map<string, number>();
  for (const f of feats) for (const [k, v] of f) sum.set(k, (sum.get(k) ?? 0) + v), sq.set(k, (sq.get(k) ?? 0) + v * v);
  const variance = (k: string) => sq.get(k)! / n - (sum.get(k)! / n) ** 2;
  const keep = [...sum.keys()]
    .filter((k) => variance(k) > 1e-12)
    .sort((a, b) => variance(b) - variance(a) || (a < b ? -1 : 1))
    .slice(0, columns);
  if (!keep.length) keep.push('nodes'); // every row alike: one constant column keeps the table rectangular
  return feats.map((f) => keep.map((k) => f.get(k) ?? 0));
}
