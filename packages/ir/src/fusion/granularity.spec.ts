import { parseProgram } from '../program/parse';
import { cutAfterMultiUse, fullSegmentation, layerSegmentation } from './granularity';

// A GCN layer followed by a row softmax, as the PyTorch frontend emits it.
const program = parseProgram(`
program layer2
tensor A(6,6): dcsr input
tensor H(6,4): dense input
tensor W(4,3): dcsr input
tensor b(3): dense input
tensor T(6,4): dcsr intermediate
tensor Z(6,3): dense intermediate
tensor Zb(6,3): dense intermediate
tensor M(6): dense intermediate
tensor E(6,3): dense intermediate
tensor S(6): dense intermediate
tensor P(6,3): dense output
agg: T(i,j) = A(i,k) * H(k,j)
lin: Z(i,j) = T(i,k) * W(k,j)
bias: Zb(i,j) = Z(i,j) + b(j)
mx: M(i) = max(k, Zb(i,k))
ex: E(i,j) = exp(Zb(i,j) - M(i))
sm: S(i) = sum(k, E(i,k))
dv: P(i,j) = E(i,j) / S(i)
`);

describe('per-layer granularity', () => {
  it('cuts after every statement read twice inside its layer, so nothing is recomputed within a layer', () => {
    // Zb is read by mx and ex; E by sm and dv; M and S once each.
    expect(cutAfterMultiUse(program, [program.statements.map((s) => s.name)])).toEqual([
      ['agg', 'lin', 'bias'],
      ['mx', 'ex'],
      ['sm', 'dv'],
    ]);
    expect(layerSegmentation(program)).toEqual([['agg', 'lin', 'bias'], ['mx', 'ex'], ['sm', 'dv']]);
  });

  it('keeps the whole layer when asked, and full fusion never cuts for multiple reads', () => {
    expect(layerSegmentation(program, { cutMultiUse: false })).toEqual([program.statements.map((s) => s.name)]);
    expect(fullSegmentation(program)).toEqual([program.statements.map((s) => s.name)]);
  });
});
