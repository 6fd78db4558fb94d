import type { TensorProgram } from '../program/ast';
import { fromCoo } from '../tensor/storage';
import { acc, decl, gcnProgram, mul, stmt, un } from '../fusion/__fixtures__/build';
import { fullSegmentation, layerSegmentation, segmentationToGroups, unfusedSegmentation } from '../fusion';
import { estimateCost, estimateStatement, existence, paretoPrune, statsFromData, statsFromManifest, tensorStat } from './index';

describe('estimateStatement', () => {
  const mm: TensorProgram = {
    name: 'mm',
    tensors: { A: decl('A', [2, 3], 'input'), B: decl('B', [3, 4], 'input'), C: decl('C', [2, 4], 'output') },
    statements: [stmt('s', 'C', 'ij', mul(acc('A', 'ik'), acc('B', 'kj')))],
    outputs: ['C'],
  };

  it('counts a dense Gustavson matmul exactly: 24 products + 24 accumulates, B re-read per row', () => {
    const c = estimateStatement(mm.statements[0], mm, {});
    expect(c.loopOrder).toEqual(['i', 'k', 'j']);
    expect(c.flops).toBe(48);
    expect(c.readBytes).toBe((6 + 24) * 4); // A once per (i,k); B once per (i,k,j)
    expect(c.writeBytes).toBe(8 * 4);
    expect(c.outputNnz).toBe(8);
  });

  it('counts sparse work from the data: only stored coordinates are iterated', () => {
    const p: TensorProgram = { ...mm, tensors: { ...mm.tensors, A: decl('A', [2, 3], 'input', 'dcsr') } };
    // A has 2 stored entries: (0,1) and (1,2).
    const A = fromCoo([2, 3], [Int32Array.from([0, 1]), Int32Array.from([1, 2])], Float64Array.from([1, 2]), p.tensors.A.format);
    const stats = statsFromData(p, { A });
    expect(stats.A).toEqual({ shape: [2, 3], nnz: 2, levelFibers: [2, 2], modeNonEmpty: [2, 2] });
    const c = estimateStatement(p.statements[0], p, stats);
    expect(c.flops).toBeCloseTo(2 * 4 * 2, 9); // 2 stored A entries x 4 columns x (mul + add)
  });
});

describe('tensorStat / statsFromManifest', () => {
  it('counts fibers per level, dense levels count every coordinate', () => {
    const fmt = decl('A', [4, 5], 'input', 'csr').format;
    const A = fromCoo([4, 5], [Int32Array.from([0, 0, 3]), Int32Array.from([1, 4, 4])], Float64Array.from([1, 1, 1]), fmt);
    expect(tensorStat(A)).toEqual({ shape: [4, 5], nnz: 3, levelFibers: [4, 3], modeNonEmpty: [4, 2] });
  });
  it('takes density or nnz and rejects out-of-range values naming the tensor', () => {
    const p = gcnProgram();
    expect(statsFromManifest(p, { A: { density: 0.2 } }).A.nnz).toBeCloseTo(5, 9);
    expect(() => statsFromManifest(p, { A: { nnz: 26 } })).toThrow(/stats.A: give 'density' in \[0,1\] or 'nnz' in \[0,25\]/);
    expect(() => statsFromManifest(p, { Q: { nnz: 1 } })).toThrow(/unknown tensor 'Q'/);
  });
  it('existence is stable for huge trial counts', () => {
    expect(existence(1e-12, 1e12)).toBeCloseTo(1 - Math.exp(-1), 9);
    expect(existence(0.5, 2)).toBeCloseTo(0.75, 12);
  });
});

describe('estimateCost over fusion configurations', () => {
  it('fusing a producer into a consumer that iterates another variable recomputes it (exact, dense)', () => {
    // T(k,j) = relu(B(k,j)); Y(i,j) = A(i,k) T(k,j): fused, relu fires per (i,k,j) instead of per (k,j).
    const p: TensorProgram = {
      name: 'rc',
      tensors: {
        A: decl('A', [3, 4], 'input'),
        B: decl('B', [4, 5], 'input'),
        T: decl('T', [4, 5], 'intermediate'),
        Y: decl('Y', [3, 5], 'output'),
      },
      statements: [stmt('s0', 'T', 'kj', un('relu', acc('B', 'kj'))), stmt('s1', 'Y', 'ij', mul(acc('A', 'ik'), acc('T', 'kj')))],
      outputs: ['Y'],
    };
    const unf = estimateCost(p, {});
    const fused = estimateCost({ ...p, groups: [{ name: 'g', statements: ['s0', 's1'] }] }, {});
    expect(unf.perGroup.map((g) => g.flops)).toEqual([20, 120]);
    expect(fused.flops).toBe(60 + 120); // relu per (i,k,j) + mul + add
    // unfused writes T (20 words) and reads it back per (i,k,j) (60 words); fused reads B 60 times instead.
    expect(unf.bytes).toBe((20 + 20) * 4 + (12 + 60 + 15) * 4);
    expect(fused.bytes).toBe((12 + 60 + 15) * 4);
  });

  it('GCN at Cora scale: full fusion blows FLOPs up, per-layer fusion saves bytes at equal FLOPs', () => {
    const p = gcnProgram(2708, 1433, 16, 7);
    const stats = statsFromManifest(p, { A: { nnz: 10556 }, W1: { density: 0.4 }, W2: { density: 0.4 } });
    const at = (segs: string[][]) => estimateCost({ ...p, groups: segmentationToGroups(p, segs) }, stats);
    const unf = at(unfusedSegmentation(p));
    const part = at(layerSegmentation(p));
    const full = at(fullSegmentation(p));
    expect(part.perGroup).toHaveLength(2);
    expect(full.flops / unf.flops).toBeGreaterThan(3); // ~ average degree (10556/2708 = 3.9)
    expect(Math.abs(part.flops / unf.flops - 1)).toBeLessThan(0.05);
    expect(part.bytes).toBeLessThan(unf.bytes);
    expect(full.bytes).toBeGreaterThan(unf.bytes);
    expect(paretoPrune([{ n: 'unf', ...unf }, { n: 'part', ...part }, { n: 'full', ...full }]).map((x) => x.n)).toEqual(['part']);
  });
});

describe('paretoPrune', () => {
  it('keeps exactly the non-dominated candidates, in input order', () => {
    const c = [
      { id: 'a', flops: 10, bytes: 5 },
      { id: 'b', flops: 5, bytes: 10 },
      { id: 'c', flops: 10, bytes: 10 },
      { id: 'd', flops: 5, bytes: 10 },
      { id: 'e', flops: 4, bytes: 20 },
    ];
    expect(paretoPrune(c).map((x) => x.id)).toEqual(['a', 'b', 'd', 'e']);
  });
});
