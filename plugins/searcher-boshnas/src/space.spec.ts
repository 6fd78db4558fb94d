import { inferShapes, verifyModel } from '@fuseflow/ir';
import { archDistanceMatrix, capacityFeatures, classicalMds, embedArchs } from './embedding';
import { toModelGraph } from './model-graph';
import { makeRng } from './rng';
import { archHash, canonicalModule, checkModule, generateArchs, lowerArch, planMacs, planParams, type CnnArch, type CnnModule } from './space';

/** Renumbers a module's op vertices by `perm` (input and output stay first and last). */
function relabel(m: CnnModule, perm: number[]): CnnModule {
  const n = m.labels.length;
  const order = [0, ...perm, n - 1]; // new position i holds old vertex order[i]
  return { labels: order.map((v) => m.labels[v]), matrix: order.map((a) => order.map((b) => m.matrix[a][b])) };
}

describe('CNN design space', () => {
  const archs = generateArchs(30, makeRng(7));

  it('generates distinct, valid architectures deterministically', () => {
    expect(archs).toHaveLength(30);
    expect(new Set(archs.map(archHash)).size).toBe(30);
    expect(generateArchs(30, makeRng(7)).map(archHash)).toEqual(archs.map(archHash));
    for (const a of archs) for (const m of a.modules) expect(() => checkModule(m)).not.toThrow();
  });

  it('hash is invariant under relabeling of module vertices and changes with an op', () => {
    let checked = 0;
    for (const a of archs) {
      const i = a.modules.findIndex((m) => m.labels.length >= 4);
      if (i < 0) continue;
      const m = a.modules[i];
      const inner = [...Array(m.labels.length - 2).keys()].map((k) => k + 1);
      const perm = [...inner].reverse();
      const b: CnnArch = { ...a, modules: a.modules.map((x, j) => (j === i ? relabel(m, perm) : x)) };
      expect(b.modules[i]).not.toEqual(m);
      expect(archHash(b)).toBe(archHash(a));
      expect(canonicalModule(b.modules[i])).toBe(canonicalModule(m));
      // lowering the relabelled graph gives the same cost
      expect(planMacs(lowerArch(b))).toBe(planMacs(lowerArch(a)));
      const c: CnnArch = { ...a, head: [...a.head, 'dense-32-relu'] };
      expect(archHash(c)).not.toBe(archHash(a));
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('lowers every architecture to a ModelGraph whose shapes the IR re-derives', () => {
    for (const a of archs.slice(0, 12)) {
      const g = toModelGraph(a);
      expect(() => verifyModel(g)).not.toThrow();
      const re = inferShapes(g);
      for (const [name, v] of Object.entries(g.values)) expect(re.values[name].shape).toEqual(v.shape);
      expect(g.values[g.outputs[0]].shape).toEqual([1, 10]);
      // MACs counted from the graph equal the plan's count (independent oracle)
      let macs = 0;
      for (const op of g.ops) {
        if (op.op === 'conv2d') macs += g.values[op.outputs[0]].shape.reduce((x, y) => x * y, 1) * g.values[op.inputs[1]].shape.slice(1).reduce((x, y) => x * y, 1);
        if (op.op === 'gemm') macs += g.values[op.inputs[1]].shape.reduce((x, y) => x * y, 1);
      }
      expect(macs).toBe(planMacs(lowerArch(a)));
    }
  });

  it('embedding distances track the dissimilarity matrix', () => {
    const D = archDistanceMatrix(archs);
    const X = embedArchs(archs, 16, { capacity: false });
    expect(X).toHaveLength(30);
    expect(X[0]).toHaveLength(16);
    // Pearson correlation between given and embedded distances
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 30; i++) for (let j = i + 1; j < 30; j++) (a.push(D[i][j]), b.push(Math.hypot(...X[i].map((x, k) => x - X[j][k]))));
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const ma = mean(a);
    const mb = mean(b);
    const cov = a.reduce((s, x, k) => s + (x - ma) * (b[k] - mb), 0);
    const r = cov / Math.sqrt(a.reduce((s, x) => s + (x - ma) ** 2, 0) * b.reduce((s, x) => s + (x - mb) ** 2, 0));
    expect(r).toBeGreaterThan(0.9);
  });

  it('capacity features follow the graph coordinates and grow with channel width', () => {
    const withCap = embedArchs(archs, 16);
    const graphOnly = embedArchs(archs, 16, { capacity: false });
    expect(withCap[0]).toHaveLength(19);
    withCap.forEach((row, i) => {
      expect(row.slice(0, 16)).toEqual(graphOnly[i]);
      const plan = lowerArch(archs[i]);
      expect(row[16]).toBeCloseTo(Math.log10(planParams(plan)), 12);
      expect(row[17]).toBeCloseTo(Math.log10(planMacs(plan)), 12);
      expect(row[18]).toBe(plan.nodes.filter((n) => n.op === 'conv' || n.op === 'dense').length);
    });
    // widening every conv of one architecture raises its parameter feature
    const narrow = archs.find((a) => a.modules.some((m) => m.labels.some((l) => /conv\dx\d-c4-bn/.test(l))))!;
    const wide = { ...narrow, modules: narrow.modules.map((m) => ({ ...m, labels: m.labels.map((l) => l.replace(/conv(\dx\d)-c4-bn/, 'conv$1-c16-bn')) })) };
    const [[pn], [pw]] = capacityFeatures([narrow, wide]);
    expect(pw).toBeGreaterThan(pn);
  });

  it('classical MDS recovers points on a line exactly', () => {
    const pts = [0, 1, 3, 7];
    const X = classicalMds(pts.map((p) => pts.map((q) => Math.abs(p - q))), 1);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(Math.abs(X[i][0] - X[j][0])).toBeCloseTo(Math.abs(pts[i] - pts[j]), 6);
  });
});
