import type { Expr, Statement, TensorDecl, TensorProgram } from '../program/ast';
import type { TensorBindings } from '../stages';
import { evaluateProgram } from '../program/evaluate';
import { fromDense, toDense } from '../tensor/storage';
import type { TensorFormat } from '../tensor/types';
import { estimateCost } from '../estimate';
import {
  checkLoopOrder,
  contiguousSegmentations,
  enumerateLoopOrders,
  fullSegmentation,
  fusedProgram,
  inlineGroup,
  layerSegmentation,
  segmentationToGroups,
  unfusedSegmentation,
} from './index';

/*
 * Metamorphic tests at the TensorProgram level: for random programs and data, every fusion
 * granularity (and every contiguous grouping) evaluates, per the reference evaluator, to the same
 * program outputs as the unfused program; every enumerated loop order is valid for the fused group.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const FORMATS: Record<string, TensorFormat> = {
  dense: { levels: ['dense', 'dense'], modeOrder: [0, 1] },
  csr: { levels: ['dense', 'compressed'], modeOrder: [0, 1] },
  dcsr: { levels: ['compressed', 'compressed'], modeOrder: [0, 1] },
  csc: { levels: ['dense', 'compressed'], modeOrder: [1, 0] },
};

const acc = (tensor: string, i: string, j: string): Expr => ({ kind: 'access', tensor, indices: [i, j] });

/**
 * A random chain of matrix statements over n x n tensors: matmuls, elementwise mul/add/sub/max,
 * zero-preserving unary ops and bias adds, each reading earlier results or inputs (sometimes twice,
 * so fusion must recompute).
 */
export function randomProgram(seed: number): TensorProgram {
  const r = rng(seed);
  const n = 2 + Math.floor(r() * 3);
  const tensors: Record<string, TensorDecl> = {};
  const inputs: string[] = [];
  for (let k = 0; k < 3; k++) {
    const name = `In${k}`;
    tensors[name] = { name, shape: [n, n], format: FORMATS[pick(r, ['dense', 'csr', 'dcsr'])], role: 'input' };
    inputs.push(name);
  }
  // A column-major input is only read as a matmul's right operand, so single statements stay
  // orderable; fusing it with row-major consumers can still create cycles (split by the granularity).
  tensors.Wc = { name: 'Wc', shape: [n, n], format: FORMATS.csc, role: 'input' };
  tensors.b = { name: 'b', shape: [n], format: { levels: ['dense'], modeOrder: [0] }, role: 'input' };
  const avail = [...inputs];
  const statements: Statement[] = [];
  const count = 2 + Math.floor(r() * 4);
  for (let s = 0; s < count; s++) {
    // prefer the latest result so programs are chains with some fan-out
    const x = r() < 0.7 && s > 0 ? avail[avail.length - 1] : pick(r, avail);
    const y = pick(r, avail);
    let rhs: Expr;
    const kind = pick(r, ['matmul', 'matmul', 'emul', 'add', 'sub', 'relu', 'bias', 'neg', 'max']);
    switch (kind) {
      case 'matmul':
        rhs = { kind: 'binary', op: 'mul', lhs: acc(x, 'i', 'k'), rhs: acc(r() < 0.3 ? 'Wc' : y, 'k', 'j') };
        break;
      case 'emul':
        rhs = { kind: 'binary', op: 'mul', lhs: acc(x, 'i', 'j'), rhs: acc(y, 'i', 'j') };
        break;
      case 'add':
      case 'sub':
      case 'max':
        rhs = { kind: 'binary', op: kind, lhs: acc(x, 'i', 'j'), rhs: acc(y, 'i', 'j') };
        break;
      case 'bias':
        rhs = { kind: 'binary', op: 'add', lhs: acc(x, 'i', 'j'), rhs: { kind: 'access', tensor: 'b', indices: ['j'] } };
        break;
      default:
        rhs = { kind: 'unary', op: kind as 'relu' | 'neg', arg: acc(x, 'i', 'j') };
    }
    const out = `T${s}`;
    const last = s === count - 1;
    // Streamed intermediates are all-compressed: then "stored" and "present" coincide, which is what
    // a fused (streaming) group computes. See the dense-intermediate test below for the difference.
    tensors[out] = { name: out, shape: [n, n], format: FORMATS[last ? 'dense' : 'dcsr'], role: last ? 'output' : 'intermediate' };
    statements.push({ name: `s${s}`, lhs: { tensor: out, indices: ['i', 'j'] }, rhs });
    avail.push(out);
  }
  const outputs = [`T${count - 1}`];
  // sometimes an intermediate is also a program output, so groups must keep it written
  if (count > 2 && r() < 0.3) {
    const extra = `T${Math.floor(r() * (count - 1))}`;
    outputs.push(extra);
    tensors[extra] = { ...tensors[extra], role: 'output' };
  }
  return { name: `rand${seed}`, tensors, statements, outputs };
}

export function randomData(p: TensorProgram, seed: number): TensorBindings {
  const r = rng(seed * 7919 + 1);
  const out: TensorBindings = {};
  for (const t of Object.values(p.tensors)) {
    if (t.role !== 'input') continue;
    const size = t.shape.reduce((a, b) => a * b, 1);
    const sparse = t.format.levels.includes('compressed');
    const vals = Array.from({ length: size }, () => (sparse && r() < 0.5 ? 0 : Math.round((r() * 4 - 2) * 4) / 4 || 0.5));
    out[t.name] = fromDense(t.shape, vals, t.format, t.name);
  }
  return out;
}

function expectSameOutputs(p: TensorProgram, fused: TensorProgram, data: TensorBindings, what: string): void {
  const ref = evaluateProgram(p, data);
  const got = evaluateProgram(fused, data);
  for (const o of p.outputs) {
    const a = Array.from(toDense(got[o]));
    const b = Array.from(toDense(ref[o]));
    const bad = a.findIndex((v, k) => Math.abs(v - b[k]) > 1e-9 * (1 + Math.abs(b[k])));
    if (bad >= 0) throw new Error(`${what}: output ${o} differs at ${bad}: fused ${a[bad]} vs unfused ${b[bad]}`);
  }
}

describe('metamorphic: fusion preserves values (reference evaluator)', () => {
  const seeds = Array.from({ length: 40 }, (_, k) => k + 1);

  it.each(seeds)('random program %i: unfused, partial, full and every contiguous grouping agree', (seed) => {
    const p = randomProgram(seed);
    const data = randomData(p, seed);
    const segs = [unfusedSegmentation(p), layerSegmentation(p), fullSegmentation(p), ...contiguousSegmentations(p)];
    for (const seg of segs) {
      const groups = segmentationToGroups(p, seg);
      const fused = fusedProgram({ ...p, groups });
      expectSameOutputs(p, fused, data, `${p.name} groups ${JSON.stringify(seg)}`);
      // every enumerated loop order of every fused group is accepted and estimable
      for (const g of groups) {
        const stmt = inlineGroup(p, g);
        const orders = enumerateLoopOrders(stmt, p, 50);
        expect(orders.length).toBeGreaterThan(0);
        for (const o of orders) expect(() => checkLoopOrder(stmt, p, o)).not.toThrow();
      }
      const cost = estimateCost({ ...p, groups }, {});
      expect(cost.flops).toBeGreaterThan(0);
    }
  });

  it('fused GCN with sparse data and an exp (non-zero-preserving) layer on a compressed intermediate', () => {
    const dcsr = FORMATS.dcsr;
    const n = 5;
    const p: TensorProgram = {
      name: 'gcnexp',
      tensors: {
        A: { name: 'A', shape: [n, n], format: dcsr, role: 'input' },
        X: { name: 'X', shape: [n, 3], format: FORMATS.dense, role: 'input' },
        T1: { name: 'T1', shape: [n, 3], format: dcsr, role: 'intermediate' },
        E: { name: 'E', shape: [n, 3], format: dcsr, role: 'intermediate' },
        Y: { name: 'Y', shape: [n, 3], format: FORMATS.dense, role: 'output' },
      },
      statements: [
        { name: 's0', lhs: { tensor: 'T1', indices: ['i', 'f'] }, rhs: { kind: 'binary', op: 'mul', lhs: acc('A', 'i', 'k'), rhs: acc('X', 'k', 'f') } },
        { name: 's1', lhs: { tensor: 'E', indices: ['i', 'f'] }, rhs: { kind: 'unary', op: 'exp', arg: acc('T1', 'i', 'f') } },
        { name: 's2', lhs: { tensor: 'Y', indices: ['i', 'f'] }, rhs: { kind: 'binary', op: 'mul', lhs: acc('A', 'i', 'k'), rhs: acc('E', 'k', 'f') } },
      ],
      outputs: ['Y'],
    };
    const A = fromDense([n, n], [0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0], dcsr);
    const X = fromDense([n, 3], Array.from({ length: n * 3 }, (_, k) => ((k * 7) % 5) / 4 - 0.5), FORMATS.dense);
    for (const seg of contiguousSegmentations(p)) {
      expectSameOutputs(p, fusedProgram({ ...p, groups: segmentationToGroups(p, seg) }), { A, X }, JSON.stringify(seg));
    }
  });

  it('streaming semantics: a DENSE-declared intermediate differs only at empty fibers feeding a broadcast add', () => {
    // T(i,j) = A(i,k) B(k,j) with row 1 of A empty; Y(i,j) = relu(T(i,j) + b(j)). Unfused, a dense T is
    // present everywhere, so row 1 of Y is relu(b). Fused, row 1 has no coordinates to stream: Y row 1 = 0.
    // With T declared DCSR both agree (the fused group computes the compressed-intermediate semantics).
    const build = (fmtT: TensorFormat): TensorProgram => ({
      name: 'bias',
      tensors: {
        A: { name: 'A', shape: [2, 2], format: FORMATS.dcsr, role: 'input' },
        B: { name: 'B', shape: [2, 2], format: FORMATS.dense, role: 'input' },
        b: { name: 'b', shape: [2], format: { levels: ['dense'], modeOrder: [0] }, role: 'input' },
        T: { name: 'T', shape: [2, 2], format: fmtT, role: 'intermediate' },
        Y: { name: 'Y', shape: [2, 2], format: FORMATS.dense, role: 'output' },
      },
      statements: [
        { name: 's0', lhs: { tensor: 'T', indices: ['i', 'j'] }, rhs: { kind: 'binary', op: 'mul', lhs: acc('A', 'i', 'k'), rhs: acc('B', 'k', 'j') } },
        {
          name: 's1',
          lhs: { tensor: 'Y', indices: ['i', 'j'] },
          rhs: { kind: 'unary', op: 'relu', arg: { kind: 'binary', op: 'add', lhs: acc('T', 'i', 'j'), rhs: { kind: 'access', tensor: 'b', indices: ['j'] } } },
        },
      ],
      outputs: ['Y'],
    });
    const data = {
      A: fromDense([2, 2], [1, 2, 0, 0], FORMATS.dcsr),
      B: fromDense([2, 2], [1, -1, 1, 1], FORMATS.dense),
      b: fromDense([2], [0.5, 0.25], { levels: ['dense'], modeOrder: [0] }),
    };
    const fuse = (p: TensorProgram) => fusedProgram({ ...p, groups: [{ name: 'g', statements: ['s0', 's1'] }] });
    const dense = build(FORMATS.dense);
    expect(Array.from(toDense(evaluateProgram(dense, data).Y))).toEqual([3.5, 1.25, 0.5, 0.25]);
    expect(Array.from(toDense(evaluateProgram(fuse(dense), data).Y))).toEqual([3.5, 1.25, 0, 0]);
    const sparse = build(FORMATS.dcsr);
    expect(Array.from(toDense(evaluateProgram(sparse, data).Y))).toEqual([3.5, 1.25, 0, 0]);
    expect(Array.from(toDense(evaluateProgram(fuse(sparse), data).Y))).toEqual([3.5, 1.25, 0, 0]);
  });
});
