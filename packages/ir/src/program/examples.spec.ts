import { randomInputs } from '../generators/program-inputs';
import { parseFormat } from '../tensor/format';
import { compareTensors, fromDense, toDense } from '../tensor/storage';
import { evaluateProgram } from './evaluate';
import { GPT3_TAIL_STATEMENTS, gcn2LayerProgram, gpt3TailProgram, maskedAttentionProgram, textbookKernels } from './examples';
import { programFromStatement } from './from-statement';
import { printStatement } from './print';

const dense = (shape: number[], values: number[], name: string) => fromDense(shape, values, parseFormat('dense', shape.length), name);

describe('gcn2LayerProgram', () => {
  // A = [[1,0],[1,1]], X = [2,-3]^T: A X = [2,-1]; relu(A X W1 + b1) zeroes the second node
  const inputs = { A: dense([2, 2], [1, 0, 1, 1], 'A'), X: dense([2, 1], [2, -3], 'X'), W1: dense([1, 1], [1], 'W1'), b1: dense([1], [0.5], 'b1'), W2: dense([1, 1], [2], 'W2') };

  it.each([
    ['aggregate-first', false, [4, 4]],
    ['aggregate-first', true, [5, 5]],
    ['transform-first', false, [4, 4]],
    ['transform-first', true, [5, 5]],
  ] as const)('%s, bias %s: Z = A relu(A X W1 [+ b1]) W2 = %j', (order, bias, z) => {
    const p = gcn2LayerProgram({ n: 2, f: 1, h: 1, c: 1, order, bias });
    expect(Array.from(toDense(evaluateProgram(p, inputs).Z))).toEqual(z);
  });

  it('both associations give the same Z on random data; the narrow side is where A multiplies', () => {
    const agg = gcn2LayerProgram({ n: 9, f: 5, h: 4, c: 3, bias: true, formats: { A: 'dcsr' } });
    const tr = gcn2LayerProgram({ n: 9, f: 5, h: 4, c: 3, bias: true, formats: { A: 'dcsr' }, order: 'transform-first' });
    expect([agg.tensors.T1.shape, agg.tensors.T3.shape]).toEqual([[9, 5], [9, 4]]);
    expect([tr.tensors.T1.shape, tr.tensors.T3.shape]).toEqual([[9, 4], [9, 3]]);
    const data = randomInputs(agg, 3, 0.4);
    const c = compareTensors(evaluateProgram(tr, data).Z, evaluateProgram(agg, data).Z, { rtol: 1e-12, atol: 1e-12 });
    expect(c.equal ? c.compared : c.message).toBe(27);
  });

  it('names the statements, the hidden activation and the formats as asked', () => {
    const p = gcn2LayerProgram({ n: 4, f: 3, h: 2, c: 2, name: 'g', statements: ['a', 'b', 'c', 'd', 'e'], hidden: 'H1', formats: { A: 'dcsr', H1: 'dcsr' }, order: 'transform-first' });
    expect(p.name).toBe('g');
    expect(p.statements.map(printStatement)).toEqual([
      'a: T1(i,h) = X(i,f) * W1(f,h)',
      'b: T2(i,h) = A(i,k) * T1(k,h)',
      'c: H1(i,h) = relu(T2(i,h))',
      'd: T3(i,c) = H1(i,h) * W2(h,c)',
      'e: Z(i,c) = A(i,k) * T3(k,c)',
    ]);
    expect(p.tensors.H1.format.levels).toEqual(['compressed', 'compressed']);
    expect(p.tensors.X.format.levels).toEqual(['dense', 'dense']);
  });
});

describe('maskedAttentionProgram', () => {
  it('O = softmax over the stored mask entries of scale * Q K^T, times V', () => {
    const [seq, dim, scale] = [3, 2, 0.5];
    const mask = [1, 0, 1, 0, 1, 1, 1, 0, 0];
    const q = [1, 2, -1, 0.5, 0, 1];
    const k = [0.5, -1, 2, 1, 1, 1];
    const v = [1, 0, 0, 1, 2, 3];
    const p = maskedAttentionProgram({ seq, dim, scale });
    const M = fromDense([seq, seq], mask, p.tensors.M.format, 'M');
    const got = toDense(evaluateProgram(p, { M, Q: dense([seq, dim], q, 'Q'), K: dense([seq, dim], k, 'K'), V: dense([seq, dim], v, 'V') }).O);
    for (let i = 0; i < seq; i++) {
      const js = [0, 1, 2].filter((j) => mask[i * seq + j] !== 0);
      const s = js.map((j) => scale * (q[i * dim] * k[j * dim] + q[i * dim + 1] * k[j * dim + 1]));
      const e = s.map((x) => Math.exp(x - Math.max(...s)));
      const z = e.reduce((a, b) => a + b, 0);
      for (let d = 0; d < dim; d++) expect(got[i * dim + d]).toBeCloseTo(js.reduce((a, j, n) => a + (e[n] / z) * v[j * dim + d], 0), 12);
    }
  });

  it('declares M, Q, K, V first (seeded defaults follow declaration order) and names the statements as asked', () => {
    const p = maskedAttentionProgram({ seq: 4, dim: 2, name: 'bigbird', statements: ['a', 'b', 'c', 'd', 'e', 'f'] });
    expect(p.name).toBe('bigbird');
    expect(Object.keys(p.tensors).slice(0, 4)).toEqual(['M', 'Q', 'K', 'V']);
    expect(p.statements.map((s) => s.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(printStatement(p.statements[0])).toBe('a: S(i,j) = M(i,j) * Q(i,k) * K(j,k)');
  });
});

describe('gpt3TailProgram', () => {
  const size = { seq: 3, dModel: 4, heads: 2, headDim: 2, ffn: 5 };

  it('LN2 normalises each row of the residual with 1/dModel: mean 0 and variance 1 before the affine', () => {
    const p = gpt3TailProgram(size);
    const data = { ...randomInputs(p, 7, 0.5), lw: dense([4], [1, 1, 1, 1], 'lw'), lb: dense([4], [0, 0, 0, 0], 'lb') };
    const ln = toDense(evaluateProgram(p, data).ln2);
    for (let i = 0; i < size.seq; i++) {
      const row = Array.from(ln.slice(i * 4, i * 4 + 4));
      const mean = row.reduce((a, b) => a + b, 0) / 4;
      expect(mean).toBeCloseTo(0, 9);
      expect(row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4).toBeCloseTo(1, 3);
    }
  });

  it('renamed results and sparse FFN weights compute the same output; groups split the attention product from the tail', () => {
    const names = { matmul_4: 'O', ln2_norm: 'ln', add_7: 'y' } as const;
    const p = gpt3TailProgram(size);
    const q = gpt3TailProgram({ ...size, names, ffnWeightFormat: 'dcsr', attentionFormat: 'ddd:1,0,2', groups: true });
    expect(q.tensors.O.format.modeOrder).toEqual([1, 0, 2]);
    expect(q.tensors.W1.format.levels).toEqual(['compressed', 'compressed']);
    expect(q.outputs).toEqual(['y']);
    expect(q.groups).toEqual([
      { name: 'g0', statements: ['matmul_4'] },
      { name: 'g1', statements: [...GPT3_TAIL_STATEMENTS] },
    ]);
    const data = randomInputs(p, 11, 0.5);
    const c = compareTensors(evaluateProgram(q, data).y, evaluateProgram(p, data).add_7, { rtol: 1e-12, atol: 1e-12 });
    expect(c.equal ? c.compared : c.message).toBe(12);
  });
});

describe('textbookKernels', () => {
  it.each([6, 8])('n = %i: every kernel builds with its shapes, non-square, names unique', (n) => {
    const ks = textbookKernels(n);
    expect(new Set(ks.map((k) => k.name)).size).toBe(ks.length);
    for (const k of ks) {
      const p = programFromStatement(k.expr, k.formats, k.shapes, { name: k.name });
      for (const [t, shape] of Object.entries(k.shapes)) expect(p.tensors[t].shape).toEqual(shape);
      expect(Object.values(k.shapes).every((s) => new Set(s).size === s.length)).toBe(true);
    }
  });

  it('the lowering specs (n = 6) and e2e specs (n = 8) sizes', () => {
    expect(textbookKernels(6).find((k) => k.name === 'spmspm')!.shapes).toEqual({ B: [8, 6], C: [6, 7] });
    expect(textbookKernels(8).find((k) => k.name === 'mttkrp')!.shapes).toEqual({ B: [5, 6, 4], C: [6, 5] });
  });
});
