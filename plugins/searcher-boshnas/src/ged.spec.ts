import { archFeatures, featureEmbedding } from './embedding';
import { archGraph, exactGed, featureDistance, kendall, spearman, type LabelledGraph } from './ged';
import { LazyCnnSpace } from './lazy-space';
import { makeRng } from './rng';

/** GED by trying every map of g1's nodes to distinct g2 nodes or deletion (tiny graphs only). */
function bruteGed(g1: LabelledGraph, g2: LabelledGraph): number {
  const n1 = g1.labels.length;
  const n2 = g2.labels.length;
  const has = (g: LabelledGraph, a: number, b: number) => g.edges.some(([x, y]) => x === a && y === b);
  let best = Infinity;
  const map: number[] = [];
  const rec = (k: number) => {
    if (k === n1) {
      let c = 0;
      const inv = new Map(map.map((t, u) => [t, u] as [number, number]).filter(([t]) => t >= 0));
      map.forEach((t, u) => (c += t < 0 ? 1 : g1.labels[u] === g2.labels[t] ? 0 : 1));
      c += n2 - inv.size;
      for (const [a, b] of g1.edges) if (map[a] < 0 || map[b] < 0 || !has(g2, map[a], map[b])) c++;
      for (const [a, b] of g2.edges) if (!inv.has(a) || !inv.has(b) || !has(g1, inv.get(a)!, inv.get(b)!)) c++;
      best = Math.min(best, c);
      return;
    }
    for (let t = -1; t < n2; t++) {
      if (t >= 0 && map.includes(t)) continue;
      map[k] = t;
      rec(k + 1);
    }
    map.length = k;
  };
  rec(0);
  return best;
}

describe('exact graph edit distance', () => {
  const g = (labels: string[], edges: Array<[number, number]>): LabelledGraph => ({ labels, edges });
  it('hand-checked cases', () => {
    const a = g(['x', 'y', 'z'], [[0, 1], [1, 2]]);
    expect(exactGed(a, a)).toBe(0);
    expect(exactGed(a, g(['x', 'w', 'z'], [[0, 1], [1, 2]]))).toBe(1); // one relabel
    expect(exactGed(a, g(['x', 'y', 'z', 'q'], [[0, 1], [1, 2], [2, 3]]))).toBe(2); // node + edge inserted
    expect(exactGed(a, g(['x', 'y', 'z'], [[1, 0], [1, 2]]))).toBe(2); // an edge reversed = delete + insert
    expect(exactGed(g([], []), a)).toBe(5);
  });

  it('equals a brute-force search on random small graphs, both ways round', () => {
    const rng = makeRng(3);
    const rand = (): LabelledGraph => {
      const n = 1 + rng.int(4);
      const labels = [...Array(n)].map(() => rng.pick(['a', 'b', 'c']));
      const edges: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && rng() < 0.35) edges.push([i, j]);
      return { labels, edges };
    };
    for (let t = 0; t < 60; t++) {
      const x = rand();
      const y = rand();
      const want = bruteGed(x, y);
      expect(exactGed(x, y)).toBe(want);
      expect(exactGed(y, x)).toBe(want);
    }
  });

  it('rank statistics: monotone is 1, reversed is -1, ties averaged', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 25, 100])).toBeCloseTo(1, 12);
    expect(kendall([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2], [1, 2, 3])).toBeCloseTo(0.866025, 5);
  });
});

describe('GED-tracking feature embedding', () => {
  // 200 pairs of architectures small enough for exact GED (<= 11 nodes): one reduction, cells of
  // at most two ops. Measured Spearman 0.69 (seed 5; 0.62 with seed 9); the floor leaves room.
  it('rank-correlates with exact GED on 200 pairs (Spearman >= 0.55, Kendall >= 0.42)', () => {
    const s = new LazyCnnSpace({ cellsPerStage: [[0, 1], [0, 1]], maxOps: 2 });
    const rng = makeRng(5);
    const archs = [...Array(400)].map(() => s.at(s.randomIndex(rng)));
    const ged: number[] = [];
    for (let p = 0; p < 200; p++) ged.push(exactGed(archGraph(archs[2 * p]), archGraph(archs[2 * p + 1])));
    expect(new Set(ged).size).toBeGreaterThan(5); // a spread of distances, not one value
    const feats = archs.map(archFeatures);
    const direct = ged.map((_, p) => featureDistance(feats[2 * p], feats[2 * p + 1]));
    expect(spearman(direct, ged)).toBeGreaterThanOrEqual(0.55);
    expect(kendall(direct, ged)).toBeGreaterThanOrEqual(0.42);
    // the table rows the search uses (48 highest-variance columns), by L1
    const rows = featureEmbedding(archs, 48);
    const l1 = (a: number[], b: number[]) => a.reduce((t, x, i) => t + Math.abs(x - b[i]), 0);
    expect(spearman(ged.map((_, p) => l1(rows[2 * p], rows[2 * p + 1])), ged)).toBeGreaterThanOrEqual(0.55);
  }, 120_000);
});
