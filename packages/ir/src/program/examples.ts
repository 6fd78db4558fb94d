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

/**
 * The unfused 2-layer GCN Z = A relu(A X W1) W2, one statement per op (adj1, lin1, relu1, adj2,
 * lin2), sparse adjacency and weights, dense features: the fusion tests' and benches' GCN.
 */
export function gcnProgram(n: number, f: number, h: number, c: number): TensorProgram {
  return parseProgram(`
program gcn
tensor A(${n},${n}): dcsr input
tensor X(${n},${f}): dense input
tensor W1(${f},${h}): dcsr input
tensor W2(${h},${c}): dcsr input
tensor T1(${n},${f}): dense intermediate
tensor T2(${n},${h}): dense intermediate
tensor H1(${n},${h}): dense intermediate
tensor T3(${n},${h}): dense intermediate
tensor Z(${n},${c}): dense output
adj1: T1(i,f) = A(i,k) * X(k,f)
lin1: T2(i,h) = T1(i,f) * W1(f,h)
relu1: H1(i,h) = relu(T2(i,h))
adj2: T3(i,h) = A(i,k) * H1(k,h)
lin2: Z(i,c) = T3(i,h) * W2(h,c)
`);
}

/**
 * The 2-layer GCN with a bias, Z = A relu(A X W1 + b1) W2 (statements s0..s4), with sparse
 * features and sparse intermediates: the lowering tests' and benches' GCN.
 */
export function gcnBiasProgram(n: number, f: number, h: number, c: number): TensorProgram {
  return parseProgram(`
program gcn
tensor A(${n},${n}): dcsr input
tensor X(${n},${f}): dcsr input
tensor W1(${f},${h}): dense input
tensor b1(${h}): dense input
tensor W2(${h},${c}): dense input
tensor T1(${n},${f}): dcsr intermediate
tensor T2(${n},${h}): dcsr intermediate
tensor H(${n},${h}): dcsr intermediate
tensor T3(${n},${h}): dcsr intermediate
tensor Z(${n},${c}): dcsr output
s0: T1(i,f) = A(i,k) * X(k,f)
s1: T2(i,h) = T1(i,f) * W1(f,h)
s2: H(i,h) = relu(T2(i,h) + b1(h))
s3: T3(i,h) = A(i,k) * H(k,h)
s4: Z(i,c) = T3(i,h) * W2(h,c)
`);
}

/**
 * The reference's Figure 17 kernel Y = (A*B)*C fused into one group g0 (s0: T = A*B, s1: Y = T*C),
 * A (i x k) and T (i x j) dcsr; B, C and Y in the given formats.
 */
export function nestedMatmulProgram(
  [i, k, j, l]: [number, number, number, number],
  formats: { B: string; C: string; Y: string } = { B: 'dcsc', C: 'dcsc', Y: 'dense' },
): TensorProgram {
  return parseProgram(`
program nested
tensor A(${i},${k}): dcsr input
tensor B(${k},${j}): ${formats.B} input
tensor C(${j},${l}): ${formats.C} input
tensor T(${i},${j}): dcsr intermediate
tensor Y(${i},${l}): ${formats.Y} output
s0: T(i,j) = A(i,k) * B(k,j)
s1: Y(i,l) = T(i,j) * C(j,l)
group g0 = s0, s1
`);
}
