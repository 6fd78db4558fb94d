import { FuseFlowError } from '@fuseflow/kernel';
import { parseFormat } from '../tensor/format';
import { fromCoo, nnz, toCoo, toDense } from '../tensor/storage';
import { DATASETS } from '../datasets/datasets';
import {
  bigbirdMask,
  blockSparseWeights,
  denseRandom,
  gcnNormalizedAdjacency,
  meanAdjacency,
  powerLawGraph,
  uniformRandom,
} from './generators';
import { generateTensor, parseGenerator } from './spec';
import { SeededRandom, sampleDistinct } from './random';

function sameTensor(a: ReturnType<typeof uniformRandom>, b: ReturnType<typeof uniformRandom>): boolean {
  const ca = toCoo(a);
  const cb = toCoo(b);
  return (
    ca.vals.length === cb.vals.length &&
    ca.vals.every((v, k) => v === cb.vals[k]) &&
    ca.coords.every((c, m) => c.every((x, k) => x === cb.coords[m][k]))
  );
}

describe('seeded random', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(new SeededRandom(8).next()).not.toBe(xs[0]);
    xs.forEach((x) => expect(x >= 0 && x < 1).toBe(true));
  });

  it('sampleDistinct returns sorted distinct picks, also via the complement', () => {
    for (const [total, count] of [
      [100, 10],
      [100, 95],
      [5, 5],
      [7, 0],
    ]) {
      const s = sampleDistinct(new SeededRandom(1), total, count);
      expect(s.length).toBe(count);
      expect(new Set(s).size).toBe(count);
      for (let k = 1; k < s.length; k++) expect(s[k]).toBeGreaterThan(s[k - 1]);
      s.forEach((x) => expect(x >= 0 && x < total).toBe(true));
    }
  });

  it('sampleDistinct above the Set limit (a bitmap) picks exactly what the Set would', () => {
    for (const [total, count] of [
      [1000, 300],
      [1000, 700],
      [1000, 500],
      // sparse enough (under 1 pick in 64) that the default keeps a Set; setLimit 10 forces the bitmap
      [100_000, 300],
      [100_000, 99_700],
      [100_003, 1_000],
    ]) {
      const viaSet = sampleDistinct(new SeededRandom(4), total, count);
      const viaBitmap = sampleDistinct(new SeededRandom(4), total, count, 10);
      expect(Array.from(viaBitmap)).toEqual(Array.from(viaSet));
    }
  });
});

describe('uniformRandom / denseRandom / blockSparseWeights', () => {
  it('has exactly round(density * size) nonzeros, is deterministic, and honours the value range', () => {
    const a = uniformRandom({ shape: [40, 30], density: 0.1, seed: 1 });
    expect(nnz(a)).toBe(120);
    expect(a.format).toEqual(parseFormat('dcsr', 2));
    expect(sameTensor(a, uniformRandom({ shape: [40, 30], density: 0.1, seed: 1 }))).toBe(true);
    expect(sameTensor(a, uniformRandom({ shape: [40, 30], density: 0.1, seed: 2 }))).toBe(false);
    const v = uniformRandom({ shape: [10, 10, 10], density: 0.75, seed: 3, valueRange: [2, 3], format: 'dense' });
    expect(nnz(v)).toBe(750);
    const d = toDense(v);
    d.forEach((x) => expect(x === 0 || (x >= 2 && x < 3)).toBe(true));
  });

  it('denseRandom fills every element; normal has about the requested spread', () => {
    const t = denseRandom({ shape: [100, 50], seed: 4, normal: 0.1 });
    expect(t.vals.length).toBe(5000);
    const mean = t.vals.reduce((a, b) => a + b, 0) / 5000;
    const sd = Math.sqrt(t.vals.reduce((a, b) => a + (b - mean) ** 2, 0) / 5000);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
  });

  it('blockSparseWeights fills whole tiles, round(density * blocks) of them', () => {
    const w = blockSparseWeights({ shape: [64, 40], blockSize: 16, density: 0.25, seed: 9 });
    // 4 x 3 blocks (the last block column is 8 wide); 3 blocks on.
    const blocks = new Map<string, number>();
    const { coords } = toCoo(w);
    for (let k = 0; k < coords[0].length; k++) {
      const key = `${Math.floor(coords[0][k] / 16)},${Math.floor(coords[1][k] / 16)}`;
      blocks.set(key, (blocks.get(key) ?? 0) + 1);
    }
    expect(blocks.size).toBe(3);
    for (const [key, count] of blocks) expect(count).toBe(key.endsWith(',2') ? 16 * 8 : 256);
    const tiled = blockSparseWeights({ shape: [64, 40], blockSize: 16, density: 0.25, seed: 9, format: 'bcsr-16' });
    expect(tiled.vals.length).toBe(3 * 256);
    expect(Array.from(toDense(tiled))).toEqual(Array.from(toDense(w)));
  });
});

describe('powerLawGraph and datasets', () => {
  it.each(['cora', 'cora_ml', 'dblp'] as const)('%s: node and edge counts within 1%%, symmetric, no self-loops, no isolated nodes', (key) => {
    const ds = DATASETS[key];
    const g = powerLawGraph({ dataset: key, seed: 3 });
    expect(g.shape).toEqual([ds.nodes, ds.nodes]);
    expect(Math.abs(nnz(g) - ds.edges) / ds.edges).toBeLessThanOrEqual(0.01);
    const { coords } = toCoo(g);
    const set = new Set<number>();
    let selfLoops = 0;
    for (let k = 0; k < coords[0].length; k++) {
      if (coords[0][k] === coords[1][k]) selfLoops++;
      set.add(coords[0][k] * ds.nodes + coords[1][k]);
    }
    let unmatched = 0;
    for (let k = 0; k < coords[0].length; k++) if (!set.has(coords[1][k] * ds.nodes + coords[0][k])) unmatched++;
    expect(selfLoops).toBe(0);
    expect(unmatched).toBe(0);
    // Like the real citation graphs, no node is left without an edge.
    const deg = new Int32Array(ds.nodes);
    coords[0].forEach((r) => deg[r]++);
    expect(deg.filter((d) => d === 0).length).toBe(0);
  });

  it('is deterministic per seed and has a heavy-tailed degree distribution', () => {
    const a = powerLawGraph({ dataset: 'cora', seed: 3 });
    expect(sameTensor(a, powerLawGraph({ dataset: 'cora', seed: 3 }))).toBe(true);
    expect(sameTensor(a, powerLawGraph({ dataset: 'cora', seed: 4 }))).toBe(false);
    const deg = new Array(2708).fill(0);
    toCoo(a).coords[0].forEach((r) => deg[r]++);
    const mean = 10556 / 2708;
    const max = Math.max(...deg);
    expect(max).toBeGreaterThan(15 * mean);
    // Most nodes sit below the mean degree in a power-law graph.
    expect(deg.filter((d) => d < mean).length).toBeGreaterThan(2708 / 2);
  });

  it('supports directed graphs and explicit sizes', () => {
    const g = powerLawGraph({ nodes: 500, edges: 3001, seed: 1, symmetric: false, format: 'csr' });
    expect(nnz(g)).toBe(3001);
    expect(g.format).toEqual(parseFormat('csr', 2));
    expect(() => powerLawGraph({ nodes: 10, edges: 80, seed: 1 })).toThrow(/too dense/);
    expect(() => powerLawGraph({ seed: 1 })).toThrow(/give a dataset, or nodes and edges/);
  });

  it('every dataset lists its source', () => {
    for (const d of Object.values(DATASETS)) {
      expect(d.source.length).toBeGreaterThan(20);
      expect(d.nodes).toBeGreaterThan(0);
    }
  });
});

describe('adjacency normalizations', () => {
  const adj = fromCoo([4, 4], [[0, 1, 1, 2, 3, 2], [1, 0, 2, 1, 2, 3]], [1, 1, 1, 1, 1, 1], parseFormat('dcsr', 2));

  it('gcnNormalizedAdjacency equals D^-1/2 (A+I) D^-1/2 computed densely', () => {
    const A = toDense(adj);
    const n = 4;
    const Ah = Array.from(A, (v, k) => v + (Math.floor(k / n) === k % n ? 1 : 0));
    const d = Array.from({ length: n }, (_, i) => Ah.slice(i * n, i * n + n).reduce((a, b) => a + b, 0));
    const ref = Ah.map((v, k) => v / Math.sqrt(d[Math.floor(k / n)] * d[k % n]));
    const out = gcnNormalizedAdjacency(adj);
    expect(out.format).toEqual(adj.format);
    Array.from(toDense(out)).forEach((v, k) => expect(v).toBeCloseTo(ref[k], 12));
  });

  it('meanAdjacency rows sum to 1 over the neighbours', () => {
    const m = toDense(meanAdjacency(adj));
    for (let i = 0; i < 4; i++) expect(m.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(m[1 * 4 + 0]).toBeCloseTo(0.5, 12);
  });
});

describe('bigbirdMask', () => {
  it('has the window, global and random blocks of reference section 4.4', () => {
    const seqLen = 256;
    const b = 16;
    const nb = 16;
    const mask = bigbirdMask({ seqLen, blockSize: b, seed: 0 });
    const d = toDense(mask);
    const blockOn = (r: number, c: number): boolean => {
      let count = 0;
      for (let i = r * b; i < r * b + b; i++) for (let j = c * b; j < c * b + b; j++) count += d[i * seqLen + j];
      expect(count === 0 || count === b * b).toBe(true); // whole blocks only
      return count > 0;
    };
    for (let r = 0; r < nb; r++) {
      let on = 0;
      for (let c = 0; c < nb; c++) {
        const isOn = blockOn(r, c);
        if (Math.abs(r - c) <= 1 || r < 2 || c < 2) expect(isOn).toBe(true);
        if (isOn) on++;
      }
      const structural = r < 2 ? nb : new Set([r - 1, r, r + 1, 0, 1].filter((c) => c >= 0 && c < nb)).size;
      expect(on).toBe(Math.min(nb, structural + 2));
    }
    expect(sameTensor(mask, bigbirdMask({ seqLen, blockSize: b, seed: 0 }))).toBe(true);
    expect(sameTensor(mask, bigbirdMask({ seqLen, blockSize: b, seed: 1 }))).toBe(false);
  });
});

describe('parseGenerator / generateTensor', () => {
  it('parses the spec strings of the CLI and manifests', () => {
    expect(parseGenerator('uniform:32x32:0.1:seed=1')).toEqual({ kind: 'uniform', shape: [32, 32], density: 0.1, seed: 1 });
    expect(parseGenerator('powerlaw:cora:seed=3')).toEqual({ kind: 'powerlaw', dataset: 'cora', seed: 3 });
    expect(parseGenerator('gcnadj:1000:4000:symmetric=false')).toEqual({ kind: 'gcnadj', nodes: 1000, edges: 4000, seed: 0, symmetric: false });
    expect(parseGenerator('bigbird:1024:16:seed=0')).toEqual({ kind: 'bigbird', seqLen: 1024, blockSize: 16, seed: 0 });
    expect(parseGenerator('blocksparse:768x3072:16:0.1:seed=2:range=-0.5,0.5')).toEqual({
      kind: 'blocksparse',
      shape: [768, 3072],
      blockSize: 16,
      density: 0.1,
      seed: 2,
      valueRange: [-0.5, 0.5],
    });
    expect(parseGenerator('dense:8x4:normal=0.1')).toEqual({ kind: 'dense', shape: [8, 4], seed: 0, normal: 0.1 });
  });

  it.each([
    ['uniform:32x32', /expected 2 positional argument\(s\) after 'uniform', got 1/],
    ['uniform:32xq:0.1', /extent in shape '32xq' 'q' is not an integer/],
    ['uniform:4x4:1.5', /density 1.5 must be in \[0, 1\]/],
    ['powerlaw:citeseer', /unknown dataset 'citeseer' \(known: cora, cora_ml, dblp, collab, mag\)/],
    ['bigbird:1024:16:seed=x', /seed 'x' is not an integer/],
    ['bigbird:1024:16:windows=3', /unknown option 'windows' for bigbird/],
    ['gaussian:4x4', /unknown generator 'gaussian'/],
  ])('rejects %s', (spec, msg) => {
    let err: unknown;
    try {
      parseGenerator(spec as string);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FuseFlowError);
    expect((err as Error).message).toMatch(msg as RegExp);
    expect((err as FuseFlowError).suggestion).toMatch(/uniform:<shape/);
  });

  it('generateTensor produces the generator output in the requested format', () => {
    const t = generateTensor('uniform:16x8:0.25:seed=5', 'csc', 'B');
    expect(t.name).toBe('B');
    expect(t.format).toEqual(parseFormat('csc', 2));
    expect(nnz(t)).toBe(32);
    expect(sameTensor(t, uniformRandom({ shape: [16, 8], density: 0.25, seed: 5, format: 'csc' }))).toBe(true);
    const a = generateTensor('gcnadj:cora:seed=1');
    expect(a.shape).toEqual([2708, 2708]);
    expect(nnz(a)).toBe(10556 + 2708);
    expect(generateTensor('bigbird:64:16', 'bcsr-16').format.blockShape).toEqual([16, 16]);
  });
});
