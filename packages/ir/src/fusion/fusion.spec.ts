import { isFuseFlowError } from '@fuseflow/kernel';
import type { FusionGroup, Statement, TensorProgram } from '../program/ast';
import { acc, decl, gcnProgram, mul, stmt } from './__fixtures__/build';
import { denseEvaluate, type DenseEnv } from './__fixtures__/dense-eval';
import { freeVars } from '../program/expr-utils';
import {
  checkLoopOrder,
  defaultGroups,
  enumerateLoopOrders,
  exprIndexVars,
  exprTensors,
  fusedProgram,
  groupInternals,
  groupOutputs,
  inlineGroup,
  loopIndexPartialOrder,
  normalizeGroups,
} from './index';

/** Seeded LCG so data is deterministic without depending on the generators under test. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function randomInputs(p: TensorProgram, seed: number, density = 0.5): DenseEnv {
  const r = rng(seed);
  const out: DenseEnv = {};
  for (const [n, d] of Object.entries(p.tensors)) {
    if (d.role !== 'input') continue;
    const size = d.shape.reduce((a, b) => a * b, 1);
    const sparse = d.format.levels.includes('compressed');
    out[n] = Float64Array.from({ length: size }, () => (sparse && r() > density ? 0 : Math.round((r() * 4 - 2) * 8) / 8));
  }
  return out;
}

function expectClose(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 9);
}

function withFused(p: TensorProgram, groups: FusionGroup[]): TensorProgram {
  return fusedProgram({ ...p, groups });
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isFuseFlowError(e) ? `${e.code}: ${e.message}` : `not a FuseFlowError: ${String(e)}`;
  }
  return 'no error';
}

describe('inlineGroup', () => {
  const p = gcnProgram();
  const all: FusionGroup = { name: 'full', statements: p.statements.map((s) => s.name) };

  it('fuses the whole GCN into one statement writing Z, with producer sums made explicit', () => {
    const s = inlineGroup(p, all);
    expect(s.name).toBe('full');
    expect(s.lhs).toEqual({ tensor: 'Z', indices: ['i', 'c'] });
    expect(exprTensors(s.rhs).sort()).toEqual(['A', 'W1', 'W2', 'X', 'b1']);
    expect(freeVars(s.rhs).sort()).toEqual(['c', 'h', 'i']); // h is Z's own top-level sum
    // Every producer variable other than its lhs got a fresh name: no variable is reused with two meanings.
    const vars = exprIndexVars(s.rhs);
    expect(new Set(vars).size).toBe(vars.length);
    // Producer variables keep their names unless they clash: T1's k meets T3's k and becomes k1.
    expect([...vars].sort()).toEqual(['c', 'f', 'h', 'i', 'k', 'k1']);
  });

  it('evaluates to the same Z as the unfused program (full, per layer, arbitrary contiguous splits)', () => {
    const data = randomInputs(p, 7);
    const ref = denseEvaluate(p, data).Z;
    const configs: string[][][] = [
      [['adj1', 'lin1', 'relu1', 'adj2', 'lin2']],
      [['adj1', 'lin1', 'relu1'], ['adj2', 'lin2']],
      [['adj1'], ['lin1', 'relu1', 'adj2'], ['lin2']],
      [['adj1', 'lin1'], ['relu1'], ['adj2'], ['lin2']],
    ];
    for (const cfg of configs) {
      const fp = withFused(p, cfg.map((statements, i) => ({ name: `g${i}`, statements })));
      expect(fp.statements).toHaveLength(cfg.length);
      expectClose(denseEvaluate(fp, data).Z, ref);
    }
  });

  it('recomputes a producer used twice (inlined at each use with distinct fresh variables)', () => {
    const q: TensorProgram = {
      name: 'twice',
      tensors: {
        A: decl('A', [3, 4], 'input', 'dcsr'),
        B: decl('B', [4, 3], 'input'),
        T: decl('T', [3, 3], 'intermediate'),
        Y: decl('Y', [3, 3], 'output'),
      },
      statements: [stmt('s0', 'T', 'ij', mul(acc('A', 'ik'), acc('B', 'kj'))), stmt('s1', 'Y', 'ij', mul(acc('T', 'ik'), acc('T', 'kj')))],
      outputs: ['Y'],
    };
    const s = inlineGroup(q, { name: 'g', statements: ['s0', 's1'] });
    expect(exprTensors(s.rhs)).toEqual(['A', 'B']);
    const reduces: string[][] = [];
    const walk = (e: Statement['rhs']): void => {
      if (e.kind === 'reduce') reduces.push(e.indices);
      if (e.kind === 'binary') (walk(e.lhs), walk(e.rhs));
      if (e.kind === 'unary' || e.kind === 'reduce') walk(e.arg);
    };
    walk(s.rhs);
    expect(reduces).toHaveLength(2);
    expect(reduces[0][0]).not.toBe(reduces[1][0]);
    const data = randomInputs(q, 3);
    expectClose(denseEvaluate({ ...q, statements: [s] }, data).Y, denseEvaluate(q, data).Y);
  });

  it('refuses a group with two live outputs and names both tensors', () => {
    const q: TensorProgram = { ...p, outputs: ['Z', 'H'] };
    const msg = code(() => inlineGroup(q, all));
    expect(msg).toMatch(/^FF_INPUT_INVALID/);
    expect(msg).toContain("'full' has 2 live outputs (H, Z)");
    expect(groupOutputs(q, all)).toEqual(['H', 'Z']);
    expect(groupInternals(q, all)).toEqual(['T1', 'T2', 'T3']);
  });
});

describe('normalizeGroups', () => {
  const p = gcnProgram();
  it('sorts statements and groups into dependency order', () => {
    const g = normalizeGroups(p, [
      { name: 'b', statements: ['lin2', 'adj2'] },
      { name: 'a', statements: ['relu1', 'adj1', 'lin1'] },
    ]);
    expect(g.map((x) => x.name)).toEqual(['a', 'b']);
    expect(g[0].statements).toEqual(['adj1', 'lin1', 'relu1']);
  });
  it('rejects a grouping whose groups feed each other (not contiguous)', () => {
    const msg = code(() =>
      normalizeGroups(p, [
        { name: 'x', statements: ['adj1', 'adj2'] },
        { name: 'y', statements: ['lin1', 'relu1', 'lin2'] },
      ]),
    );
    expect(msg).toMatch(/FF_INPUT_INVALID: fusion groups form a cycle \(x, y\)/);
  });
  it('rejects unknown, duplicated and missing statements', () => {
    expect(code(() => normalizeGroups(p, [{ name: 'g', statements: ['nope'] }]))).toContain("unknown statement 'nope'");
    expect(code(() => normalizeGroups(p, [...defaultGroups(p), { name: 'z', statements: ['adj1'] }]))).toContain("'adj1' is in two fusion groups");
    expect(code(() => normalizeGroups(p, defaultGroups(p).slice(1)))).toContain('not in any fusion group: adj1');
  });
});

describe('loop orders', () => {
  const mm = (fmtB: 'dcsr' | 'csc'): TensorProgram => ({
    name: 'mm',
    tensors: { A: decl('A', [3, 4], 'input', 'dcsr'), B: decl('B', [4, 5], 'input', fmtB), C: decl('C', [3, 5], 'output') },
    statements: [stmt('s', 'C', 'ij', mul(acc('A', 'ik'), acc('B', 'kj')))],
    outputs: ['C'],
  });

  it('row-major SpMSpM has the single Gustavson order i,k,j', () => {
    const p = mm('dcsr');
    expect(loopIndexPartialOrder(p.statements[0], p)).toEqual([
      ['i', 'k'],
      ['k', 'j'],
    ]);
    expect(enumerateLoopOrders(p.statements[0], p)).toEqual([['i', 'k', 'j']]);
  });

  it('with B in CSC both inner-product orders are valid, output vars first', () => {
    const p = mm('csc');
    expect(enumerateLoopOrders(p.statements[0], p)).toEqual([
      ['i', 'j', 'k'],
      ['j', 'i', 'k'],
    ]);
    expect(() => checkLoopOrder(p.statements[0], p, ['i', 'k', 'j'])).toThrow(/iterates k outside j/);
  });

  it('all orders of unconstrained dense variables are every permutation, each once', () => {
    const p: TensorProgram = {
      name: 'outer',
      tensors: { a: decl('a', [2], 'input'), b: decl('b', [2], 'input'), c: decl('c', [2], 'input'), Y: decl('Y', [2, 2, 2], 'output') },
      statements: [stmt('s', 'Y', 'ijl', mul(mul(acc('a', 'i'), acc('b', 'j')), acc('c', 'l')))],
      outputs: ['Y'],
    };
    const orders = enumerateLoopOrders(p.statements[0], p).map((o) => o.join(''));
    expect(orders).toEqual(['ijl', 'ilj', 'jil', 'jli', 'lij', 'lji']);
    expect(enumerateLoopOrders(p.statements[0], p, 4)).toHaveLength(4);
  });

  it('a cyclic partial order is an error naming the cycle and the accesses', () => {
    const p: TensorProgram = {
      name: 'cyc',
      tensors: { A: decl('A', [3, 3], 'input', 'dcsr'), B: decl('B', [3, 3], 'input', 'dcsr'), C: decl('C', [3, 3], 'output') },
      statements: [stmt('s', 'C', 'ij', mul(acc('A', 'ij'), acc('B', 'ji')))],
      outputs: ['C'],
    };
    const msg = code(() => enumerateLoopOrders(p.statements[0], p));
    expect(msg).toMatch(/^FF_INPUT_INVALID: Cycle found, invalid loop order for 's': i -> j -> i/);
    expect(msg).toContain('B(j,i) modeOrder [0,1]');
  });

  it('the fully fused GCN iteration space is ordered by the chain of row-major accesses', () => {
    const p = gcnProgram();
    const s = inlineGroup(p, { name: 'full', statements: p.statements.map((x) => x.name) });
    const orders = enumerateLoopOrders(s, p);
    expect(orders.length).toBeGreaterThan(0);
    for (const o of orders) expect(() => checkLoopOrder(s, p, o)).not.toThrow();
    // A(i,k) before A(k,k1) before X(k1,f) before W1(f,h) before W2(h,c): one chain of 6 vars + b1 free.
    expect(orders[0][0]).toBe('i');
    expect(orders[0][orders[0].length - 1]).toBe('c');
  });
});
