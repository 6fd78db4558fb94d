import { parseProgram } from './parse';
import type { TensorProgram } from './ast';

/**
 * Row softmax of an n x n matrix as the PyTorch frontend decomposes it (max, exp(x - max), sum,
 * divide), fused into one group `g0` without a loop order: the smallest program on which loop order
 * #0 recomputes row statistics per element, used by loop-order tests and benches across packages.
 */
export function rowSoftmaxProgram(n: number, format = 'dcsr'): TensorProgram {
  return parseProgram(`program softmax
tensor S(${n},${n}): ${format} input
tensor M(${n}): dense intermediate
tensor E(${n},${n}): ${format} intermediate
tensor Z(${n}): dense intermediate
tensor P(${n},${n}): ${format} output
m: M(i) = max(j, S(i,j))
x: E(i,j) = exp(S(i,j) - M(i))
z: Z(i) = sum(j, E(i,j))
p: P(i,j) = E(i,j) / Z(i)
group g0 = m, x, z, p`);
}
