/*
 * Reduce placeholders. A `reduce` emits one value per stop token, and in the token format an empty
 * fiber above the innermost level ([] closed by S1) reads exactly like one coordinate over an empty
 * innermost fiber ([[]] closed by S0, merged into S1). So a reduce under an empty row emits an Empty
 * value that no coordinate has. Spaccs, joiners, repeats and binary ALUs drop it (they see a crd or
 * the other operand's stop); the value writer pairs by position only, so the lowering realigns the
 * writer's value against the innermost output crd with a one-input union when such fibers exist.
 * The tree interpreter models the placeholders, so these tests fail without the realignment.
 */
import { enumerateLoopOrders, fromCoo, inlineGroup, parseProgram, programFromStatement, toCoo, uniformRandom, type TensorBindings, type TensorProgram } from '@fuseflow/ir';
import { lowerStatement } from './lower';
import { checkGraph, randomData } from './__fixtures__/kernels';

const SHAPES = { S: [9, 8], A: [9, 4], B: [8, 4] };

/** random data with rows 0, 4 and 8 of S empty. */
function withEmptyRows(p: TensorProgram, seed: number): TensorBindings {
  const data = randomData(p, seed);
  const s = toCoo(uniformRandom({ shape: SHAPES.S, density: 0.4, seed: seed + 50, format: p.tensors.S.format, name: 'S' }));
  const keep = Array.from(s.vals, (_, q) => ![0, 4, 8].includes(s.coords[0][q]));
  const pick = (a: ArrayLike<number>) => Array.from(a).filter((_, q) => keep[q]);
  data.S = fromCoo(SHAPES.S, s.coords.map(pick), pick(s.vals), p.tensors.S.format, 'S');
  return data;
}

const realigners = (g: ReturnType<typeof lowerStatement>) => g.nodes.filter((n) => n.kind === 'union' && n.label.startsWith('realign_')).length;

describe('reduce placeholders under empty fibers', () => {
  it('SDDMM with a csr S in order ijk: values match and the writer value is realigned once', () => {
    const p = programFromStatement('X(i,j) = S(i,j) * A(i,k) * B(j,k)', { S: 'csr', A: 'dense', B: 'dense', X: 'dcsr' }, SHAPES);
    const g = lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] });
    expect(realigners(g)).toBe(1);
    for (const seed of [1, 2, 3]) {
      const r = checkGraph(g, p, withEmptyRows(p, seed));
      expect(r.message).toBe('');
    }
  });

  it('dcsr S stores no empty row: no realignment node (the graph is unchanged)', () => {
    const p = programFromStatement('X(i,j) = S(i,j) * A(i,k) * B(j,k)', { S: 'dcsr', A: 'dense', B: 'dense', X: 'dcsr' }, SHAPES);
    const g = lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] });
    expect(realigners(g)).toBe(0);
    expect(checkGraph(g, p, withEmptyRows(p, 4)).message).toBe('');
  });

  it('a placeholder meeting S outside the sum is dropped by the ALU (no realignment needed)', () => {
    const p = programFromStatement('X(i,j) = S(i,j) * exp(sum(k, A(i,k) * B(j,k) * S(i,j)))', { S: 'csr', A: 'dense', B: 'dense', X: 'dcsr' }, SHAPES);
    const g = lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] });
    expect(realigners(g)).toBe(0);
    expect(checkGraph(g, p, withEmptyRows(p, 5)).message).toBe('');
  });

  it('an entirely empty operand gives an empty output', () => {
    const p = programFromStatement('y(i) = A(i,j) * x(j)', { A: 'dcsr', x: 'dense', y: 'sparse' }, { A: [6, 5] });
    const data = randomData(p, 1);
    data.A = fromCoo([6, 5], [[], []], [], p.tensors.A.format, 'A');
    expect(checkGraph(lowerStatement(p.statements[0], p), p, data).message).toBe('');
  });

  it('Figure 17 fused ((A*B)*C)*D: all 16 dataflow orders match (reduces feeding spaccs under empty fibers)', () => {
    const n = 16;
    const decl = (t: string, f: string, role: string) => `tensor ${t}(${n},${n}): ${f} ${role}`;
    const p = parseProgram(
      [
        'program nested_matmuls', decl('A', 'dcsr', 'input'), decl('B', 'dcsc', 'input'), decl('C', 'dcsr', 'input'), decl('D', 'dcsc', 'input'),
        decl('T', 'dcsr', 'intermediate'), decl('U', 'dcsr', 'intermediate'), decl('X', 'dense', 'output'),
        's0: T(i,k) = A(i,j) * B(j,k)', 's1: U(i,l) = T(i,k) * C(k,l)', 's2: X(i,m) = U(i,l) * D(l,m)', 'group g0 = s0, s1, s2',
      ].join('\n'),
    );
    const stmt = inlineGroup(p, p.groups![0]);
    const data: TensorBindings = {};
    ['A', 'B', 'C', 'D'].forEach((t, i) => (data[t] = uniformRandom({ shape: [n, n], density: 0.3, seed: i + 1, format: p.tensors[t].format, name: t })));
    const orders = enumerateLoopOrders(stmt, p);
    expect(orders).toHaveLength(16);
    for (const order of orders) {
      const r = checkGraph(lowerStatement(stmt, p, { loopOrder: order, group: 'g0' }), p, data);
      if (!r.ok) throw new Error(`order ${order.join('')}: ${r.message}`);
    }
  });
});
