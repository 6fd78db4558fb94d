import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { EventEmitter } from 'eventemitter3';
import type { RunContext } from '@fuseflow/kernel';
import { fromDense, readMatrixMarket, toDense, uniformRandom, verifyDataflowGraph, type DataflowGraph, type TensorBindings } from '@fuseflow/ir';
import { RdaSimBackend } from './backend';
import * as K from './kernels';
import { simulateGraph, simulateModule, type SimOptions } from './simulate';
import { WriterPrim, tileEinsum, tilePlan, tileReduce, tileReducePlan } from './primitives';
import { RingChannel } from './channel';
import { EMPTY, STOP, VAL } from './tokens';
import { assembleOutput } from './assemble';
import { buildGraph } from './build';
import { runFast } from './engine';
import { resolveProfile } from './timing';

const rnd = (shape: number[], density: number, seed: number, format = 'dcsr') => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('graph verification (FF_INPUT_INVALID before simulation)', () => {
  const base = () => structuredClone(K.relu(3, 3).graph);
  it('accepts a well-formed graph', () => expect(() => verifyDataflowGraph(base())).not.toThrow());
  it('rejects a dangling channel', () => {
    const g = base();
    g.channels[0].dst.node = 999;
    expect(() => verifyDataflowGraph(g)).toThrow(/dangling/);
  });
  it('rejects a port kind mismatch', () => {
    const g = base();
    const c = g.channels.find((c) => c.kind === 'val')!;
    c.kind = 'crd';
    expect(() => verifyDataflowGraph(g)).toThrow(/kind mismatch/);
  });
  it('rejects an unknown primitive with a suggestion', () => {
    const g = base();
    (g.nodes[1] as { kind: string }).kind = 'level_scn';
    try {
      verifyDataflowGraph(g);
      throw new Error('no error');
    } catch (e) {
      expect((e as { code: string }).code).toBe('FF_INPUT_INVALID');
      expect((e as { suggestion: string }).suggestion).toMatch(/level_scan/);
    }
  });
  it('rejects missing tensor data', () => {
    expect(() => simulateGraph(base(), {})).toThrow(/no data is bound to it/);
  });
});

describe('deadlock, budget, backpressure', () => {
  const A = rnd([6, 20], 0.8, 1);
  it('bounded channels in a softmax row buffer deadlock, naming stuck nodes and queues', () => {
    const k = K.softmax(6, 20);
    try {
      simulateGraph(k.graph, { A }, { channelDepth: 2 });
      throw new Error('no deadlock');
    } catch (e) {
      const err = e as { code: string; message: string };
      expect(err.code).toBe('FF_SIM_DEADLOCK');
      expect(err.message).toMatch(/broadcast/);
      expect(err.message).toMatch(/queues: .*=\[/);
    }
    expect(codeOf(() => simulateGraph(k.graph, { A }, { channelDepth: 2, engine: 'reference' }))).toBe('FF_SIM_DEADLOCK');
  });
  it('cycle budget overrun gives FF_SIM_BUDGET on both engines', () => {
    const k = K.softmax(6, 20);
    expect(codeOf(() => simulateGraph(k.graph, { A }, { cycleBudget: 20 }))).toBe('FF_SIM_BUDGET');
    expect(codeOf(() => simulateGraph(k.graph, { A }, { cycleBudget: 20, engine: 'reference' }))).toBe('FF_SIM_BUDGET');
  });
  it('backpressure: shallow channels never make a graph faster, and both engines agree', () => {
    const k = K.spmspm('ikj', 15, 15, 15);
    const data = { B: rnd([15, 15], 0.2, 2), C: rnd([15, 15], 0.2, 3) };
    const free = simulateGraph(k.graph, data).cycles;
    let ok = 0;
    for (const d of [1, 2, 4, 16]) {
      // A node stalls while any of its outputs is full, so very shallow FIFOs can deadlock the
      // spacc's outer-crd path: then both engines must report the same deadlock.
      const fe = codeOf(() => simulateGraph(k.graph, data, { channelDepth: d }));
      expect(codeOf(() => simulateGraph(k.graph, data, { channelDepth: d, engine: 'reference' }))).toBe(fe);
      if (fe) continue;
      ok++;
      const f = simulateGraph(k.graph, data, { channelDepth: d });
      const r = simulateGraph(k.graph, data, { channelDepth: d, engine: 'reference' });
      expect(r.cycles).toBe(f.cycles);
      expect(f.cycles).toBeGreaterThanOrEqual(free);
    }
    expect(ok).toBeGreaterThan(0);
  });
  it('HBM model adds memory latency and both engines agree', () => {
    const k = K.spmspm('ikj', 15, 15, 15);
    const data = { B: rnd([15, 15], 0.2, 2), C: rnd([15, 15], 0.2, 3) };
    const plain = simulateModule(k.module(data)).cycles;
    const f = simulateModule(k.module(data), { hbm: true });
    const r = simulateModule(k.module(data), { hbm: true, engine: 'reference' });
    expect(f.valuesChecked).toBe(true);
    expect(r.cycles).toBe(f.cycles);
    expect(f.cycles).toBeGreaterThan(plain);
  });
});

describe('block mode (N x N tiles)', () => {
  it('element-wise add of 2x2-blocked matrices', () => {
    const k = K.elementwise('add', 2, 8, 8, ['bdcsr-2', 'bdcsr-2']);
    k.graph.blockSize = 2;
    const data = { A: rnd([8, 8], 0.3, 70, 'bdcsr-2'), B: rnd([8, 8], 0.3, 71, 'bdcsr-2') };
    const f = simulateModule(k.module(data));
    const r = simulateModule(k.module(data), { engine: 'reference' });
    expect(f.valuesChecked).toBe(true);
    expect(r.cycles).toBe(f.cycles);
  });
  it('Gustavson SpMSpM with tile matmul and block latencies', () => {
    const k = K.spmspm('ikj', 8, 8, 8, 'bdcsr-4', 'bdcsr-4');
    k.graph.blockSize = 4;
    k.graph.nodes.find((n) => n.kind === 'alu')!.attrs.matmul = true;
    const data = { B: rnd([8, 8], 0.4, 72, 'bdcsr-4'), C: rnd([8, 8], 0.4, 73, 'bdcsr-4') };
    const f = simulateModule(k.module(data));
    expect(f.valuesChecked).toBe(true);
    expect(simulateModule(k.module(data), { engine: 'reference' }).cycles).toBe(f.cycles);
    // 2N-1 matmul latency and N^2 array latency make it slower than a scalar run of the same structure.
    expect(f.cycles).toBeGreaterThan(20);
  });
});

describe('block mode tile specs (attrs.tile: named tile variables)', () => {
  // 2x2 tiles, row-major over their variables
  const Q = Float64Array.of(1, 2, 3, 4); // Q(i,k)
  const Kt = Float64Array.of(5, 6, 7, 8); // K(j,k)
  it('Q(i,k) * K(j,k) summed over k is Q . K^T (the operand is read in its own mode order)', () => {
    const out = tileEinsum('mul', tilePlan({ a: ['i', 'k'], b: ['j', 'k'], out: ['i', 'j'] }, 2), Q, Kt, 2);
    // [[1*5+2*6, 1*7+2*8], [3*5+4*6, 3*7+4*8]]
    expect(Array.from(out)).toEqual([17, 23, 39, 53]);
  });
  it('a plain row-major matmul and an element-wise op take the N x N kernels', () => {
    expect(tilePlan({ a: ['i', 'k'], b: ['k', 'j'], out: ['i', 'j'] }, 2).plain).toBe(2);
    expect(tilePlan({ a: ['i', 'j'], b: ['i', 'j'], out: ['i', 'j'] }, 2).plain).toBe(1);
    expect(Array.from(tileEinsum('mul', tilePlan({ a: ['i', 'k'], b: ['k', 'j'], out: ['i', 'j'] }, 2), Q, Kt, 2))).toEqual([19, 22, 43, 50]);
  });
  it('rank-1 tiles: matvec A(i,j) x(j) -> y(i) holds N elements; a broadcast add A(i,j) + b(j)', () => {
    const x = Float64Array.of(10, 100);
    expect(Array.from(tileEinsum('mul', tilePlan({ a: ['i', 'j'], b: ['j'], out: ['i'] }, 2), Q, x, 2))).toEqual([210, 430]);
    expect(Array.from(tileEinsum('add', tilePlan({ a: ['i', 'j'], b: ['j'], out: ['i', 'j'] }, 2), Q, x, 2))).toEqual([11, 102, 13, 104]);
  });
});

describe('block mode: reduce folding a tile over its reduced variables (blocked softmax)', () => {
  const T = Float64Array.of(1, -2, 7, 4); // A(i,j), 2x2 row-major
  it('row max / row sum: {a:[i,j], out:[i]}; column sum: {a:[i,j], out:[j]}', () => {
    expect(Array.from(tileReduce(tileReducePlan({ a: ['i', 'j'], b: [], out: ['i'] }, 2), T, true))).toEqual([1, 7]);
    expect(Array.from(tileReduce(tileReducePlan({ a: ['i', 'j'], b: [], out: ['i'] }, 2), T, false))).toEqual([-1, 11]);
    expect(Array.from(tileReduce(tileReducePlan({ a: ['i', 'j'], b: [], out: ['j'] }, 2), T, false))).toEqual([8, 2]);
  });
  it('a reduce node with the spec folds each tile, then the fiber: two 2x2 tiles of one row of blocks', () => {
    const fmt = { levels: ['dense', 'compressed'] as const, modeOrder: [0, 1], blockShape: [2, 2] };
    const w = new K.Wiring('rowmax').tensor('A', [2, 4], { ...fmt, levels: [...fmt.levels] }).tensor('y', [2], { levels: ['dense'], modeOrder: [0], blockShape: [2] }, 'output');
    const ai = w.scan('A', 0, w.root('A'), 'i');
    w.crdWrite('y', 0, ai.crd);
    const aj = w.scan('A', 1, ai.ref, 'j');
    w.valWrite('y', w.reduce(w.array('A', aj.ref), 'max'));
    const g = w.build('y', [2], [0], 2);
    const red = g.nodes.find((n) => n.kind === 'reduce')!;
    (red.attrs as Record<string, unknown>).tile = { a: ['i', 'j'], b: [], out: ['i'] };
    // A = [[1, -2, 0, 5], [7, 4, -1, 9]] stored as two 2x2 tiles of block row 0
    const A = fromDense([2, 4], Float64Array.of(1, -2, 0, 5, 7, 4, -1, 9), { ...fmt, levels: [...fmt.levels] }, 'A');
    const fast = simulateGraph(g, { A });
    const ref = simulateGraph(g, { A }, { engine: 'reference' });
    expect(Array.from(toDense(fast.output))).toEqual([5, 9]);
    expect(ref.cycles).toBe(fast.cycles);
  });
});

describe('property: fast engine == reference engine (fixed seeds)', () => {
  const builders: Array<(seed: number) => { graph: DataflowGraph; data: TensorBindings }> = [
    (s) => ({ graph: K.spmspm('ikj', 9, 7, 8).graph, data: { B: rnd([9, 7], 0.3, s, 'dcsr'), C: rnd([7, 8], 0.3, s + 1, 'dcsr') } }),
    (s) => ({ graph: K.spmspm('kij', 9, 7, 8).graph, data: { B: rnd([9, 7], 0.3, s, 'dcsc'), C: rnd([7, 8], 0.3, s + 1, 'dcsr') } }),
    (s) => ({ graph: K.spmspm('ijk', 9, 7, 8).graph, data: { B: rnd([9, 7], 0.3, s, 'dcsr'), C: rnd([7, 8], 0.3, s + 1, 'dcsc') } }),
    (s) => ({ graph: K.elementwise('add', 3, 6, 7, ['dcsr', 'csr', 'dcsr']).graph, data: { A: rnd([6, 7], 0.3, s), B: rnd([6, 7], 0.3, s + 1, 'csr'), C: rnd([6, 7], 0.3, s + 2) } }),
    (s) => ({ graph: K.softmax(5, 8).graph, data: { A: rnd([5, 8], 0.5, s) } }),
    (s) => ({ graph: K.mttkrp(3, 4, 5, 2).graph, data: { A: rnd([3, 4, 5], 0.3, s, 'ccc'), B: rnd([4, 2], 1, s + 1, 'dense'), C: rnd([5, 2], 1, s + 2, 'dense') } }),
    // locate + unary ALU (relu), and a forked region with its join
    (s) => ({ graph: K.gcnLayer(12, 3).graph, data: { A: rnd([12, 12], 0.2, s), H: rnd([12, 3], 1, s + 1, 'dense') } }),
    (s) => ({ graph: K.spmvParallel(10, 9, 3).graph, data: { A: rnd([10, 9], 0.3, s, 'csr'), x: rnd([9], 1, s + 1, 'dense') } }),
  ];
  it('random kernels, data, channel depths and profiles', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: builders.length - 1 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(0, 1, 3, 16),
        fc.record({ ii: fc.integer({ min: 1, max: 3 }), latency: fc.integer({ min: 1, max: 4 }) }),
        // true = shared HBM (arbitrated, nodes contend), 'private' = channels per node
        fc.constantFrom<SimOptions['hbm']>(false, true, 'private'),
        (b, seed, depth, t, hbm) => {
          const { graph, data } = builders[b](seed);
          const o: SimOptions = { channelDepth: depth, hbm, timingProfile: { primitives: { intersect: t, alu: { latency: t.latency }, spacc1: { ii: t.ii } } } };
          let fast: ReturnType<typeof simulateGraph> | undefined;
          let fe: string | undefined;
          let ref: ReturnType<typeof simulateGraph> | undefined;
          let re: string | undefined;
          try {
            fast = simulateGraph(graph, data, o);
          } catch (e) {
            fe = (e as { code?: string }).code ?? String(e);
          }
          try {
            ref = simulateGraph(graph, data, { ...o, engine: 'reference' });
          } catch (e) {
            re = (e as { code?: string }).code ?? String(e);
          }
          expect(fe).toBe(re);
          if (fast && ref) {
            expect(ref.cycles).toBe(fast.cycles);
            expect(ref.tokens).toBe(fast.tokens);
            expect(Array.from(toDense(ref.output))).toEqual(Array.from(toDense(fast.output)));
            // every counter of every node: finish, busy, stall, tokens in/out, ops, reads, writes
            expect(ref.nodes).toEqual(fast.nodes);
          }
        },
      ),
      { seed: 4242, numRuns: 60 },
    );
  });
});

describe('output assembly: direct build from in-order streams == COO sorted by fromCoo', () => {
  const formats = [
    { levels: ['compressed', 'compressed'], modeOrder: [0, 1] },
    { levels: ['dense', 'compressed'], modeOrder: [0, 1] },
    { levels: ['compressed', 'dense'], modeOrder: [0, 1] },
    { levels: ['dense', 'dense'], modeOrder: [0, 1] },
  ] as const;
  const kernels: Array<(seed: number) => { graph: DataflowGraph; data: TensorBindings }> = [
    (s) => ({ graph: K.spmspm('ikj', 9, 7, 8).graph, data: { B: rnd([9, 7], 0.3, s, 'dcsr'), C: rnd([7, 8], 0.3, s + 1, 'dcsr') } }),
    (s) => ({ graph: K.spmspm('kij', 9, 7, 8).graph, data: { B: rnd([9, 7], 0.3, s, 'dcsc'), C: rnd([7, 8], 0.3, s + 1, 'dcsr') } }),
    // relu leaves Empty values where the input is negative: those coordinates must vanish
    (s) => ({ graph: K.relu(8, 9).graph, data: { A: rnd([8, 9], 0.4, s) } }),
    (s) => ({ graph: K.gcnLayer(12, 3).graph, data: { A: rnd([12, 12], 0.2, s), H: rnd([12, 3], 1, s + 1, 'dense') } }),
  ];
  it('random kernels, data and output formats (dense and compressed levels)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: kernels.length - 1 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: formats.length - 1 }), (k, seed, f) => {
        const { graph, data } = kernels[k](seed);
        const g = structuredClone(graph);
        g.tensors[g.output.tensor].format = structuredClone(formats[f]) as unknown as (typeof g.tensors)[string]['format'];
        const built = buildGraph(g, data, { engine: 'fast', profile: resolveProfile('comal'), channelDepth: Infinity, hbm: false });
        runFast(g.name, built.prims);
        const direct = assembleOutput(g, built.writers, 0, 'direct');
        expect(direct).toEqual(assembleOutput(g, built.writers, 0, 'coo'));
        expect(direct.levels.map((l) => l.format)).toEqual(formats[f].levels);
      }),
      { seed: 99, numRuns: 60 },
    );
  });
  // Writer logs of a random 2-level fiber tree: rows in any order, fibers possibly empty, out of
  // order or with repeated coordinates (as after a lane join), values possibly Empty (absent).
  const tree = fc.array(
    fc.record({ row: fc.integer({ min: 0, max: 5 }), cols: fc.array(fc.record({ col: fc.integer({ min: 0, max: 6 }), v: fc.option(fc.integer({ min: -3, max: 3 })) }), { maxLength: 5 }) }),
    { maxLength: 5 },
  );
  function writersOf(rows: Array<{ row: number; cols: Array<{ col: number; v: number | null }> }>): WriterPrim[] {
    const w = (isVal: boolean, level: number) => new WriterPrim(0, 'w', 1, 1, isVal, level, null, new RingChannel(0, 'x'));
    const [l0, l1, vw] = [w(false, 0), w(false, 1), w(true, -1)];
    rows.forEach((r, i) => {
      l0.log.add(VAL, r.row);
      for (const c of r.cols) {
        l1.log.add(VAL, c.col);
        if (c.v === null) vw.log.add(EMPTY, 0);
        else vw.log.add(VAL, c.v);
      }
      l1.log.add(STOP, i === rows.length - 1 ? 1 : 0);
    });
    if (rows.length === 0) l1.log.add(STOP, 0);
    l0.log.add(STOP, 0);
    return [l0, l1, vw];
  }
  const graphOf = (levels: readonly string[]) =>
    ({ name: 'g', output: { tensor: 'X', shape: [6, 7], modeOrder: [0, 1] }, tensors: { X: { name: 'X', shape: [6, 7], format: { levels: [...levels], modeOrder: [0, 1] } } } }) as unknown as DataflowGraph;
  it('hand-made streams: Empty leaves drop their coordinates; out-of-order fibers fall back to sorting', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: formats.length - 1 }), (rows, f) => {
        const g = graphOf(formats[f].levels);
        const ws = writersOf(rows);
        const coo = assembleOutput(g, ws, 0, 'coo');
        expect(assembleOutput(g, ws, 0)).toEqual(coo);
        const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);
        // which coordinates survive: those with a value below them
        const live = rows.map((r) => ({ row: r.row, cols: r.cols.filter((c) => c.v !== null).map((c) => c.col) })).filter((r) => r.cols.length > 0);
        const inOrder = sorted(live.map((r) => r.row)) && live.every((r) => sorted(r.cols));
        if (inOrder) expect(assembleOutput(g, ws, 0, 'direct')).toEqual(coo);
        else expect(() => assembleOutput(g, ws, 0, 'direct')).toThrow(/not in storage order/);
      }),
      { seed: 7, numRuns: 300 },
    );
    // a row whose every value is Empty is not stored at all
    const g = graphOf(['compressed', 'compressed']);
    const t = assembleOutput(g, writersOf([{ row: 1, cols: [{ col: 2, v: null }] }, { row: 3, cols: [{ col: 0, v: 0 }, { col: 4, v: 5 }] }]), 0, 'direct');
    expect(Array.from(t.levels[0].crd!)).toEqual([3]);
    expect(Array.from(t.levels[1].pos!)).toEqual([0, 2]);
    expect(Array.from(t.levels[1].crd!)).toEqual([0, 4]);
    expect(Array.from(t.vals)).toEqual([0, 5]); // an explicit zero stays stored
  });
});

describe('rda-sim backend (plugin contract)', () => {
  it('reports metrics, checks values, writes MatrixMarket outputs and a text table', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rda-'));
    const k = K.spmspm('ikj', 10, 10, 10);
    const mod = k.module({ B: rnd([10, 10], 0.3, 80), C: rnd([10, 10], 0.3, 81) });
    const ctx = { seed: 1, baseDir: dir, outDir: dir, events: new EventEmitter(), container: undefined, diagnostic: () => {}, progress: () => {}, shared: new Map() } as unknown as RunContext;
    const rep = await new RdaSimBackend({ engine: 'fast' }).run(mod, ctx);
    expect(rep.valuesChecked).toBe(true);
    expect(rep.metrics.cycles).toBe(simulateModule(mod).cycles);
    expect(rep.metrics.flops).toBeGreaterThan(0);
    expect(rep.metrics.bytes % 4).toBe(0);
    // engine metrics: token transfers are the pops of every node; engine CPU is in details (not reproducible)
    const d = rep.details as { engineSeconds: number; graphs: Array<{ engineSeconds: number; nodes: Array<{ tokensIn: number }> }> };
    expect(rep.metrics.tokens).toBe(d.graphs.reduce((a, g) => a + g.nodes.reduce((b, n) => b + n.tokensIn, 0), 0));
    expect(rep.metrics.tokens).toBeGreaterThan(rep.metrics.cycles);
    expect(d.engineSeconds).toBeGreaterThanOrEqual(0);
    expect(d.engineSeconds).toBeCloseTo(d.graphs.reduce((a, g) => a + g.engineSeconds, 0), 9);
    expect(rep.text).toMatch(/spacc1/);
    expect(rep.files).toHaveLength(1);
    expect(fs.readFileSync(rep.files![0], 'utf8')).toMatch(/^%%MatrixMarket/);
    // A rank-1 output is written as an N x 1 MatrixMarket matrix holding A x.
    const A = rnd([6, 5], 0.4, 82, 'csr');
    const x = rnd([5], 1, 83, 'dense');
    const vec = await new RdaSimBackend({}).run(K.spmv(6, 5).module({ A, x }), ctx);
    expect(vec.files).toEqual([path.resolve(dir, 'y.mtx')]);
    const y = readMatrixMarket(fs.readFileSync(vec.files![0], 'utf8'));
    expect(y.shape).toEqual([6, 1]);
    const [Ad, xd, yd] = [toDense(A), toDense(x), toDense(y)];
    expect(Ad.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < 6; i++) expect(yd[i]).toBeCloseTo([0, 1, 2, 3, 4].reduce((a, j) => a + Ad[i * 5 + j] * xd[j], 0), 12);
    const off = await new RdaSimBackend({ checkValues: false, writeOutputs: false }).run(mod, ctx);
    expect(off.valuesChecked).toBe(false);
    expect(off.metrics.cycles).toBe(rep.metrics.cycles);
  });
});
