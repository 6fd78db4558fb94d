import { fromDense, gpt3TailProgram, type TensorProgram } from '@fuseflow/ir';
import { FuseFlowError } from '@fuseflow/kernel';
import { lowerProgram } from './lower';
import { checkGraph, randomData } from './__fixtures__/kernels';

/**
 * The GPT-3 layer's tail with several heads (examples/gpt3, statement names as the PyTorch
 * frontend imports them): per-head attention output O(h,i,d) from its own group, then the
 * out-projection summed over heads and head dim (a two-level reduction), residual, LN2 (row
 * reductions over d_model) and the ReLU FFN + residual as ONE fused group.
 */
function tail(oFormat: string): TensorProgram {
  return gpt3TailProgram({
    seq: 3,
    dModel: 4,
    heads: 2,
    headDim: 2,
    ffn: 4,
    attentionFormat: oFormat,
    ffnWeightFormat: 'dcsr',
    names: { matmul_4: 'O', matmul_5: 'm5', sum_1: 's1', add_4: 'a4', ln2_mean: 'mean', ln2_centre: 'cen', ln2_var: 'var', ln2_norm: 'ln', matmul_6: 'm6', relu_t: 'r', matmul_7: 'm7', add_6: 'f', add_7: 'y' },
    groups: true,
  });
}

describe('multi-head GPT-3 tail (out-projection + LN2 + FFN) as one fused group', () => {
  it('head-major attention output: the head sum must sit above the sequence index, and no such order streams: refused naming the group', () => {
    let err: unknown;
    try {
      lowerProgram(tail('ddd'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FuseFlowError);
    expect((err as FuseFlowError).code).toBe('FF_INPUT_INVALID');
    // either the head sum's (i,j) result meets the residual at 'i' or a reduction cannot be re-nested
    expect((err as FuseFlowError).message).toMatch(/group 'g1'.*(multi-level result cannot be co-iterated|cannot be re-nested)/);
  });

  it('sequence-major attention output (i,h,d): the whole tail is one graph, values and points equal the reference', () => {
    const p = tail('ddd:1,0,2');
    const graphs = lowerProgram(p);
    // one graph per group: the attention product and the whole tail
    expect(graphs.map((g) => g.group)).toEqual(['g0', 'g1']);
    expect(graphs[1].output.tensor).toBe('y');
    // the tail reads the attention output sequence-major and iterates the sequence index outermost
    const scans = graphs[1].nodes.filter((n) => n.kind === 'level_scan' && n.attrs.tensor === 'O');
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.every((n) => n.attrs.level !== 0 || n.attrs.mode === 1)).toBe(true);
    for (const seed of [1, 2]) {
      const data = randomData(p, seed, 0.6);
      for (const g of graphs) {
        const r = checkGraph(g, p, data);
        if (!r.ok) throw new Error(`seed ${seed}, group ${g.group}: ${r.message}`);
        expect(r.aluOps).toBeGreaterThan(0);
      }
    }
  });

  it('an FFN weight column without entries: m6 is dense, so relu(m6 + b1) is relu(b1) there, fused as unfused', () => {
    const p = tail('ddd:1,0,2');
    const data = randomData(p, 3, 0.6);
    // W1 (4 x 4) with column 2 empty: m6(:,2) = 0 is stored (dense), the inlined sum has no term
    data.W1 = fromDense([4, 4], [1, -2, 0, 3, 2, 1, 0, -1, -3, 2, 0, 1, 1, 1, 0, 2], p.tensors.W1.format, 'W1');
    for (const g of lowerProgram(p)) {
      const r = checkGraph(g, p, data);
      if (!r.ok) throw new Error(`group ${g.group}: ${r.message}`);
    }
  });
});
