import { compareTensors, inlineGroup, parseProgram, searchLoopOrder, type DataflowGraph, type TensorProgram } from '@fuseflow/ir';
import { lowerProgram, lowerStatement } from './lower';
import { checkGraph, randomData } from './__fixtures__/kernels';
import { runTreeSim } from './__fixtures__/tree-sim';

// T has three consumers inside the group: relu(T), the product and the sum.
const MULTI = `
program multi
tensor A(9,7): dcsr input
tensor B(7,8): dcsr input
tensor T(9,8): dcsr intermediate
tensor U(9,8): dcsr intermediate
tensor Y(9,8): dcsr output
s0: T(i,j) = A(i,k) * B(k,j)
s1: U(i,j) = relu(T(i,j))
s2: Y(i,j) = T(i,j) * U(i,j) + T(i,j)
`;

// Softmax over masked attention scores, written as the PyTorch frontend imports it.
const SOFTMAX = `
program attn_softmax
tensor Q(8,5): dense input
tensor K(8,5): dense input
tensor M(8,8): dcsr input
tensor S(8,8): dcsr intermediate
tensor mx(8): dense intermediate
tensor E(8,8): dcsr intermediate
tensor sm(8): dense intermediate
tensor Y(8,8): dcsr output
scores: S(i,j) = Q(i,d) * K(j,d) * M(i,j)
smax: mx(i) = max(k, S(i,k))
sexp: E(i,j) = exp(S(i,j) - mx(i))
ssum: sm(i) = sum(k, E(i,k))
sdiv: Y(i,j) = E(i,j) / sm(i)
`;

function fused(src: string, mode?: 'share' | 'recompute'): TensorProgram {
  const p = parseProgram(src);
  return { ...p, groups: [{ name: 'g0', statements: p.statements.map((s) => s.name), ...(mode ? { intermediates: mode } : {}) }] };
}

function count(g: DataflowGraph, pred: (n: DataflowGraph['nodes'][number]) => boolean): number {
  return g.nodes.filter(pred).length;
}

describe('shared intermediates in fused groups', () => {
  it('a value with three consumers is computed once: fewer ALU ops, same values, a broadcast', () => {
    for (const seed of [1, 4, 11]) {
      const share = fused(MULTI, 'share');
      const recompute = fused(MULTI, 'recompute');
      const data = randomData(share, seed, 0.4);
      const [gs] = lowerProgram(share);
      const [gr] = lowerProgram(recompute);
      for (const [g, p] of [[gs, share], [gr, recompute]] as const) {
        const r = checkGraph(g, p, data);
        if (!r.ok) throw new Error(`seed ${seed} ${p.groups![0].intermediates}: ${r.message}`);
      }
      const a = runTreeSim(gs, data);
      const b = runTreeSim(gr, data);
      expect(compareTensors(a.output, b.output, { rtol: 0, atol: 0 }).equal).toBe(true);
      expect(a.aluOps).toBeLessThan(b.aluOps);
      // the product A*B: once shared, three times recomputed
      expect(count(gs, (n) => n.kind === 'alu' && n.attrs.alu === 'mul' && n.label === 'alu_mul')).toBeLessThan(count(gr, (n) => n.kind === 'alu' && n.attrs.alu === 'mul'));
      expect(count(gs, (n) => n.kind === 'broadcast')).toBeGreaterThan(0);
      expect(count(gs, (n) => n.kind === 'spacc1') + count(gs, (n) => n.kind === 'reduce')).toBe(1);
      expect(count(gr, (n) => n.kind === 'spacc1') + count(gr, (n) => n.kind === 'reduce')).toBe(3);
    }
  });

  it('the default is share', () => {
    const [g] = lowerProgram(fused(MULTI));
    const [s] = lowerProgram(fused(MULTI, 'share'));
    expect(g.nodes.length).toBe(s.nodes.length);
  });

  it('the fused softmax computes the scores once (max, exp and sum read the same stream)', () => {
    const share = fused(SOFTMAX, 'share');
    const recompute = fused(SOFTMAX, 'recompute');
    const stmt = inlineGroup(share, share.groups![0]);
    // the estimator's order puts the row statistics before the row's elements (order #0 would
    // recompute them per element)
    const { order } = searchLoopOrder(stmt, share, {});
    const gs = lowerStatement(stmt, share, { loopOrder: order, group: 'g0', intermediates: 'share' });
    const gr = lowerStatement(stmt, recompute, { loopOrder: order, group: 'g0', intermediates: 'recompute' });
    const scoreProducts = (g: DataflowGraph) => count(g, (n) => n.kind === 'reduce' && n.attrs.reduce === 'sum' && /reduce_d/.test(n.label));
    const exps = (g: DataflowGraph) => count(g, (n) => n.kind === 'alu' && n.attrs.alu === 'exp');
    const maxes = (g: DataflowGraph) => count(g, (n) => n.kind === 'reduce' && n.attrs.reduce === 'max');
    // scores S = Q K^T: one dot-product reduction shared by max, exp (numerator) and sum
    expect(scoreProducts(gs)).toBe(1);
    expect(scoreProducts(gr)).toBeGreaterThanOrEqual(4);
    expect(exps(gs)).toBe(1);
    expect(exps(gr)).toBe(2);
    expect(maxes(gs)).toBe(1);
    expect(maxes(gr)).toBe(2);
    for (const seed of [2, 7]) {
      const data = randomData(share, seed, 0.5);
      for (const [g, p] of [[gs, share], [gr, recompute]] as const) {
        const r = checkGraph(g, p, data);
        if (!r.ok) throw new Error(`seed ${seed}: ${r.message}`);
      }
      const a = runTreeSim(gs, data);
      const b = runTreeSim(gr, data);
      expect(compareTensors(a.output, b.output, { rtol: 0, atol: 0 }).equal).toBe(true);
      expect(a.aluOps * 2).toBeLessThan(b.aluOps);
    }
  });
});
