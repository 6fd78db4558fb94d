/*
 * A dense intermediate stores every point: M(i,j) = L(i,k) * W1(k,j) is 0 (not absent) at a column
 * of W1 without entries, so M + b1 is b1 there. Inlined into a fused group the sum has no term at
 * that column; the lowering must still treat it as present (union with b1), not let b1's smaller
 * index set follow M's presence.
 */
import { fromDense, parseProgram, type TensorBindings, type TensorProgram } from '@fuseflow/ir';
import { lowerProgram } from './lower';
import { checkGraph } from './__fixtures__/kernels';

const program = (mFormat: string, chain: boolean): string => `
program bias
tensor L(2,3): dcsr input
tensor W1(3,3): dcsr input
tensor b1(3): dense input
tensor M(2,3): ${mFormat} intermediate
${chain ? 'tensor W2(3,2): dcsr input\ntensor R(2,3): dense intermediate\ntensor Y(2,2): dcsr output' : 'tensor R(2,3): dcsr output'}
s0: M(i,j) = L(i,k) * W1(k,j)
s1: R(i,j) = relu(M(i,j) + b1(j))
${chain ? 's2: Y(i,l) = R(i,j) * W2(j,l)' : ''}
`;

function data(p: TensorProgram): TensorBindings {
  const d: TensorBindings = {
    L: fromDense([2, 3], [1, 1, 1, 1, 1, 1], p.tensors.L.format, 'L'),
    // column 2 is empty: M(:,2) is 0 when M is dense and absent when M is sparse.
    W1: fromDense([3, 3], [1, 0, 0, 0, 2, 0, 3, 4, 0], p.tensors.W1.format, 'W1'),
    b1: fromDense([3], [10, 20, 30], p.tensors.b1.format, 'b1'),
  };
  // only row 2 of W2 is stored, so Y depends on the bias-only column
  if (p.tensors.W2) d.W2 = fromDense([3, 2], [0, 0, 0, 0, 5, 7], p.tensors.W2.format, 'W2');
  return d;
}

describe('fusing across an intermediate keeps its declared presence', () => {
  for (const [chain, mFormat] of [[false, 'dense'], [false, 'dcsr'], [true, 'dense']] as const) {
    it(`M ${mFormat}${chain ? ', then R · W2' : ''}, W1 with an empty column: unfused and fused equal the reference`, () => {
      const p = parseProgram(program(mFormat, chain));
      const names = p.statements.map((s) => s.name);
      for (const groups of [names.map((n) => [n]), [names]]) {
        const q = { ...p, groups: groups.map((s, i) => ({ name: `g${i}`, statements: s })) };
        const graphs = lowerProgram(q);
        expect(graphs).toHaveLength(groups.length);
        for (const g of graphs) expect(checkGraph(g, q, data(q)).message).toBe('');
      }
    });
  }

  it('an empty row of L too, when the bias is broadcast over the rows by a dense ones vector (as the PyTorch frontend writes it)', () => {
    const p = parseProgram(`
program bias_rows
tensor L(2,3): dcsr input
tensor W1(3,3): dcsr input
tensor b1(3): dense input
tensor ones(2): dense input
tensor M(2,3): dense intermediate
tensor R(2,3): dcsr output
s0: M(i,j) = L(i,k) * W1(k,j)
s1: R(i,j) = M(i,j) + b1(j) * ones(i)
`);
    const d = { ...data(p), L: fromDense([2, 3], [1, 1, 1, 0, 0, 0], p.tensors.L.format, 'L'), ones: fromDense([2], [1, 1], p.tensors.ones.format, 'ones') };
    for (const groups of [[['s0'], ['s1']], [['s0', 's1']]]) {
      const q = { ...p, groups: groups.map((s, i) => ({ name: `g${i}`, statements: s })) };
      for (const g of lowerProgram(q)) expect(checkGraph(g, q, d).message).toBe('');
    }
  });

  it('the fused add over a dense intermediate is a union, over a sparse one it follows M (left)', () => {
    for (const [mFormat, policy] of [['dense', 'union'], ['dcsr', 'left']]) {
      const p = parseProgram(program(mFormat, false));
      const [g] = lowerProgram({ ...p, groups: [{ name: 'g0', statements: ['s0', 's1'] }] });
      const adds = g.nodes.filter((n) => n.kind === 'alu' && n.attrs.alu === 'add');
      expect(adds.map((n) => n.attrs.empty)).toEqual([policy]);
    }
  });
});
