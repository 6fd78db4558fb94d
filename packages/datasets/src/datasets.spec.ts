import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATASETS as COUNTS, formatName, nnz, toCoo, toDense } from '@fuseflow/ir';
import { BUNDLED_KEYS, DATASETS, datasetDir, listDatasets } from './catalog';
import { loadAdjacency, loadFeatures, loadLabels } from './load';
import { loadDatasetSource, parseDatasetRef } from './source';

// The counts of /work/shared/datasets/README.md (PyG Planetoid / CitationFull), written out here
// so that a change to either the table or the files fails this test.
const README = {
  cora: { nodes: 2708, edges: 10556, features: 1433, classes: 7, featureNnz: 49216 },
  cora_ml: { nodes: 2995, edges: 16316, features: 2879, classes: 7, featureNnz: 151171 },
  dblp: { nodes: 17716, edges: 105734, features: 1639, classes: 4, featureNnz: 92192 },
};

describe('catalog', () => {
  it('lists the bundled datasets with their published counts, then the synthetic-only ones', () => {
    const rows = listDatasets();
    expect(rows.map((r) => [r.key, r.bundled])).toEqual([
      ['cora', true],
      ['cora_ml', true],
      ['dblp', true],
      ['collab', false],
      ['mag', false],
    ]);
    for (const r of rows.filter((x) => x.bundled)) {
      const want = README[r.key as keyof typeof README];
      expect({ nodes: r.nodes, edges: r.edges, features: r.features, classes: r.classes }).toEqual({
        nodes: want.nodes,
        edges: want.edges,
        features: want.features,
        classes: want.classes,
      });
      expect(DATASETS[r.key as keyof typeof README].featureNnz).toBe(want.featureNnz);
    }
    expect(rows.find((r) => r.key === 'mag')!.source).toMatch(/^synthetic only/);
  });

  it('vendors exactly the datasets the ir table marks bundled, with all three files', () => {
    const marked = Object.values(COUNTS).filter((d) => d.bundled).map((d) => d.key);
    expect(BUNDLED_KEYS).toEqual(marked);
    const onDisk = fs.readdirSync(path.join(datasetDir('cora'), '..')).sort();
    expect(onDisk).toEqual([...marked].sort());
    for (const k of BUNDLED_KEYS) {
      expect(fs.readdirSync(datasetDir(k)).sort()).toEqual(['adjacency.mtx.gz', 'features.mtx.gz', 'labels.txt.gz']);
    }
  });

  it('names the bundled datasets when one is unknown, with a did-you-mean', () => {
    expect(() => parseDatasetRef('corra:adjacency', '/frontend/options/inputs/A')).toThrow(
      expect.objectContaining({
        code: 'FF_DATASET_UNKNOWN',
        message: expect.stringMatching(/^\/frontend\/options\/inputs\/A: unknown dataset 'corra'; the bundled datasets are cora, cora_ml, dblp/),
        suggestion: "did you mean 'cora'?",
      }),
    );
    expect(() => parseDatasetRef('mag:adjacency')).toThrow(/exists only as counts for synthetic graphs \(generate: "gcnadj:mag"\)/);
    expect(() => parseDatasetRef('cora:adjacncy')).toThrow(expect.objectContaining({ code: 'FF_INPUT_INVALID', suggestion: "did you mean 'cora:adjacency'?" }));
    expect(() => parseDatasetRef('cora')).toThrow(/should be '<dataset>:adjacency' or '<dataset>:features'/);
    expect(parseDatasetRef('Cora-ML:features')).toEqual({ key: 'cora_ml', part: 'features' });
  });
});

describe.each(BUNDLED_KEYS)('%s', (key) => {
  const want = README[key];

  it('adjacency: binary, symmetric, no self loops in the file; A + I by default', () => {
    const a = loadAdjacency(key, { selfLoops: false });
    expect(a.shape).toEqual([want.nodes, want.nodes]);
    expect(nnz(a)).toBe(want.edges);
    const { coords, vals } = toCoo(a);
    const set = new Set<number>();
    let selfLoops = 0;
    for (let k = 0; k < vals.length; k++) {
      if (coords[0][k] === coords[1][k]) selfLoops++;
      set.add(coords[0][k] * want.nodes + coords[1][k]);
    }
    expect(selfLoops).toBe(0);
    expect(vals.every((v) => v === 1)).toBe(true);
    let unmirrored = 0;
    for (let k = 0; k < vals.length; k++) if (!set.has(coords[1][k] * want.nodes + coords[0][k])) unmirrored++;
    expect(unmirrored).toBe(0);

    const ai = loadAdjacency(key);
    expect(nnz(ai)).toBe(want.edges + want.nodes);
    const d = toCoo(ai);
    let diag = 0;
    for (let k = 0; k < d.vals.length; k++) if (d.coords[0][k] === d.coords[1][k]) diag += d.vals[k];
    expect(diag).toBe(want.nodes);
  });

  it('features: nodes x features with the published stored entries; labels in 0..classes-1', () => {
    const x = loadFeatures(key, { format: 'csr' });
    expect(x.shape).toEqual([want.nodes, want.features]);
    expect(nnz(x)).toBe(want.featureNnz);
    const labels = loadLabels(key);
    expect(labels.length).toBe(want.nodes);
    expect(new Set(labels).size).toBe(want.classes);
  });
});

describe('normalisation', () => {
  it('symmetric: D^-1/2 (A + I) D^-1/2, checked element by element on cora', () => {
    const a = toCoo(loadAdjacency('cora', { selfLoops: false }));
    const n = README.cora.nodes;
    const deg = new Float64Array(n).fill(1);
    for (let k = 0; k < a.vals.length; k++) deg[a.coords[0][k]]++;
    const hat = loadAdjacency('cora', { normalize: 'symmetric' });
    const h = toCoo(hat);
    expect(h.vals.length).toBe(README.cora.edges + n);
    let worst = 0;
    for (let k = 0; k < h.vals.length; k++) {
      const [i, j] = [h.coords[0][k], h.coords[1][k]];
      worst = Math.max(worst, Math.abs(h.vals[k] - 1 / Math.sqrt(deg[i] * deg[j])));
    }
    expect(worst).toBeLessThan(1e-15);
    // Without self loops the degrees drop by one and the diagonal stays empty.
    const noI = toCoo(loadAdjacency('cora', { normalize: 'symmetric', selfLoops: false }));
    expect(noI.vals.length).toBe(README.cora.edges);
    const k0 = 0;
    const [i0, j0] = [noI.coords[0][k0], noI.coords[1][k0]];
    expect(noI.vals[k0]).toBeCloseTo(1 / Math.sqrt((deg[i0] - 1) * (deg[j0] - 1)), 14);
  });

  it('mean: every row of D^-1 A sums to 1 (cora has no isolated nodes)', () => {
    const m = loadAdjacency('cora', { normalize: 'mean', selfLoops: false, format: 'dense' });
    const d = toDense(m);
    const n = README.cora.nodes;
    for (const i of [0, 1, 100, n - 1]) {
      let s = 0;
      for (let j = 0; j < n; j++) s += d[i * n + j];
      expect(s).toBeCloseTo(1, 12);
    }
  });
});

describe('loadDatasetSource', () => {
  it('loads the manifest form in the format asked for', () => {
    const x = loadDatasetSource({ dataset: 'cora:features', format: 'dense' }, 'X', 'X');
    expect(x.name).toBe('X');
    expect(x.shape).toEqual([2708, 1433]);
    const total = toDense(x).reduce((s, v) => s + v, 0);
    // cora's features are binary: the sum is the number of stored entries.
    expect(total).toBe(README.cora.featureNnz);
    const a = loadDatasetSource({ dataset: 'cora:adjacency', format: 'csr', selfLoops: false }, 'A', 'A');
    expect(formatName(a.format)).toBe('csr');
    expect(nnz(a)).toBe(README.cora.edges);
  });

  it('refuses adjacency options on features and bad formats, naming the source', () => {
    expect(() => loadDatasetSource({ dataset: 'cora:features', normalize: 'symmetric' }, '/inputs/X')).toThrow(
      /^\/inputs\/X: 'normalize' applies to 'cora:adjacency', not to 'cora:features'/,
    );
    expect(() => loadDatasetSource({ dataset: 'cora:adjacency', format: 'bogus' }, '/inputs/A')).toThrow(expect.objectContaining({ code: 'FF_INPUT_INVALID', message: expect.stringMatching(/^\/inputs\/A: .*bogus/) }));
  });
});
