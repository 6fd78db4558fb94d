import { boundsOf, capacityFeatures, embedArchs, featureEmbedding } from './embedding';
import { LazyCnnSpace } from './lazy-space';
import { deriveSeed, makeRng } from './rng';
import type { CnnArch, CnnSpaceConfig } from './space';

/** Above this many candidates the table uses `featureEmbedding` instead of MDS (O(n^2) memory, O(n^3) time). */
export const MDS_MAX_CANDIDATES = 1000;

/** The searched CNN candidates: indices into the lazy space and their scaled embedding rows. */
export interface CnnTable {
  space: LazyCnnSpace;
  /** space index of each row. */
  indices: bigint[];
  /** the drawn architectures, row by row (the space itself is never listed). */
  archs: CnnArch[];
  /** embedding rows before scaling. */
  raw: number[][];
  /** rows scaled to [0, 1] per dimension (the search's input). */
  scaled: number[][];
  /** 'mds' (graph-similarity MDS, tables up to MDS_MAX_CANDIDATES) or 'features'. */
  embedding: 'mds' | 'features';
}

/**
 * Draws `candidates` distinct architectures from the lazy space (seeded by (seed, 'space')) and
 * embeds them: up to MDS_MAX_CANDIDATES rows with the MDS embedding the benchmarks were measured
 * with (`embeddingDims` coordinates), above that with `featureEmbedding` (3 x embeddingDims
 * histogram columns, whose L1 distances track exact GED; see the README). Capacity features follow
 * either, unless switched off.
 */
export function buildCnnTable(o: { candidates: number; embeddingDims: number; capacityFeatures: boolean }, seed: number, cfg: CnnSpaceConfig): CnnTable {
  const space = new LazyCnnSpace(cfg);
  const indices = space.sample(o.candidates, makeRng(deriveSeed(seed, 'space')));
  const archs = indices.map((i) => space.at(i));
  let raw: number[][];
  let embedding: CnnTable['embedding'];
  if (archs.length <= MDS_MAX_CANDIDATES) {
    raw = embedArchs(archs, Math.min(o.embeddingDims, Math.max(1, archs.length - 1)), { capacity: o.capacityFeatures, space: cfg });
    embedding = 'mds';
  } else {
    const graph = featureEmbedding(archs, 3 * o.embeddingDims);
    const cap = o.capacityFeatures ? capacityFeatures(archs, cfg) : undefined;
    raw = cap ? graph.map((g, i) => [...g, ...cap[i]]) : graph;
    embedding = 'features';
  }
  const bounds = boundsOf(raw);
  const scaled = raw.map((r) => r.map((v, i) => (bounds[i][1] > bounds[i][0] ? (v - bounds[i][0]) / (bounds[i][1] - bounds[i][0]) : 0)));
  return { space, indices, archs, raw, scaled, embedding };
}
