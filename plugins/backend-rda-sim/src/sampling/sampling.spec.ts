import { parseProgram, toDense, uniformRandom, type DataflowGraph, type DataflowModule } from '@fuseflow/ir';
import * as K from '../kernels';
import { simulateModule } from '../simulate';
import { RdaSimBackend } from '../backend';
import { resolvePluginOptions } from '@fuseflow/kernel';
import { rdaSimPlugin } from '../plugin';
import { estimateTotal, t975 } from './estimator';
import { certaintyUnits, simulateModuleSampled } from './sampled';
import { balancedOrder, drawBatches, laneImbalance, planSample, sliceTensor } from './sampler';

const rnd = (shape: number[], density: number, seed: number, format = 'dcsr') => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

function errorOf(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('sampler', () => {
  it('slices a mode to the listed units, renumbered, keeping the other modes', () => {
    const t = rnd([6, 5], 0.6, 4);
    const s = sliceTensor(t, 0, [1, 4], 1);
    expect(s.shape).toEqual([2, 5]);
    const d = toDense(t);
    const e = toDense(s);
    expect(Array.from(e.slice(0, 5))).toEqual(Array.from(d.slice(5, 10)));
    expect(Array.from(e.slice(5, 10))).toEqual(Array.from(d.slice(20, 25)));
  });
  it('slices blocks of rows in block mode (the last block may be short)', () => {
    const t = rnd([7, 4], 0.7, 5);
    const s = sliceTensor(t, 0, [0, 2], 3);
    // block 0 = rows 0..2, block 2 = row 6 only
    expect(s.shape).toEqual([4, 4]);
    expect(Array.from(toDense(s).slice(12, 16))).toEqual(Array.from(toDense(t).slice(24, 28)));
  });
  it('draws the same units for the same seed, different ones for another, without repeats', () => {
    const proxy = Array.from({ length: 200 }, (_, i) => (i * 37) % 11);
    const a = drawBatches(200, 40, 8, 3, proxy);
    const b = drawBatches(200, 40, 8, 3, proxy);
    const c = drawBatches(200, 40, 8, 4, proxy);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const all = a.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    expect(a.map((x) => x.length)).toEqual(Array(8).fill(5));
  });
  it('orders units so round-robin lanes get balanced proxy loads', () => {
    const proxy = [1, 9, 2, 8, 3, 7, 4, 6];
    const units = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(laneImbalance(units, proxy, 2, true)).toBe(10); // lanes 1+2+3+4=10 and 9+8+7+6=30, mean 20
    const o = balancedOrder(units, proxy, 2, true);
    expect([...o].sort((a, b) => a - b)).toEqual(units);
    expect(laneImbalance(o, proxy, 2, true)).toBeLessThanOrEqual(2);
    // a compressed outer level does not stream empty units (proxy 1): they do not take a lane turn
    expect(laneImbalance([0, 1, 2], [5, 1, 5], 2, false)).toBe(0);
  });
  it('takes the heaviest units with certainty when one exceeds a stratum\'s share', () => {
    const proxy = [1, 1, 1, 1, 100, 1, 1, 1, 50, 1];
    expect(certaintyUnits(proxy, 4, 2)).toEqual([4, 8]);
    expect(certaintyUnits(proxy, 4, 1)).toEqual([4]);
    expect(certaintyUnits([2, 2, 2, 2], 2, 1)).toEqual([]);
  });
  it('finds the outer index and the tensors it slices', () => {
    const p = planSample(K.spmspm('ikj', 10, 8, 9).graph);
    expect(p.index).toBe('i');
    expect(p.units).toBe(10);
    expect(p.slices.map((s) => `${s.source}:${s.mode}`)).toEqual(['B:0']);
  });
});

describe('estimator', () => {
  it('t quantiles', () => {
    expect(t975(7)).toBeCloseTo(2.365, 3);
    expect(t975(30)).toBeCloseTo(2.042, 2);
  });
  it('the ratio estimator is exact when cost is fixed + proportional to the proxy', () => {
    // units with proxy x cost 3x; fixed 50; population proxy total 1000
    const b = [
      { units: 4, value: 50 + 3 * 40, scale: 1000 / 40 },
      { units: 4, value: 50 + 3 * 70, scale: 1000 / 70 },
    ];
    const e = estimateTotal(b, 100, 50, { units: 8, value: 50 + 3 * 110, scale: 1000 / 110 });
    expect(e.estimate).toBeCloseTo(50 + 3000, 6);
    expect(e.ci95[1] - e.ci95[0]).toBeLessThanOrEqual(1);
  });
  it('a census has no error; additive costs are recovered exactly with the right fixed cost', () => {
    // 4 batches of 5 units each costing 10, fixed cost 100, over 100 units: total 100 + 1000.
    const batches = Array(4).fill({ units: 5, value: 150 });
    const e = estimateTotal(batches, 100, 100, { units: 20, value: 300 });
    expect(e.estimate).toBe(1100);
    expect(e.se).toBe(0);
    const census = estimateTotal([{ units: 10, value: 500 }], 10, 0);
    expect(census.ci95).toEqual([500, 500]);
  });
});

describe('sampled simulation', () => {
  const ikj = K.spmspm('ikj', 120, 60, 50);
  const data = { B: rnd([120, 60], 0.08, 11), C: rnd([60, 50], 0.1, 12) };
  const mod = ikj.module(data);

  it('is deterministic for a seed and estimates SpMSpM ikj within its interval', () => {
    const exact = simulateModule(mod).cycles;
    const a = simulateModuleSampled(mod, {}, { fraction: 0.25, seed: 9 });
    const b = simulateModuleSampled(mod, {}, { fraction: 0.25, seed: 9 });
    expect(a.cycles).toBe(b.cycles);
    expect(a.ci95).toEqual(b.ci95);
    expect(a.sampledUnits).toBe(30);
    expect(a.totalUnits).toBe(120);
    expect(a.valuesChecked).toBe(true);
    expect(a.graphs[0].compared).toBeGreaterThan(0);
    expect(Math.abs(a.cycles - exact) / exact).toBeLessThan(0.1);
    expect(a.ci95[0]).toBeLessThan(a.cycles);
    expect(a.ci95[1]).toBeGreaterThan(a.cycles);
    const c = simulateModuleSampled(mod, {}, { fraction: 0.25, seed: 10 });
    expect(c.cycles).not.toBe(a.cycles);
  });

  it('fraction 1 simulates every unit in one run: the exact cycles, a zero-width interval', () => {
    const exact = simulateModule(mod);
    const s = simulateModuleSampled(mod, {}, { fraction: 1 });
    expect(s.cycles).toBe(exact.cycles);
    expect(s.ci95).toEqual([exact.cycles, exact.cycles]);
    expect(s.tokens).toBe(exact.tokens);
    expect(s.graphs[0].exact).toBe(true);
  });

  it('checks values on the sampled units: a wrong reference value is caught', () => {
    // A graph computing B + C instead of B * C: the sampled rows must disagree with the reference.
    const g = structuredClone(ikj.graph) as DataflowGraph;
    const alu = g.nodes.find((n) => n.kind === 'alu')!;
    alu.attrs.alu = 'add';
    alu.attrs.empty = 'union';
    const bad: DataflowModule = { ...mod, graphs: [g] };
    expect(errorOf(() => simulateModuleSampled(bad, {}, { units: 16, seed: 2 })).code).toBe('FF_VALUE_MISMATCH');
    expect(() => simulateModuleSampled(bad, { checkValues: false }, { units: 16, seed: 2 })).not.toThrow();
  });

  it('SpMV, softmax rows and parallel lanes sample too (values checked)', () => {
    const cases: Array<[DataflowModule, string]> = [
      [K.spmv(90, 70).module({ A: rnd([90, 70], 0.1, 21, 'csr'), x: rnd([70], 1, 22, 'dense') }), 'spmv'],
      [K.softmax(64, 30).module({ A: rnd([64, 30], 0.3, 23) }), 'softmax'],
      [K.spmvParallel(90, 70, 4).module({ A: rnd([90, 70], 0.1, 24, 'csr'), x: rnd([70], 1, 25, 'dense') }), 'spmv x4'],
    ];
    for (const [m, name] of cases) {
      const exact = simulateModule(m).cycles;
      const s = simulateModuleSampled(m, {}, { fraction: 0.3, seed: 1 });
      expect({ name, ok: s.valuesChecked && Math.abs(s.cycles - exact) / exact < 0.15 }).toEqual({ name, ok: true });
    }
  });

  it('multi-graph modules: each graph reads the reference values and is sampled on its own', () => {
    const program = parseProgram(`program two
tensor A(80,80): dcsr input
tensor X(80,12): dense input
tensor T(80,12): dcsr intermediate
tensor Y(80,12): dcsr output
s0: T(i,j) = A(i,k) * X(k,j)
s1: Y(i,j) = relu(T(i,j))`);
    // s0 from the hand-wired SpMM (dense X), s1 from the hand-wired relu, tensors renamed to the program's.
    const g0 = K.spmspm('ikj', 80, 80, 12, 'dcsr', 'dense').graph;
    const g0r: DataflowGraph = { ...g0, name: 's0', output: { ...g0.output, tensor: 'T' }, tensors: renameTensors(g0, { B: 'A', C: 'X', X: 'T' }), nodes: g0.nodes.map((n) => ({ ...n, attrs: { ...n.attrs, ...(n.attrs.tensor ? { tensor: ({ B: 'A', C: 'X', X: 'T' } as Record<string, string>)[n.attrs.tensor] } : {}) } })) };
    const g1 = K.relu(80, 12).graph;
    const g1r: DataflowGraph = { ...g1, name: 's1', output: { ...g1.output, tensor: 'Y' }, tensors: renameTensors(g1, { A: 'T', X: 'Y' }), nodes: g1.nodes.map((n) => ({ ...n, attrs: { ...n.attrs, ...(n.attrs.tensor ? { tensor: ({ A: 'T', X: 'Y' } as Record<string, string>)[n.attrs.tensor] } : {}) } })) };
    const m: DataflowModule = { stage: 'dataflow', program, data: { A: rnd([80, 80], 0.06, 31), X: rnd([80, 12], 1, 32, 'dense') }, graphs: [g0r, g1r] };
    const exact = simulateModule(m);
    const s = simulateModuleSampled(m, {}, { fraction: 0.3, seed: 5 });
    expect(s.graphs.map((g) => g.graph)).toEqual(['s0', 's1']);
    expect(s.graphs.every((g) => g.compared > 0)).toBe(true);
    expect(Math.abs(s.cycles - exact.cycles) / exact.cycles).toBeLessThan(0.15);
  });

  it('FF_SAMPLE_UNSUPPORTED when the only graph\'s outer index is a reduction index (SpMSpM kij), naming graph and index', () => {
    const kij = K.spmspm('kij', 20, 20, 20);
    const e = errorOf(() => simulateModuleSampled(kij.module({ B: rnd([20, 20], 0.2, 1), C: rnd([20, 20], 0.2, 2) }), {}, { fraction: 0.5 }));
    expect(e.code).toBe('FF_SAMPLE_UNSUPPORTED');
    expect(e.message).toMatch(/graph '.*'/);
    expect(e.message).toMatch(/'k' is a reduction index/);
  });

  describe('a graph that cannot be sampled, inside a sampled run', () => {
    // s0 is SpMSpM kij (outer index 'k' is reduced: FF_SAMPLE_UNSUPPORTED on its own), s1 a relu on its rows.
    const program = parseProgram(`program kijrelu
tensor A(60,60): dcsc input
tensor X(60,40): dcsr input
tensor T(60,40): dcsr intermediate
tensor Y(60,40): dcsr output
s0: T(i,j) = A(i,k) * X(k,j)
s1: Y(i,j) = relu(T(i,j))`);
    const g0 = renameGraph(K.spmspm('kij', 60, 60, 40).graph, 's0', { B: 'A', C: 'X', X: 'T' });
    const g1 = renameGraph(K.relu(60, 40).graph, 's1', { A: 'T', X: 'Y' });
    const data = { A: rnd([60, 60], 0.1, 41, 'dcsc'), X: rnd([60, 40], 0.1, 42) };
    const m: DataflowModule = { stage: 'dataflow', program, data, graphs: [g0, g1] };

    it('is simulated whole: exact cycles, zero variance, every value checked; the others are sampled', () => {
      const exact = simulateModule(m);
      const s = simulateModuleSampled(m, {}, { fraction: 0.3, seed: 4 });
      const [w, r] = s.graphs;
      expect(w.exact).toBe(true);
      expect(w.exactReason).toMatch(/'k' is a reduction index/);
      expect(w.cycles.estimate).toBe(exact.graphs[0].cycles);
      expect(w.cycles.se).toBe(0);
      expect(w.tokens).toBe(exact.graphs[0].tokens);
      // the whole output is compared: every stored element of T
      expect(w.compared).toBeGreaterThanOrEqual(exact.graphs[0].output.vals.length);
      expect(exact.graphs[0].output.vals.length).toBeGreaterThan(100);
      expect(w.totalUnits).toBe(0);
      expect(r.exact).toBe(false);
      expect(r.sampledUnits).toBeLessThan(r.totalUnits);
      expect(s.totalUnits).toBe(60);
      expect(s.ci95[1] - s.ci95[0]).toBeGreaterThan(0);
      expect(Math.abs(s.cycles - exact.cycles) / exact.cycles).toBeLessThan(0.1);
      expect(s.cycles).toBeGreaterThan(exact.graphs[0].cycles);
    });

    it('its values are checked: a wrong graph is FF_VALUE_MISMATCH naming it', () => {
      const bad = structuredClone(g0) as DataflowGraph;
      const alu = bad.nodes.find((n) => n.kind === 'alu')!;
      alu.attrs.alu = 'add';
      alu.attrs.empty = 'union';
      const e = errorOf(() => simulateModuleSampled({ ...m, graphs: [bad, g1] }, {}, { fraction: 0.3, seed: 4 }));
      expect(e.code).toBe('FF_VALUE_MISMATCH');
      expect(e.message).toMatch(/graph 's0' \(simulated whole/);
      expect(() => simulateModuleSampled({ ...m, graphs: [bad, g1] }, { checkValues: false }, { fraction: 0.3, seed: 4 })).not.toThrow();
    });

    it('the backend report marks it exact with the reason, and the text says it ran whole', () => {
      const rep = new RdaSimBackend({ sample: { fraction: 0.3, seed: 4 } }).run(m as never, { seed: 1, outDir: '' } as never);
      const per = (rep.details as { sampling: { perGraph: Array<{ graph: string; exact: boolean; exactReason?: string }> } }).sampling.perGraph;
      expect(per[0]).toMatchObject({ graph: 's0', exact: true });
      expect(per[0].exactReason).toMatch(/reduction index/);
      expect(per[1]).toMatchObject({ graph: 's1', exact: false });
      expect(per[1].exactReason).toBeUndefined();
      expect(rep.text).toMatch(/simulated whole \(cannot be sampled.*\): s0\n/);
      expect(rep.text).toMatch(/graph s0: \d+ cycles \(simulated whole, exact: .*'k' is a reduction index/);
    });

    it('a module where no graph can be sampled is still FF_SAMPLE_UNSUPPORTED, naming every graph', () => {
      const e = errorOf(() => simulateModuleSampled({ ...m, graphs: [g0, { ...g0, name: 's0b' }] }, {}, { fraction: 0.3 }));
      expect(e.code).toBe('FF_SAMPLE_UNSUPPORTED');
      expect(e.message).toMatch(/no graph of the module can be sampled.*'s0'.*'s0b'/);
    });
  });

  it('a graph with fewer units than the minimum sample (one per batch and lane) is simulated whole', () => {
    // 6 rows dealt to 4 lanes: 3 units cannot give every lane a unit (used to fail), minimum is 8 x 4
    const m = K.spmvParallel(6, 20, 4).module({ A: rnd([6, 20], 0.4, 51, 'csr'), x: rnd([20], 1, 52, 'dense') });
    const exact = simulateModule(m);
    const s = simulateModuleSampled(m, {}, { units: 3, seed: 1 });
    expect(s.graphs[0].exact).toBe(true);
    expect(s.graphs[0].exactReason).toMatch(/only 6 unit\(s\).*minimum sample of 32/);
    expect(s.cycles).toBe(exact.cycles);
    expect(s.ci95).toEqual([exact.cycles, exact.cycles]);
    expect(s.graphs[0].compared).toBeGreaterThan(0);
  });

  it('FF_SAMPLE_UNSUPPORTED on a scalar output', () => {
    const g: DataflowGraph = {
      name: 'dot',
      nodes: [
        { id: 1, kind: 'root', label: 'root_x', attrs: { tensor: 'x' }, inputs: {}, outputs: { ref: 1 } },
        { id: 2, kind: 'level_scan', label: 'scan_x_i', attrs: { tensor: 'x', level: 0, mode: 0, format: 'dense', index: 'i' }, inputs: { ref: 1 }, outputs: { ref: 2, crd: 5 } },
        { id: 3, kind: 'array', label: 'array_x', attrs: { tensor: 'x' }, inputs: { ref: 2 }, outputs: { val: 3 } },
        { id: 4, kind: 'reduce', label: 'reduce_i', attrs: { reduce: 'sum', index: 'i' }, inputs: { in: 3 }, outputs: { out: 4 } },
        { id: 5, kind: 'val_write', label: 'write_s', attrs: { tensor: 's' }, inputs: { val: 4 }, outputs: {} },
      ],
      channels: [
        { id: 1, kind: 'ref', src: { node: 1, port: 'ref' }, dst: { node: 2, port: 'ref' } },
        { id: 2, kind: 'ref', src: { node: 2, port: 'ref' }, dst: { node: 3, port: 'ref' } },
        { id: 3, kind: 'val', src: { node: 3, port: 'val' }, dst: { node: 4, port: 'in' } },
        { id: 4, kind: 'val', src: { node: 4, port: 'out' }, dst: { node: 5, port: 'val' } },
      ],
      tensors: { x: { name: 'x', shape: [9], format: { levels: ['dense'], modeOrder: [0] }, role: 'input' } },
      output: { tensor: 's', shape: [], modeOrder: [] },
    };
    const e = errorOf(() => planSample(g));
    expect(e.code).toBe('FF_SAMPLE_UNSUPPORTED');
    expect(e.message).toMatch(/graph 'dot'.*scalar.*'i'/);
  });

  it('FF_OPTIONS_INVALID for fraction 0, both fraction and units, units above the graph\'s units', () => {
    expect(errorOf(() => simulateModuleSampled(mod, {}, { fraction: 0 })).code).toBe('FF_OPTIONS_INVALID');
    expect(errorOf(() => simulateModuleSampled(mod, {}, { fraction: 0.5, units: 3 })).message).toMatch(/"sample".*not both/);
    const big = errorOf(() => simulateModuleSampled(mod, {}, { units: 121 }));
    expect(big.code).toBe('FF_OPTIONS_INVALID');
    expect(big.message).toMatch(/"units" is 121.*only 120 units/);
  });

  it('the backend reports the estimate, the interval and "sampled" in its text', () => {
    const rep = new RdaSimBackend({ sample: { fraction: 0.25, seed: 3 } }).run(mod as never, { seed: 1, outDir: '' } as never);
    const sampling = (rep.details as { sampling: { sampled: boolean; sampledUnits: number; totalUnits: number; ci95: number[]; estimate: number } }).sampling;
    expect(sampling.sampled).toBe(true);
    expect(sampling.sampledUnits).toBe(30);
    expect(rep.metrics.cycles).toBe(Math.round(sampling.estimate));
    expect(rep.text).toMatch(/sampled 30 of 120 units, 95 % CI \[\d+, \d+\]/);
    expect(rep.files).toEqual([]);
  });

  it('the options schema (through the kernel) rejects bad values, naming the option', () => {
    const check = (sample: unknown) => errorOf(() => resolvePluginOptions(rdaSimPlugin as never, { sample }, '/backend'));
    for (const bad of [{ fraction: 0 }, { fraction: 1.5 }, { fraction: 0.1, units: 4 }, { units: 0 }, { units: 2.5 }, {}, { fraction: 0.1, batches: 1 }, { fraction: 0.1, seeds: 1 }]) {
      const e = check(bad);
      expect(e.code).toBe('FF_OPTIONS_INVALID');
      expect(e.message).toMatch(/sample/);
    }
    expect(() => resolvePluginOptions(rdaSimPlugin as never, { sample: { units: 4, seed: 2, batches: 4 } }, '/backend')).not.toThrow();
  });
});

function renameGraph(g: DataflowGraph, name: string, map: Record<string, string>): DataflowGraph {
  return {
    ...g,
    name,
    output: { ...g.output, tensor: map[g.output.tensor] ?? g.output.tensor },
    tensors: renameTensors(g, map),
    nodes: g.nodes.map((n) => ({ ...n, attrs: { ...n.attrs, ...(n.attrs.tensor ? { tensor: map[n.attrs.tensor] ?? n.attrs.tensor } : {}) } })),
  };
}

function renameTensors(g: DataflowGraph, map: Record<string, string>): DataflowGraph['tensors'] {
  const out: DataflowGraph['tensors'] = {};
  for (const [k, v] of Object.entries(g.tensors)) out[map[k] ?? k] = { ...v, name: map[k] ?? k };
  return out;
}

