import { FuseFlowError } from '@fuseflow/kernel';
import { fromCoo, parseFormat, toDense, uniformRandom, type TensorBindings } from '@fuseflow/ir';
import * as K from './kernels';
import { simulateGraph, simulateModule } from './simulate';

const rnd = (shape: number[], density: number, seed: number, format = 'dcsr') =>
  uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

/** Runs a kernel on both engines: values checked by the reference evaluator, cycles equal. */
function check(k: K.Kernel, data: TensorBindings) {
  const fast = simulateModule(k.module(data), { engine: 'fast' });
  const ref = simulateModule(k.module(data), { engine: 'reference' });
  expect(fast.valuesChecked).toBe(true);
  expect(ref.valuesChecked).toBe(true);
  expect(ref.cycles).toBe(fast.cycles);
  expect(Array.from(toDense(Object.values(ref.outputs)[0]))).toEqual(Array.from(toDense(Object.values(fast.outputs)[0])));
  expect(fast.cycles).toBeGreaterThan(0);
  return fast;
}

describe('hand-wired kernels (values vs evaluateProgram, both engines)', () => {
  it('SpMV by hand: exact values', () => {
    // A = [[1,0,2],[0,0,0],[0,3,0]], x = [1,2,3] -> y = [7,0,6]
    const A = fromCoo([3, 3], [[0, 0, 2], [0, 2, 1]], [1, 2, 3], parseFormat('csr', 2));
    const x = fromCoo([3], [[0, 1, 2]], [1, 2, 3], parseFormat('dense', 1));
    const r = simulateGraph(K.spmv(3, 3).graph, { A, x });
    expect(Array.from(toDense(r.output))).toEqual([7, 0, 6]);
  });
  it.each([
    ['csr', 'dense'],
    ['dcsr', 'dense'],
    ['dcsr', 'sparse'],
  ])('SpMV A=%s x=%s', (fa, fx) => {
    check(K.spmv(20, 30, fa, fx), { A: rnd([20, 30], 0.2, 1, fa), x: rnd([30], fx === 'dense' ? 1 : 0.5, 2, fx) });
  });
  it.each([
    ['ijk', 'dcsr', 'dcsc'],
    ['ijk', 'csr', 'csc'],
    ['ikj', 'dcsr', 'dcsr'],
    ['ikj', 'csr', 'csr'],
    ['ikj', 'csr', 'dense'],
    ['kij', 'dcsc', 'dcsr'],
    ['kij', 'csc', 'csr'],
  ] as const)('SpMSpM %s B=%s C=%s', (order, fb, fc) => {
    check(K.spmspm(order, 12, 15, 10, fb, fc), { B: rnd([12, 15], 0.25, 3, fb), C: rnd([15, 10], 0.25, 4, fc) });
  });
  it('SpMSpM loop order matters for cycles (ikj vs kij on the same data)', () => {
    const B = rnd([30, 30], 0.1, 5);
    const C = rnd([30, 30], 0.1, 6);
    const ikj = simulateModule(K.spmspm('ikj', 30, 30, 30).module({ B, C }));
    const kij = simulateModule(K.spmspm('kij', 30, 30, 30).module({ B, C }));
    expect(ikj.valuesChecked && kij.valuesChecked).toBe(true);
    expect(ikj.cycles).not.toBe(kij.cycles);
  });
  it('cycles grow with nnz', () => {
    const cyc = [0.05, 0.2, 0.5].map((d) => simulateModule(K.spmspm('ikj', 20, 20, 20).module({ B: rnd([20, 20], d, 7), C: rnd([20, 20], d, 8) })).cycles);
    expect(cyc[1]).toBeGreaterThan(cyc[0]);
    expect(cyc[2]).toBeGreaterThan(cyc[1]);
  });
  it.each([
    ['add', 2],
    ['add', 3],
    ['mul', 2],
    ['mul', 3],
  ] as const)('element-wise %s with %i operands', (op, n) => {
    const fs = ['dcsr', 'csr', 'dcsr'];
    const data: TensorBindings = {};
    ['A', 'B', 'C'].slice(0, n).forEach((t, q) => (data[t] = rnd([10, 12], 0.3, 10 + q, fs[q])));
    check(K.elementwise(op, n, 10, 12, fs), data);
  });
  it('SDDMM', () => {
    check(K.sddmm(8, 9, 5), { S: rnd([8, 9], 0.3, 20, 'csr'), A: rnd([8, 5], 1, 21, 'dense'), B: rnd([5, 9], 1, 22, 'dense') });
  });
  it.each(['dense', 'sparse'])('TTV v=%s', (fv) => {
    check(K.ttv(5, 6, 7, fv), { A: rnd([5, 6, 7], 0.2, 30, 'ccc'), v: rnd([7], fv === 'dense' ? 1 : 0.5, 31, fv) });
  });
  it('MTTKRP', () => {
    check(K.mttkrp(4, 5, 6, 3), { A: rnd([4, 5, 6], 0.2, 40, 'ccc'), B: rnd([5, 3], 1, 41, 'dense'), C: rnd([6, 3], 1, 42, 'dense') });
  });
  it('row softmax', () => {
    check(K.softmax(7, 9), { A: rnd([7, 9], 0.4, 50) });
  });
  it('ReLU', () => {
    check(K.relu(7, 9), { A: rnd([7, 9], 0.4, 51) });
  });
  it('GCN layer (relu(A*H)) small', () => {
    check(K.gcnLayer(20, 4), { A: rnd([20, 20], 0.15, 52), H: rnd([20, 4], 1, 53, 'dense') });
  });
  it.each([2, 4])('parallel SpMV over %i lanes (fork/join): same values, fewer cycles', (lanes) => {
    const data = { A: rnd([40, 60], 0.3, 90, 'csr'), x: rnd([60], 1, 91, 'dense') };
    const par = check(K.spmvParallel(40, 60, lanes), data);
    const seq = simulateModule(K.spmv(40, 60).module(data));
    expect(par.cycles).toBeLessThan(seq.cycles);
    expect(par.cycles).toBeGreaterThan(seq.cycles / lanes / 2);
  });
  it('a wrong graph fails with FF_VALUE_MISMATCH naming the tensor', () => {
    const k = K.spmv(4, 4);
    const g = structuredClone(k.graph);
    const mul = g.nodes.find((n) => n.kind === 'alu')!;
    mul.attrs.alu = 'add';
    const data = { A: rnd([4, 4], 0.5, 60, 'csr'), x: rnd([4], 1, 61, 'dense') };
    expect(() => simulateModule({ ...k.module(data), graphs: [g] })).toThrow(expect.objectContaining({ code: 'FF_VALUE_MISMATCH' }));
    try {
      simulateModule({ ...k.module(data), graphs: [g] });
    } catch (e) {
      expect((e as FuseFlowError).message).toMatch(/output 'y'.*expected .* got/s);
    }
  });
});
