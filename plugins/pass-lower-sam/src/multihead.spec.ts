import { fromDense, parseProgram, type TensorProgram } from '@fuseflow/ir';
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
  const [S, D, H, DH, F] = [3, 4, 2, 2, 4];
  return parseProgram(`
program gpt3_tail
tensor P(${H},${S},${S}): dense input
tensor V(${H},${S},${DH}): dense input
tensor x(${S},${D}): dense input
tensor Wo(${H},${DH},${D}): dense input
tensor bo(${D}): dense input
tensor lw(${D}): dense input
tensor lb(${D}): dense input
tensor W1(${D},${F}): dcsr input
tensor b1(${F}): dense input
tensor W2(${F},${D}): dcsr input
tensor b2(${D}): dense input
tensor O(${H},${S},${DH}): ${oFormat} intermediate
tensor m5(${H},${S},${D}): dense intermediate
tensor s1(${S},${D}): dense intermediate
tensor a4(${S},${D}): dense intermediate
tensor mean(${S}): dense intermediate
tensor cen(${S},${D}): dense intermediate
tensor var(${S}): dense intermediate
tensor ln(${S},${D}): dense intermediate
tensor m6(${S},${F}): dense intermediate
tensor r(${S},${F}): dense intermediate
tensor m7(${S},${D}): dense intermediate
tensor f(${S},${D}): dense intermediate
tensor y(${S},${D}): dense output
matmul_4: O(b,i,d) = P(b,i,j) * V(b,j,d)
matmul_5: m5(b,i,j) = O(b,i,k) * Wo(b,k,j)
sum_1: s1(i,j) = sum(k, m5(k,i,j))
add_4: a4(i,j) = x(i,j) + s1(i,j) + bo(j)
ln2_mean: mean(i) = sum(k, a4(i,k)) * 0.25
ln2_centre: cen(i,j) = a4(i,j) - mean(i)
ln2_var: var(i) = sum(k, square(cen(i,k))) * 0.25
ln2_norm: ln(i,j) = cen(i,j) * rsqrt(var(i) + 0.00001) * lw(j) + lb(j)
matmul_6: m6(i,j) = ln(i,k) * W1(k,j)
relu_t: r(i,j) = relu(m6(i,j) + b1(j))
matmul_7: m7(i,j) = r(i,k) * W2(k,j)
add_6: f(i,j) = m7(i,j) + b2(j)
add_7: y(i,j) = a4(i,j) + f(i,j)
group g0 = matmul_4
group g1 = matmul_5, sum_1, add_4, ln2_mean, ln2_centre, ln2_var, ln2_norm, matmul_6, relu_t, matmul_7, add_6, add_7
`);
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
