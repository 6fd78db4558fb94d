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

/** Options of gcn2LayerProgram; tensor formats default to dense. */
export interface GcnProgramOptions {
  /** nodes (rows of A and X). */
  n: number;
  /** input features. */
  f: number;
  /** hidden units. */
  h: number;
  /** classes. */
  c: number;
  /** program name (default 'gcn'). */
  name?: string;
  /**
   * Where each layer multiplies by the adjacency: 'aggregate-first' computes (A X) W1 and (A H) W2,
   * 'transform-first' A (X W1) and A (H W2); the second keeps the A products narrow (h, c columns).
   */
  order?: 'aggregate-first' | 'transform-first';
  /** adds a bias b1(h) inside the first ReLU. */
  bias?: boolean;
  /** the five statement names in program order (default s0..s4). */
  statements?: readonly [string, string, string, string, string];
  /** name of the hidden activation (default H). */
  hidden?: string;
  /** formats by tensor (A, X, W1, b1, W2, T1, T2, T3, Z and the hidden activation's name). */
  formats?: Readonly<Record<string, string>>;
}

/**
 * The 2-layer GCN Z = A relu(A X W1 [+ b1]) W2, one statement per op, in the given association,
 * names and formats: the one builder behind the fusion, lowering and simulation tests' and benches' GCNs.
 */
export function gcn2LayerProgram(o: GcnProgramOptions): TensorProgram {
  const { n, f, h, c } = o;
  const H = o.hidden ?? 'H';
  const [s0, s1, s2, s3, s4] = o.statements ?? ['s0', 's1', 's2', 's3', 's4'];
  const fmt = (t: string): string => o.formats?.[t] ?? 'dense';
  const decl = (t: string, shape: number[], role: string): string => `tensor ${t}(${shape.join(',')}): ${fmt(t)} ${role}`;
  const relu = `${s2}: ${H}(i,h) = relu(T2(i,h)${o.bias ? ' + b1(h)' : ''})`;
  const aggregateFirst = (o.order ?? 'aggregate-first') === 'aggregate-first';
  const body = aggregateFirst
    ? [`${s0}: T1(i,f) = A(i,k) * X(k,f)`, `${s1}: T2(i,h) = T1(i,f) * W1(f,h)`, relu, `${s3}: T3(i,h) = A(i,k) * ${H}(k,h)`, `${s4}: Z(i,c) = T3(i,h) * W2(h,c)`]
    : [`${s0}: T1(i,h) = X(i,f) * W1(f,h)`, `${s1}: T2(i,h) = A(i,k) * T1(k,h)`, relu, `${s3}: T3(i,c) = ${H}(i,h) * W2(h,c)`, `${s4}: Z(i,c) = A(i,k) * T3(k,c)`];
  return parseProgram(
    [
      `program ${o.name ?? 'gcn'}`,
      decl('A', [n, n], 'input'),
      decl('X', [n, f], 'input'),
      decl('W1', [f, h], 'input'),
      ...(o.bias ? [decl('b1', [h], 'input')] : []),
      decl('W2', [h, c], 'input'),
      decl('T1', [n, aggregateFirst ? f : h], 'intermediate'),
      decl('T2', [n, h], 'intermediate'),
      decl(H, [n, h], 'intermediate'),
      decl('T3', [n, aggregateFirst ? h : c], 'intermediate'),
      decl('Z', [n, c], 'output'),
      ...body,
    ].join('\n'),
  );
}

/**
 * The unfused 2-layer GCN Z = A relu(A X W1) W2, one statement per op (adj1, lin1, relu1, adj2,
 * lin2), sparse adjacency and weights, dense features: the fusion tests' and benches' GCN.
 */
export function gcnProgram(n: number, f: number, h: number, c: number): TensorProgram {
  return gcn2LayerProgram({ n, f, h, c, statements: ['adj1', 'lin1', 'relu1', 'adj2', 'lin2'], hidden: 'H1', formats: { A: 'dcsr', W1: 'dcsr', W2: 'dcsr' } });
}

/**
 * The 2-layer GCN with a bias, Z = A relu(A X W1 + b1) W2 (statements s0..s4), with sparse
 * features and sparse intermediates: the lowering tests' and benches' GCN.
 */
export function gcnBiasProgram(n: number, f: number, h: number, c: number): TensorProgram {
  const formats = Object.fromEntries(['A', 'X', 'T1', 'T2', 'H', 'T3', 'Z'].map((t) => [t, 'dcsr']));
  return gcn2LayerProgram({ n, f, h, c, bias: true, formats });
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

/** Options of maskedAttentionProgram. */
export interface MaskedAttentionOptions {
  /** sequence length (rows and columns of the mask M). */
  seq: number;
  /** head dimension (columns of Q, K, V and O). */
  dim: number;
  /** program name (default 'attention'). */
  name?: string;
  /** factor on the masked scores, e.g. 1/sqrt(dim) (default none). */
  scale?: number;
  /** the six statement names: scores, row max, exp, row sum, divide, P V (default qk, smax, sexp, ssum, sdiv, pv). */
  statements?: readonly [string, string, string, string, string, string];
}

/**
 * Masked attention of one head, S = M . (Q K^T) [* scale], P = row softmax of S over the stored
 * entries (max, exp(S - max), sum, divide), O = P V: the BigBird / sparse-attention program of
 * the lowering tests and the sampling bench. M, Q, K, V are declared in that order because seeded
 * default inputs are drawn in declaration order.
 */
export function maskedAttentionProgram(o: MaskedAttentionOptions): TensorProgram {
  const { seq, dim } = o;
  const [qk, mx, ex, sm, dv, pv] = o.statements ?? ['qk', 'smax', 'sexp', 'ssum', 'sdiv', 'pv'];
  return parseProgram(`program ${o.name ?? 'attention'}
tensor M(${seq},${seq}): dcsr input
tensor Q(${seq},${dim}): dense input
tensor K(${seq},${dim}): dense input
tensor V(${seq},${dim}): dense input
tensor S(${seq},${seq}): dcsr intermediate
tensor mx(${seq}): dense intermediate
tensor E(${seq},${seq}): dcsr intermediate
tensor den(${seq}): dense intermediate
tensor P(${seq},${seq}): dcsr intermediate
tensor O(${seq},${dim}): dense output
${qk}: S(i,j) = M(i,j) * Q(i,k) * K(j,k)${o.scale === undefined ? '' : ` * ${o.scale}`}
${mx}: mx(i) = max(j, S(i,j))
${ex}: E(i,j) = exp(S(i,j) - mx(i))
${sm}: den(i) = sum(j, E(i,j))
${dv}: P(i,j) = E(i,j) / den(i)
${pv}: O(i,d) = P(i,j) * V(j,d)`);
}

/** The statements of the GPT-3 layer's tail after the attention product, in program order. */
export const GPT3_TAIL_STATEMENTS = ['matmul_5', 'sum_1', 'add_4', 'ln2_mean', 'ln2_centre', 'ln2_var', 'ln2_norm', 'matmul_6', 'relu_t', 'matmul_7', 'add_6', 'add_7'] as const;

/** A statement of gpt3TailProgram: the attention product matmul_4 or one of GPT3_TAIL_STATEMENTS. */
export type Gpt3TailStatement = 'matmul_4' | (typeof GPT3_TAIL_STATEMENTS)[number];

/** Options of gpt3TailProgram. */
export interface Gpt3TailOptions {
  /** sequence length. */
  seq: number;
  /** d_model; the LayerNorm mean and variance scale by 1/dModel. */
  dModel: number;
  heads: number;
  headDim: number;
  /** FFN hidden width. */
  ffn: number;
  /** format of the per-head attention output O(h,i,d) (default dense; e.g. 'ddd:1,0,2' stores it sequence-major). */
  attentionFormat?: string;
  /** format of the FFN weights W1 and W2 (default dense). */
  ffnWeightFormat?: string;
  /** tensor name of each statement's result (default the statement's name; ln2_norm's is ln2). */
  names?: Partial<Record<Gpt3TailStatement, string>>;
  /** appends the split the artifact fuses: g0 = matmul_4, g1 = the whole tail. */
  groups?: boolean;
}

/**
 * The GPT-3 layer's multi-head tail (examples/gpt3, statement names as the PyTorch frontend
 * imports them): per-head attention output P V, out-projection summed over heads, residual, LN2,
 * ReLU FFN and residual. Inputs are declared in one fixed order because seeded data follows it.
 */
export function gpt3TailProgram(o: Gpt3TailOptions): TensorProgram {
  const { seq: S, dModel: D, heads: H, headDim: DH, ffn: F } = o;
  const t = (s: Gpt3TailStatement): string => o.names?.[s] ?? (s === 'ln2_norm' ? 'ln2' : s);
  const w = o.ffnWeightFormat ?? 'dense';
  const results: Array<[Gpt3TailStatement, number[], string]> = [
    ['matmul_4', [H, S, DH], o.attentionFormat ?? 'dense'],
    ['matmul_5', [H, S, D], 'dense'],
    ['sum_1', [S, D], 'dense'],
    ['add_4', [S, D], 'dense'],
    ['ln2_mean', [S], 'dense'],
    ['ln2_centre', [S, D], 'dense'],
    ['ln2_var', [S], 'dense'],
    ['ln2_norm', [S, D], 'dense'],
    ['matmul_6', [S, F], 'dense'],
    ['relu_t', [S, F], 'dense'],
    ['matmul_7', [S, D], 'dense'],
    ['add_6', [S, D], 'dense'],
    ['add_7', [S, D], 'dense'],
  ];
  const decls = results.map(([s, shape, format], k) => `tensor ${t(s)}(${shape.join(',')}): ${format} ${k === results.length - 1 ? 'output' : 'intermediate'}`);
  const groups = o.groups ? [`group g0 = matmul_4`, `group g1 = ${GPT3_TAIL_STATEMENTS.join(', ')}`] : [];
  return parseProgram(
    [
      'program gpt3_tail',
      `tensor P(${H},${S},${S}): dense input`,
      `tensor V(${H},${S},${DH}): dense input`,
      `tensor x(${S},${D}): dense input`,
      `tensor Wo(${H},${DH},${D}): dense input`,
      `tensor bo(${D}): dense input`,
      `tensor lw(${D}): dense input`,
      `tensor lb(${D}): dense input`,
      `tensor W1(${D},${F}): ${w} input`,
      `tensor b1(${F}): dense input`,
      `tensor W2(${F},${D}): ${w} input`,
      `tensor b2(${D}): dense input`,
      ...decls,
      `matmul_4: ${t('matmul_4')}(b,i,j) = P(b,i,k) * V(b,k,j)`,
      `matmul_5: ${t('matmul_5')}(b,i,j) = ${t('matmul_4')}(b,i,k) * Wo(b,k,j)`,
      `sum_1: ${t('sum_1')}(i,j) = sum(k, ${t('matmul_5')}(k,i,j))`,
      `add_4: ${t('add_4')}(i,j) = x(i,j) + ${t('sum_1')}(i,j) + bo(j)`,
      `ln2_mean: ${t('ln2_mean')}(i) = sum(k, ${t('add_4')}(i,k)) * ${1 / D}`,
      `ln2_centre: ${t('ln2_centre')}(i,j) = ${t('add_4')}(i,j) - ${t('ln2_mean')}(i)`,
      `ln2_var: ${t('ln2_var')}(i) = sum(k, square(${t('ln2_centre')}(i,k))) * ${1 / D}`,
      `ln2_norm: ${t('ln2_norm')}(i,j) = ${t('ln2_centre')}(i,j) * rsqrt(${t('ln2_var')}(i) + 0.00001) * lw(j) + lb(j)`,
      `matmul_6: ${t('matmul_6')}(i,j) = ${t('ln2_norm')}(i,k) * W1(k,j)`,
      `relu_t: ${t('relu_t')}(i,j) = relu(${t('matmul_6')}(i,j) + b1(j))`,
      `matmul_7: ${t('matmul_7')}(i,j) = ${t('relu_t')}(i,k) * W2(k,j)`,
      `add_6: ${t('add_6')}(i,j) = ${t('matmul_7')}(i,j) + b2(j)`,
      `add_7: ${t('add_7')}(i,j) = ${t('add_4')}(i,j) + ${t('add_6')}(i,j)`,
      ...groups,
    ].join('\n'),
  );
}

/** A one-statement kernel for programFromStatement: expression, formats and operand shapes by tensor. */
export interface TextbookKernel {
  name: string;
  expr: string;
  formats: Record<string, string>;
  shapes: Record<string, number[]>;
}

/**
 * The textbook sparse kernels (SpMV, SpMSpM in three format pairs, SpMM, SDDMM, element-wise add
 * and mul of 2 and 3, TTV, MTTKRP, row softmax, ReLU, bias + ReLU) as one-statement programs' parts.
 * Operand shapes follow one size n (n >= 6): non-square, so that a transposed or swapped index
 * fails on shapes instead of passing on a square case; the lowering specs use n = 6, the e2e ones 8.
 */
export function textbookKernels(n: number): TextbookKernel[] {
  const m = Math.floor(n / 2);
  const spmspm = { B: [n + 2, n], C: [n, n + 1] };
  const elementwise = { B: [n, n + 1] };
  const rows = { B: [n, n + 2] };
  return [
    { name: 'spmv', expr: 'y(i) = A(i,j) * x(j)', formats: { A: 'csr', x: 'dense' }, shapes: { A: [n + m, n + 1] } },
    { name: 'spmv-sparse-x', expr: 'y(i) = A(i,j) * x(j)', formats: { A: 'dcsr', x: 'sparse', y: 'sparse' }, shapes: { A: [n + m, n + 1] } },
    { name: 'spmspm', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'dcsr', C: 'dcsr', X: 'dcsr' }, shapes: spmspm },
    { name: 'spmspm-csr-csc', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'csc', X: 'dcsr' }, shapes: spmspm },
    // B column-major and C row-major: only the k-outermost (kij) orders stream both
    { name: 'spmspm-csc-csr', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csc', C: 'csr', X: 'dcsr' }, shapes: spmspm },
    { name: 'spmm-dense', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'dense', X: 'dcsr' }, shapes: { B: [n + 2, n], C: [n, 5] } },
    { name: 'sddmm', expr: 'X(i,j) = B(i,j) * C(i,k) * D(k,j)', formats: { B: 'dcsr', C: 'dense', D: 'dense', X: 'dcsr' }, shapes: { B: [n + 1, n], C: [n + 1, 4] } },
    { name: 'add2', expr: 'X(i,j) = B(i,j) + C(i,j)', formats: { B: 'dcsr', C: 'dcsr', X: 'dcsr' }, shapes: elementwise },
    { name: 'mul2', expr: 'X(i,j) = B(i,j) * C(i,j)', formats: { B: 'dcsr', C: 'csr', X: 'dcsr' }, shapes: elementwise },
    { name: 'add3', expr: 'X(i,j) = B(i,j) + C(i,j) + D(i,j)', formats: { B: 'dcsr', C: 'dcsr', D: 'csr', X: 'dcsr' }, shapes: elementwise },
    { name: 'mul3', expr: 'X(i,j) = B(i,j) * C(i,j) * D(i,j)', formats: { B: 'dcsr', C: 'dcsr', D: 'dcsr', X: 'dcsr' }, shapes: elementwise },
    { name: 'ttv', expr: 'X(i,j) = B(i,j,k) * c(k)', formats: { B: 'ccc', c: 'dense', X: 'dcsr' }, shapes: { B: [m + 1, m + 2, m + 3] } },
    { name: 'mttkrp', expr: 'X(i,j) = B(i,k,l) * C(k,j) * D(l,j)', formats: { B: 'ccc', C: 'dense', D: 'dense', X: 'dcsr' }, shapes: { B: [m + 1, m + 2, m], C: [m + 2, m + 1] } },
    { name: 'softmax', expr: 'X(i,j) = exp(B(i,j)) / sum(k, exp(B(i,k)))', formats: { B: 'dcsr', X: 'dcsr' }, shapes: rows },
    { name: 'relu', expr: 'X(i,j) = relu(B(i,j))', formats: { B: 'dcsr', X: 'dcsr' }, shapes: rows },
    { name: 'bias-relu', expr: 'X(i,j) = relu(B(i,k) * W(k,j) + b(j))', formats: { B: 'dcsr', W: 'dense', b: 'dense', X: 'dcsr' }, shapes: { B: [n, n - 1], W: [n - 1, n - 2] } },
  ];
}
