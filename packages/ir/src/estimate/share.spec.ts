import type { TensorProgram } from '../program/ast';
import { parseProgram } from '../program/parse';
import { inlineGroup } from '../fusion/groups';
import { estimateCost, estimateStatement, searchLoopOrder } from './index';

const SOFTMAX = `
program attn_softmax
tensor Q(16,8): dense input
tensor K(16,8): dense input
tensor S(16,16): dense intermediate
tensor mx(16): dense intermediate
tensor E(16,16): dense intermediate
tensor sm(16): dense intermediate
tensor Y(16,16): dense output
scores: S(i,j) = Q(i,d) * K(j,d)
smax: mx(i) = max(k, S(i,k))
sexp: E(i,j) = exp(S(i,j) - mx(i))
ssum: sm(i) = sum(k, E(i,k))
sdiv: Y(i,j) = E(i,j) / sm(i)
`;

function fused(p: TensorProgram, mode: 'share' | 'recompute'): TensorProgram {
  const group = { name: 'g0', statements: p.statements.map((s) => s.name), intermediates: mode };
  const stmt = inlineGroup(p, group);
  const { order } = searchLoopOrder(stmt, p, {}, { intermediates: mode });
  return { ...p, groups: [{ ...group, loopOrder: order }] };
}

describe('estimator: shared intermediates', () => {
  const p = parseProgram(SOFTMAX);
  const unfused = estimateCost(p, {});

  it('a fused softmax that shares its scores does the unfused work (each value once)', () => {
    const share = estimateCost(fused(p, 'share'), {});
    // dense 16x16x8: scores 2*16*16*8, max 256, sub + exp 2*256, sum 256, div 256
    expect(unfused.flops).toBe(2 * 16 * 16 * 8 + 5 * 256);
    expect(share.flops).toBe(unfused.flops);
  });

  it('recomputing gives each of the scores four uses (numerator, its max, the sum and its max)', () => {
    const share = estimateCost(fused(p, 'share'), {});
    const recompute = estimateCost(fused(p, 'recompute'), {});
    const scores = 2 * 16 * 16 * 8;
    expect(recompute.flops).toBe(share.flops + 3 * scores + 256 + 2 * 256);
    expect(recompute.bytes).toBeGreaterThan(share.bytes);
  });

  it('a row statistic placed under the row loop is counted per element, not shared', () => {
    const q = fused(p, 'share');
    const stmt = inlineGroup(q, q.groups![0]);
    const best = estimateStatement(stmt, q, {}, q.groups![0].loopOrder);
    // output loops outermost: every statistic re-runs per (i, j)
    const vars = q.groups![0].loopOrder!;
    const outer = ['i', 'j', ...vars.filter((v) => v !== 'i' && v !== 'j')];
    const worst = estimateStatement(stmt, q, {}, outer);
    expect(worst.flops).toBeGreaterThan(best.flops * 8);
  });

  it('a copy whose loops come after a visible loop it does not use is counted again (LayerNorm mean under the variance)', () => {
    const ln = parseProgram(`program ln
tensor x(8,16): dense input
tensor mean(8): dense intermediate
tensor c(8,16): dense intermediate
tensor var(8): dense intermediate
tensor y(8,16): dense output
smean: mean(i) = sum(k, x(i,k)) * 0.0625
scent: c(i,j) = x(i,j) - mean(i)
svar: var(i) = sum(k, square(c(i,k))) * 0.0625
snorm: y(i,j) = c(i,j) * rsqrt(var(i) + 0.00001)`);
    const group = { name: 'g0', statements: ln.statements.map((s) => s.name) };
    const q = { ...ln, groups: [group] };
    const stmt = inlineGroup(q, group);
    // y = (x - sum(k, x)*c) * rsqrt(sum(k1, square(x(i,k1) - sum(k2, x(i,k2))*c))*c + eps)
    const good = estimateStatement(stmt, q, {}, ['i', 'k', 'k2', 'k1', 'j'], { intermediates: 'share' });
    // k2 after k1: the variance's copy of the mean runs once per k1 (the lowering's levels say so too)
    const nested = estimateStatement(stmt, q, {}, ['i', 'k', 'k1', 'k2', 'j'], { intermediates: 'share' });
    expect(nested.flops - good.flops).toBeGreaterThanOrEqual(8 * 16 * 16);
    expect(searchLoopOrder(stmt, q, {}, { intermediates: 'share' }).order).toEqual(['i', 'k', 'k2', 'k1', 'j']);
  });
});
