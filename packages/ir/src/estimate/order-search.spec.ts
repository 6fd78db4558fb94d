import { parseStatement } from '../program/parse';
import { rowSoftmaxProgram } from '../program/examples';
import { checkLoopOrder, enumerateLoopOrders, inlineGroup } from '../fusion';
import { estimateStatement, isStreamableOrder, searchLoopOrder } from './index';

// A fused row softmax (the attention kernel's core). Order #0 iterates the output column j outside
// the row statistics, so max and sum are recomputed for every output element.
const program = rowSoftmaxProgram(64);
const stmt = inlineGroup(program, program.groups![0]);
const score = (order: string[]) => {
  const c = estimateStatement(stmt, program, {}, order);
  return c.flops + 0.25 * (c.readBytes + c.writeBytes);
};

describe('searchLoopOrder', () => {
  const all = enumerateLoopOrders(stmt, program);
  const optimum = Math.min(...all.map(score));

  it('scores every order when there are few and returns the exact optimum', () => {
    const r = searchLoopOrder(stmt, program, {}, { maxEstimate: all.length });
    expect(r.exhaustive).toBe(true);
    expect(r.evaluated).toBe(all.length);
    expect(r.score).toBe(optimum);
    expect(score(r.order)).toBe(optimum);
    expect(r.firstOrderScore).toBe(score(all[0]));
    // the statistics placed before the output column make order #0 far worse
    expect(r.firstOrderScore / r.score).toBeGreaterThan(10);
  });

  it('reaches the optimum by hill climbing from a small sample, scoring fewer orders than exist', () => {
    const r = searchLoopOrder(stmt, program, {}, { maxEstimate: 3, climbFrom: 2 });
    expect(r.exhaustive).toBe(false);
    expect(r.evaluated).toBeLessThan(all.length);
    expect(r.score).toBe(optimum);
    expect(() => checkLoopOrder(stmt, program, r.order)).not.toThrow();
  });
});

describe('isStreamableOrder', () => {
  // ((A·B)·C): the inner sum over k is computed inside the loops above k and spans i and l
  const chain = parseStatement('X(i,m) = sum(l, sum(k, A(i,k) * B(k,l)) * C(l,m))');

  it('accepts orders that nest every reduction inside its context', () => {
    expect(isStreamableOrder(chain, ['i', 'k', 'l', 'm'])).toBe(true);
    expect(isStreamableOrder(chain, ['i', 'l', 'k', 'm'])).toBe(true);
    expect(isStreamableOrder(chain, ['i', 'm', 'k', 'l'])).toBe(true);
  });

  it('rejects an enclosing index placed between a reduced index and a deeper index of the reduction', () => {
    // m sits inside the sum over k but above l, which the sum needs: its stream would be re-nested
    expect(isStreamableOrder(chain, ['i', 'k', 'm', 'l'])).toBe(false);
  });
});
