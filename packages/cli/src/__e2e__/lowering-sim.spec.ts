/*
 * End to end: TensorProgram -> pass-lower-sam -> backend-rda-sim (both engines), values checked
 * against the reference evaluator (evaluateProgram). Owned by engineer C2 (lowering); lives here
 * because it needs both plugins and plugins never import each other.
 */
import fc from 'fast-check';
import {
  compareTensors,
  denseRandom,
  enumerateLoopOrders,
  evaluateProgram,
  fromCoo,
  gcnBiasProgram,
  generateTensor,
  inlineGroup,
  maskedAttentionProgram,
  nestedMatmulProgram,
  parseProgram,
  programFromStatement,
  textbookKernels,
  toCoo,
  uniformRandom,
  type DataflowGraph,
  type SparseTensorData,
  type TensorBindings,
  type TensorProgram,
} from '@fuseflow/ir';
import { createHostContainer, isFuseFlowError } from '@fuseflow/kernel';
import { blockProgram } from '@fuseflow/pass-sparsity-blocking';
import { lowerProgram, lowerStatement } from '@fuseflow/pass-lower-sam';
import { exportComalGraph, importComalGraph, simulateGraph, simulateModule } from '@fuseflow/backend-rda-sim';
import { simulateCommand } from '@fuseflow/frontend-expr';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomData } from './random-data';

/** Simulates the graphs in order and compares the last output with the reference. */
function check(p: TensorProgram, graphs: DataflowGraph[], data: TensorBindings, engine: 'fast' | 'reference' = 'fast'): { cycles: number } {
  const env: TensorBindings = { ...data };
  let cycles = 0;
  for (const g of graphs) {
    const r = simulateGraph(g, env, { engine });
    env[g.output.tensor] = r.output;
    cycles += r.cycles;
  }
  const expected = evaluateProgram(p, data);
  const out = graphs[graphs.length - 1].output.tensor;
  const c = compareTensors(env[out], expected[out], { rtol: 1e-6, atol: 1e-9 });
  if (!c.equal) throw new Error(`${graphs.map((g) => g.name).join('+')}: ${c.message}`);
  return { cycles };
}

const KERNELS = textbookKernels(8);

describe('lower-sam + rda-sim: textbook kernels, every valid loop order', () => {
  for (const k of KERNELS) {
    it(`${k.name}: ${k.expr}`, () => {
      const p = programFromStatement(k.expr, k.formats, k.shapes, { name: k.name.replace(/\W+/g, '_') });
      const stmt = p.statements[0];
      for (const order of enumerateLoopOrders(stmt, p, 24)) {
        const g = lowerStatement(stmt, p, { loopOrder: order });
        for (const seed of [1, 2]) check(p, [g], randomData(p, seed * 7));
      }
    });
  }

  it('both engines agree on cycles for SpMSpM ikj and the loop order changes the cycle count', () => {
    const p = programFromStatement('X(i,j) = B(i,k) * C(k,j)', { B: 'csr', C: 'csr', X: 'dcsr' }, { B: [24, 20], C: [20, 22] });
    const data = randomData(p, 3, 0.2);
    const g = lowerStatement(p.statements[0], p, { loopOrder: ['i', 'k', 'j'] });
    const fast = check(p, [g], data, 'fast');
    const ref = check(p, [g], data, 'reference');
    expect(ref.cycles).toBe(fast.cycles);
    const q = programFromStatement('X(i,j) = B(i,k) * C(k,j)', { B: 'csc', C: 'csr', X: 'dcsr' }, { B: [24, 20], C: [20, 22] });
    const kij = check(q, [lowerStatement(q.statements[0], q, { loopOrder: ['k', 'i', 'j'] })], data);
    expect(kij.cycles).not.toBe(fast.cycles);
  });

  it('parallelizing the output row index keeps values and cuts cycles', () => {
    const p = programFromStatement('X(i,j) = B(i,k) * C(k,j)', { B: 'dcsr', C: 'dense', X: 'dcsr' }, { B: [32, 16], C: [16, 8] });
    const data = randomData(p, 5, 0.3);
    const serial = check(p, [lowerStatement(p.statements[0], p)], data).cycles;
    const par4 = check(p, [lowerStatement(p.statements[0], p, { parallel: [{ index: 'i', factor: 4 }] })], data).cycles;
    expect(par4).toBeLessThan(serial);
  });

  it('two parallel levels (i x2, j x2) and a parallel fused softmax keep values', () => {
    const p = programFromStatement('X(i,j) = B(i,k) * C(k,j)', { B: 'csr', C: 'csc', X: 'dcsr' }, { B: [16, 12], C: [12, 14] });
    check(p, [lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'], parallel: [{ index: 'i', factor: 2 }, { index: 'j', factor: 2 }] })], randomData(p, 8, 0.3));
    const q = programFromStatement('X(i,j) = exp(B(i,j)) / sum(k, exp(B(i,k)))', { B: 'dcsr', X: 'dcsr' }, { B: [12, 10] });
    check(q, [lowerStatement(q.statements[0], q, { loopOrder: ['i', 'k', 'j'], parallel: [{ index: 'i', factor: 3 }] })], randomData(q, 9, 0.4));
  });
});

describe('lower-sam + rda-sim: fused groups', () => {
  it('GCN: unfused, per-layer and fully fused all match the reference', () => {
    const p = gcnBiasProgram(12, 6, 4, 3);
    const data = randomData(p, 11, 0.3);
    for (const groups of [[['s0'], ['s1'], ['s2'], ['s3'], ['s4']], [['s0', 's1', 's2'], ['s3', 's4']], [['s0', 's1', 's2', 's3', 's4']]]) {
      const q = { ...p, groups: groups.map((s, i) => ({ name: `g${i}`, statements: s })) };
      check(q, lowerProgram(q), data);
    }
  });

  it('nested matmul (A*B)*C fused: every loop order matches the reference', () => {
    const p = nestedMatmulProgram([8, 7, 6, 5], { B: 'dcsr', C: 'dcsc', Y: 'dcsr' });
    const stmt = inlineGroup(p, p.groups![0]);
    const data = randomData(p, 2, 0.35);
    for (const order of enumerateLoopOrders(stmt, p)) check(p, [lowerStatement(stmt, p, { loopOrder: order, group: 'g0' })], data);
  });

  // Regression (Figure 17): in ikjml, mklij, kijml and kmlij a `reduce` feeds a spacc, and an empty
  // j (or l) fiber made the reduce emit an Empty placeholder the spacc's inner crd does not have.
  it('Figure 17 nested matmuls ((A*B)*C)*D, 16x16 at density 0.3: all 16 dataflow orders match the reference', () => {
    const n = 16;
    const p = parseProgram(`
program nested_matmuls
tensor A(${n},${n}): dcsr input
tensor B(${n},${n}): dcsc input
tensor C(${n},${n}): dcsr input
tensor D(${n},${n}): dcsc input
tensor T(${n},${n}): dcsr intermediate
tensor U(${n},${n}): dcsr intermediate
tensor X(${n},${n}): dense output
s0: T(i,k) = A(i,j) * B(j,k)
s1: U(i,l) = T(i,k) * C(k,l)
s2: X(i,m) = U(i,l) * D(l,m)
group g0 = s0, s1, s2
`);
    const stmt = inlineGroup(p, p.groups![0]);
    const data: TensorBindings = {};
    ['A', 'B', 'C', 'D'].forEach((t, i) => (data[t] = uniformRandom({ shape: [n, n], density: 0.3, seed: i + 1, format: p.tensors[t].format, name: t })));
    const orders = enumerateLoopOrders(stmt, p).map((o) => o.join(''));
    expect(orders).toHaveLength(16);
    expect(orders).toEqual(expect.arrayContaining(['ikjml', 'mklij', 'kijml', 'kmlij']));
    for (const order of orders) {
      const g = lowerStatement(stmt, p, { loopOrder: order.split(''), group: 'g0' });
      check(p, [g], data);
      // the cycle-stepping engine is slow: cross-check it on the orders that used to fail
      if (['ikjml', 'mklij', 'kijml', 'kmlij'].includes(order)) check(p, [g], data, 'reference');
    }
  });
});

describe('lower-sam + rda-sim: reductions under empty fibers', () => {
  const shapes = { S: [9, 8], A: [9, 4], B: [8, 4] };
  /** S with rows 0, 4 and 8 empty (csr keeps them as empty fibers). */
  function sddmmData(p: TensorProgram): TensorBindings {
    const data = randomData(p, 5, 0.3);
    const s = toCoo(uniformRandom({ shape: shapes.S, density: 0.4, seed: 8, format: p.tensors.S.format, name: 'S' }));
    const keep = Array.from(s.vals, (_, q) => ![0, 4, 8].includes(s.coords[0][q]));
    const pick = <T>(a: ArrayLike<T>) => Array.from(a).filter((_, q) => keep[q]);
    data.S = fromCoo(shapes.S, s.coords.map(pick), pick(s.vals), p.tensors.S.format, 'S');
    return data;
  }

  // Regression: SDDMM with a csr S in order ijk wrote one value too many per empty row (the
  // reduce's placeholder) and failed with "output writers disagree".
  for (const out of ['dcsr', 'dense']) {
    it(`SDDMM X(i,j) = S(i,j) * A(i,k) * B(j,k), S csr with empty rows, X ${out}, order ijk`, () => {
      const p = programFromStatement('X(i,j) = S(i,j) * A(i,k) * B(j,k)', { S: 'csr', A: 'dense', B: 'dense', X: out }, shapes, { name: 'sddmm_csr' });
      const g = lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] });
      const data = sddmmData(p);
      for (const engine of ['fast', 'reference'] as const) check(p, [g], data, engine);
      // S really has empty rows, among stored ones (the case being tested)
      const rows = new Set(toCoo(data.S).coords[0]);
      expect([0, 4, 8].some((r) => rows.has(r))).toBe(false);
      expect(rows.size).toBeGreaterThan(4);
    });
  }

  it('a reduction under empty rows multiplied by S outside the sum (the ALU drops the placeholder)', () => {
    const p = programFromStatement('X(i,j) = S(i,j) * exp(sum(k, A(i,k) * B(j,k) * S(i,j)))', { S: 'csr', A: 'dense', B: 'dense', X: 'dcsr' }, shapes, { name: 'sddmm_alu' });
    const g = lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] });
    check(p, [g], sddmmData(p));
  });

  it('an entirely empty sparse operand gives an empty output (the lone placeholder is not a value)', () => {
    const p = programFromStatement('y(i) = A(i,j) * x(j)', { A: 'dcsr', x: 'dense', y: 'sparse' }, { A: [6, 5] }, { name: 'spmv_empty' });
    const data = randomData(p, 1);
    data.A = fromCoo([6, 5], [[], []], [], p.tensors.A.format, 'A');
    for (const engine of ['fast', 'reference'] as const) check(p, [lowerStatement(p.statements[0], p)], data, engine);
  });
});

describe('lower-sam + rda-sim: random statements (fast-check, fixed seed)', () => {
  const FORMATS: Record<string, string[]> = { A: ['dcsr', 'csr', 'dense'], B: ['dcsr', 'csc', 'dcsc'], C: ['csr', 'dense', 'dcsr'], D: ['dcsr', 'dense', 'csc'], x: ['sparse', 'dense'], y: ['sparse', 'dense'] };
  const SHAPES: Record<string, number[]> = { A: [6, 5], B: [6, 5], C: [6, 4], D: [4, 5], x: [5], y: [6] };
  const leaf = fc.constantFrom('A(i,j)', 'B(i,j)', 'C(i,k)', 'D(k,j)', 'x(j)', 'y(i)');
  const expr = fc.letrec((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      leaf,
      fc.tuple(tie('e'), fc.constantFrom('+', '*', '-'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      tie('e').map((a) => `relu(${a})`),
      tie('e').map((a) => `exp(${a})`),
      tie('e').map((a) => `(${a} * 2)`),
      tie('e').map((a) => `(1 - ${a})`),
      fc.tuple(tie('e'), fc.constantFrom('sum', 'max')).map(([a, op]) => `${op}(k, ${a} * C(i,k))`),
    ),
  })).e as fc.Arbitrary<string>;
  it('values match the reference for random expressions, formats, loop orders and data', () => {
    let checked = 0;
    fc.assert(
      fc.property(expr, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), (e, fsel, seed) => {
        if (!e.includes('i') || !/[(,]j[,)]/.test(e)) return;
        const names = Object.keys(FORMATS);
        const used = names.filter((t) => new RegExp(`(^|[^A-Za-z0-9_])${t}\\(`).test(e));
        const formats: Record<string, string> = { Z: 'dcsr' };
        used.forEach((t) => (formats[t] = FORMATS[t][fsel[names.indexOf(t)] % FORMATS[t].length]));
        let p: TensorProgram;
        let orders: string[][];
        try {
          p = programFromStatement(`Z(i,j) = ${e}`, formats, Object.fromEntries(used.map((t) => [t, SHAPES[t]])));
          orders = enumerateLoopOrders(p.statements[0], p, 4);
        } catch {
          return; // contradictory level orders
        }
        for (const order of orders) {
          let g: DataflowGraph;
          try {
            g = lowerStatement(p.statements[0], p, { loopOrder: order });
          } catch (err) {
            expect((err as Error).message).toMatch(/incomparable index sets|cannot be re-nested|sparse accumulator of order|cannot be co-iterated/);
            continue;
          }
          checked++;
          check(p, [g], randomData(p, seed, 0.4));
        }
      }),
      { seed: 42, numRuns: 120 },
    );
    expect(checked).toBeGreaterThan(30); // the property must exercise the lowering, not only refusals
  });
});

describe('fuseflow simulate (expr frontend -> passes -> lower-sam -> rda-sim)', () => {
  const run = async (opts: Record<string, unknown>) => {
    const out: string[] = [];
    const err: string[] = [];
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sim-'));
    const code = await simulateCommand.action([], { json: true, out: 'o', ...opts }, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, isTTY: false, container: createHostContainer({ baseDir: cwd }) });
    return { code, json: out.length ? JSON.parse(out.join('')) : undefined, err: err.join(''), cwd };
  };

  it('simulates a statement with generated inputs, checks values and writes the output as MatrixMarket', async () => {
    const r = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', format: ['B=csr', 'C=csc', 'X=dcsr'], order: 'ijk', gen: ['B=uniform:16x12:0.2:seed=1', 'C=uniform:12x14:0.2:seed=2'] });
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.cycles).toBeGreaterThan(0);
    // engine metrics: channel token transfers (the report's metric) and CPU seconds of the engine loop
    expect(r.json.tokens).toBe(r.json.metrics.tokens);
    expect(r.json.tokens).toBeGreaterThan(0);
    expect(typeof r.json.engineSeconds).toBe('number');
    expect(r.json.engineSeconds).toBeGreaterThanOrEqual(0);
    expect(r.json.engineSeconds).toBeLessThan(30);
    expect(r.json.valuesChecked).toBe(true);
    expect(fs.readFileSync(r.json.output, 'utf8')).toMatch(/^%%MatrixMarket matrix coordinate/);
    expect(path.dirname(r.json.output)).toBe(path.join(r.cwd, 'o'));
  }, 60000);

  it('a bad pass option surfaces the plugin schema error with its key', async () => {
    const r = await run({ expr: 'y(i) = A(i,j) * x(j)', format: ['A=csr'], passes: 'lower-sam{locate=3}' });
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe('FF_OPTIONS_INVALID');
    expect(`${r.json.error.path} ${r.json.error.message}`).toMatch(/locate/);
  }, 60000);
});

// --- Block mode (sparsity blocking): values against the reference evaluator ------------------
// (imports kept with the section: this file is appended to by several owners)

/** Blocks the program at `size`, lowers and simulates it (values checked) and returns the output. */
function simulateBlocked(p: TensorProgram, data: TensorBindings, size: number): SparseTensorData {
  const b = blockProgram(p, data, { size });
  const r = simulateModule({ stage: 'dataflow', program: b.program, data: b.data, graphs: lowerProgram(b.program) }, { engine: 'fast' });
  expect(r.valuesChecked).toBe(true);
  return r.outputs[p.outputs?.[0] ?? Object.keys(r.outputs)[0]];
}

describe('lower-sam + rda-sim: block mode (sparsity blocking)', () => {
  it('blocked SDDMM S = M .* (Q K^T) on a BigBird mask (bigbird:128:16, 16x16 tiles) matches the reference', () => {
    const seq = 128;
    const d = 16;
    const p = programFromStatement('S(i,j) = M(i,j) * Q(i,k) * K(j,k)', { M: 'dcsr', Q: 'dense', K: 'dense', S: 'dcsr' }, { M: [seq, seq], Q: [seq, d], K: [seq, d] });
    const data: TensorBindings = {
      M: generateTensor(`bigbird:${seq}:16`, 'dcsr', 'M'),
      Q: denseRandom({ shape: [seq, d], seed: 11, name: 'Q' }),
      K: denseRandom({ shape: [seq, d], seed: 12, name: 'K' }),
    };
    const expected = evaluateProgram(p, data).S;
    expect(toCoo(expected).vals.length).toBeGreaterThan(0);
    expect(toCoo(expected).vals.length).toBeLessThan(seq * seq); // the mask is really sparse
    const got = simulateBlocked(p, data, 16);
    const c = compareTensors(got, expected, { rtol: 1e-9, atol: 1e-12 });
    expect(c.equal).toBe(true);
    // the tile product is Q_tile . K_tile^T: K is read over (j,k), summed over its second mode
    const g = lowerProgram(blockProgram(p, data, { size: 16 }).program)[0];
    const tiles = g.nodes.filter((n) => n.kind === 'alu').map((n) => (n.attrs as { tile?: unknown }).tile);
    expect(tiles).toEqual([
      { a: ['i', 'k'], b: ['j', 'k'], out: ['i', 'j'] },
      { a: ['i', 'j'], b: ['i', 'j'], out: ['i', 'j'] },
    ]);
    // the tile specs survive the ComalGraph protobuf (else Q·K^T would be read as Q·K)
    const blocked = blockProgram(p, data, { size: 16 });
    const back = importComalGraph(exportComalGraph(g), { tensors: g.tensors, output: g.tensors[g.output.tensor] });
    expect(back.nodes.filter((n) => n.kind === 'alu').map((n) => (n.attrs as { tile?: unknown }).tile)).toEqual(tiles);
    const again = simulateGraph({ ...back, blockSize: g.blockSize }, blocked.data);
    expect(compareTensors(again.output, simulateGraph(g, blocked.data).output, { rtol: 0, atol: 0 }).equal).toBe(true);
  });

  it.each([
    ['y(i) = A(i,j) * x(j)', { A: 'bcsr-4', x: 'dense', y: 'dense' }, { A: [10, 9] }],
    ['y(j) = A(i,j) * x(i)', { A: 'csr', x: 'dense', y: 'dense' }, { A: [10, 9] }],
    ['y(i) = A(i,j) * B(j,k) * x(k)', { A: 'csr', B: 'dense', x: 'dense', y: 'dense' }, { A: [10, 9], B: [9, 6] }],
    ['X(i,j) = A(i,j) * x(j)', { A: 'dcsr', x: 'dense', X: 'dcsr' }, { A: [10, 9] }],
  ])('blocked %s (rank-1 tiles, 4x4 blocks, edge tiles padded) matches the reference', (expr, formats, shapes) => {
    const p = programFromStatement(expr, formats as Record<string, string>, shapes as Record<string, number[]>);
    const data = randomData(p, 21);
    const expected = evaluateProgram(p, data)[p.statements[0].lhs.tensor];
    const got = simulateBlocked(p, data, 4);
    const c = compareTensors(got, expected, { rtol: 1e-9, atol: 1e-12 });
    // (a blocked output stores whole tiles, so its stored zeros are not compared)
    expect(c.equal).toBe(true);
  });

  it.each([
    ['y(i) = A(i,j)', { A: 'csr', y: 'dense' }],
    ['y(i) = max(j, A(i,j))', { A: 'dcsr', y: 'dense' }],
  ])('blocked row reduction %s folds each tile, then the row of tiles: matches the reference', (expr, formats) => {
    const p = programFromStatement(expr, formats as Record<string, string>, { A: [10, 9] });
    const data = randomData(p, 3);
    const got = simulateBlocked(p, data, 4);
    // the reference of the blocked program (stored tiles' zeros are present entries)
    const b = blockProgram(p, data, { size: 4 });
    expect(compareTensors(got, evaluateProgram(b.program, b.data).y, { rtol: 1e-9, atol: 1e-12 }).equal).toBe(true);
  });

  it('a column sum in row order cannot fold tiles in a sparse accumulator: lowering fails naming the reduction', () => {
    const p = programFromStatement('y(j) = A(i,j)', { A: 'csr', y: 'dense' }, { A: [10, 9] });
    let err: unknown;
    try {
      lowerProgram(blockProgram(p, randomData(p, 3), { size: 4 }).program);
    } catch (e) {
      err = e;
    }
    expect(isFuseFlowError(err)).toBe(true);
    expect((err as Error).message).toMatch(/block mode: sum\(i\) reduces inside its tiles/);
  });
});

// --- Blocked softmax: the whole BigBird attention block-sparse --------------------------------

describe('lower-sam + rda-sim: blocked softmax (whole attention block-sparse)', () => {
  const seq = 32;
  const block = 8;
  // BigBird attention of one head: masked scores, row softmax over the stored entries, P·V
  const p = maskedAttentionProgram({ seq, dim: 8, name: 'bigbird_attention', scale: 0.25 });
  const data: TensorBindings = {
    Q: denseRandom({ shape: [seq, 8], seed: 31, name: 'Q' }),
    K: denseRandom({ shape: [seq, 8], seed: 32, name: 'K' }),
    V: denseRandom({ shape: [seq, 8], seed: 33, name: 'V' }),
    M: generateTensor(`bigbird:${seq}:${block}`, 'dcsr', 'M'),
  };
  const scalar = evaluateProgram(p, data).O;

  it.each([
    ['fused (one group)', [['qk', 'smax', 'sexp', 'ssum', 'sdiv', 'pv']]],
    ['unfused', [['qk'], ['smax'], ['sexp'], ['ssum'], ['sdiv'], ['pv']]],
  ])('%s: values equal the scalar attention (mask at the tile size), both engines agree', (_label, groups) => {
    const grouped: TensorProgram = { ...p, groups: groups.map((statements, i) => ({ name: `g${i}`, statements })) };
    const b = blockProgram(grouped, data, { size: block });
    const graphs = lowerProgram(b.program);
    expect(graphs).toHaveLength(groups.length);
    // the row max and the row sum fold their tiles over j inside the reduce primitive
    const folds = graphs.flatMap((g) => g.nodes.filter((n) => n.kind === 'reduce' && (n.attrs as { tile?: unknown }).tile));
    // (fused: the max under the sum's exp is recomputed where the loop order forces it)
    expect([...new Set(folds.map((n) => n.attrs.reduce))].sort()).toEqual(['max', 'sum']);
    // a row fold (variables renamed apart in the fused statement): (row, col) tiles -> row vectors
    const specs = folds.map((n) => (n.attrs as { tile?: { a: string[]; b: string[]; out: string[] } }).tile!);
    expect(specs.every((t) => t.a.length === 2 && t.b.length === 0 && t.out.length === 1 && t.out[0] === t.a[0])).toBe(true);
    const mod = { stage: 'dataflow' as const, program: b.program, data: b.data, graphs };
    const fast = simulateModule(mod, { engine: 'fast' });
    const ref = simulateModule(mod, { engine: 'reference' });
    expect(fast.valuesChecked).toBe(true);
    expect(ref.cycles).toBe(fast.cycles);
    // the BigBird mask is made of whole tiles, so the blocked attention is the scalar one
    expect(compareTensors(fast.outputs.O, scalar, { rtol: 1e-9, atol: 1e-12 }).equal).toBe(true);
    expect(compareTensors(ref.outputs.O, scalar, { rtol: 0, atol: 1e-12 }).equal).toBe(true);
  });

  it.each([
    ['fused (one group)', [['qk', 'smax', 'sexp', 'ssum', 'sdiv', 'pv']]],
    ['unfused', [['qk'], ['smax'], ['sexp'], ['ssum'], ['sdiv'], ['pv']]],
  ])('%s: graphs decoded from the ComalGraph protobuf keep the reduce tile folds and simulate with identical cycles and values', (_label, groups) => {
    const grouped: TensorProgram = { ...p, groups: groups.map((statements, i) => ({ name: `g${i}`, statements })) };
    const b = blockProgram(grouped, data, { size: block });
    const graphs = lowerProgram(b.program);
    const decoded = graphs.map((g) => ({ ...importComalGraph(exportComalGraph(g), { tensors: g.tensors, output: g.tensors[g.output.tensor] }), group: g.group }));
    const folds = (gs: typeof graphs) => gs.map((g) => g.nodes.filter((n) => n.kind === 'reduce').map((n) => (n.attrs as { tile?: unknown }).tile ?? null));
    expect(folds(graphs).flat().filter((t) => t !== null).length).toBeGreaterThanOrEqual(2);
    expect(folds(decoded)).toEqual(folds(graphs));
    const direct = simulateModule({ stage: 'dataflow', program: b.program, data: b.data, graphs }, { engine: 'fast' });
    const viaProto = simulateModule({ stage: 'dataflow', program: b.program, data: b.data, graphs: decoded }, { engine: 'fast' });
    expect(viaProto.valuesChecked).toBe(true);
    expect(viaProto.cycles).toBe(direct.cycles);
    expect(compareTensors(viaProto.outputs.O, direct.outputs.O, { rtol: 0, atol: 0 }).equal).toBe(true);
  });
});
