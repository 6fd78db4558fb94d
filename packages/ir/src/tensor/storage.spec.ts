import fc from 'fast-check';
import { FuseFlowError } from '@fuseflow/kernel';
import { formatName, parseFormat } from './format';
import { compareTensors, convert, elementIndex, fromCoo, fromDense, nnz, storedCount, tensorEquals, toCoo, toDense } from './storage';
import type { TensorFormat } from './types';

const FC = { seed: 42, numRuns: 60 };

/** Every format spec that makes sense for a rank (named, explicit letters, permuted, blocked). */
function formatsFor(rank: number): string[] {
  const perms = (n: number): number[][] =>
    n === 0 ? [[]] : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
  const letterSets: string[] = [];
  const gen = (prefix: string): void => {
    if (prefix.length === rank) {
      letterSets.push(prefix);
      return;
    }
    for (const c of 'dcs') {
      if (c === 's' && (prefix.length === 0 || prefix.endsWith('d'))) continue;
      gen(prefix + c);
    }
  };
  gen('');
  const out = ['dense', 'coo'];
  for (const letters of letterSets) for (const p of perms(rank)) out.push(rank === 0 ? letters : `${letters}:${p.join(",")}`);
  if (rank === 2) out.push('csr', 'csc', 'dcsr', 'dcsc', 'bcsr-2', 'bcsr-3', 'bdcsr-2', 'bcsc-2', 'dc@2x3');
  if (rank === 1) out.push('sparse', 'd@3', 'c@2');
  if (rank === 3) out.push('cdc@2');
  return out;
}

/** Naive row-major dense array from COO lists, as an independent oracle. */
function denseOf(shape: number[], coords: number[][], vals: number[]): Float64Array {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let k = 0; k < vals.length; k++) {
    let lin = 0;
    for (let m = 0; m < shape.length; m++) lin = lin * shape[m] + coords[m][k];
    out[lin] += vals[k];
  }
  return out;
}

const arbTensor = fc
  .integer({ min: 1, max: 3 })
  .chain((rank) => fc.array(fc.integer({ min: 1, max: 5 }), { minLength: rank, maxLength: rank }))
  .chain((shape) => {
    const total = shape.reduce((a, b) => a * b, 1);
    return fc.record({
      shape: fc.constant(shape),
      dense: fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -9, max: 9 })), { minLength: total, maxLength: total }),
    });
  });

describe('parseFormat / formatName', () => {
  it('parses the named formats', () => {
    expect(parseFormat('csr', 2)).toEqual({ levels: ['dense', 'compressed'], modeOrder: [0, 1] });
    expect(parseFormat('CSC', 2)).toEqual({ levels: ['dense', 'compressed'], modeOrder: [1, 0] });
    expect(parseFormat('dcsr', 2)).toEqual({ levels: ['compressed', 'compressed'], modeOrder: [0, 1] });
    expect(parseFormat('dcsc', 2)).toEqual({ levels: ['compressed', 'compressed'], modeOrder: [1, 0] });
    expect(parseFormat('coo', 3)).toEqual({ levels: ['compressed', 'singleton', 'singleton'], modeOrder: [0, 1, 2] });
    expect(parseFormat('dense', 3)).toEqual({ levels: ['dense', 'dense', 'dense'], modeOrder: [0, 1, 2] });
    expect(parseFormat('sparse', 1)).toEqual({ levels: ['compressed'], modeOrder: [0] });
    expect(parseFormat('bcsr-16', 2)).toEqual({ levels: ['dense', 'compressed'], modeOrder: [0, 1], blockShape: [16, 16] });
    expect(parseFormat('cc:1,0', 2)).toEqual(parseFormat('dcsc', 2));
    expect(parseFormat('dcd:2,0,1', 3)).toEqual({ levels: ['dense', 'compressed', 'dense'], modeOrder: [2, 0, 1] });
  });

  it('formatName inverts parseFormat for every format of ranks 0-3', () => {
    for (let rank = 0; rank <= 3; rank++) {
      for (const spec of formatsFor(rank)) {
        const f = parseFormat(spec, rank);
        expect(parseFormat(formatName(f), rank)).toEqual(f);
      }
    }
    expect(formatName(parseFormat('dc:0,1', 2))).toBe('csr');
    expect(formatName(parseFormat('bcsr-32', 2))).toBe('bcsr-32');
  });

  it.each([
    ['csr', 3, /needs a rank-2 tensor/],
    ['blah', 2, /unknown tensor format 'blah'/],
    ['ddd', 2, /3 level letter\(s\) for a rank-2/],
    ['dc:0,0', 2, /not a permutation/],
    ['ds', 2, /singleton level 1 must follow a compressed/],
    ['bcsr-0', 2, /block size must be a positive integer/],
  ])('rejects %s (rank %d) with FF_INPUT_INVALID', (spec, rank, msg) => {
    let err: unknown;
    try {
      parseFormat(spec as string, rank as number);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FuseFlowError);
    expect((err as FuseFlowError).code).toBe('FF_INPUT_INVALID');
    expect((err as Error).message).toMatch(msg as RegExp);
  });
});

describe('fiber-tree storage', () => {
  it('stores the reference CSR/DCSR example exactly (fuseflow-reference 1.2)', () => {
    // B (3x4): row0 = {0:a, 2:b}, row1 empty, row2 = {1:c, 3:d}
    const coords = [[0, 0, 2, 2], [0, 2, 1, 3]];
    const dcsr = fromCoo([3, 4], coords, [1, 2, 3, 4], parseFormat('dcsr', 2));
    expect(Array.from(dcsr.levels[0].pos!)).toEqual([0, 2]);
    expect(Array.from(dcsr.levels[0].crd!)).toEqual([0, 2]);
    expect(Array.from(dcsr.levels[1].pos!)).toEqual([0, 2, 4]);
    expect(Array.from(dcsr.levels[1].crd!)).toEqual([0, 2, 1, 3]);
    expect(Array.from(dcsr.vals)).toEqual([1, 2, 3, 4]);
    const csr = fromCoo([3, 4], coords, [1, 2, 3, 4], parseFormat('csr', 2));
    expect(csr.levels[0]).toEqual({ format: 'dense', size: 3 });
    expect(Array.from(csr.levels[1].pos!)).toEqual([0, 2, 2, 4]);
    const csc = convert(csr, parseFormat('csc', 2));
    expect(Array.from(csc.levels[1].pos!)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(csc.levels[1].crd!)).toEqual([0, 2, 0, 2]);
    expect(Array.from(csc.vals)).toEqual([1, 3, 2, 4]);
    const coo = convert(csr, parseFormat('coo', 2));
    expect(Array.from(coo.levels[0].crd!)).toEqual([0, 0, 2, 2]);
    expect(Array.from(coo.levels[1].crd!)).toEqual([0, 2, 1, 3]);
  });

  it('stores blocked tiles row-major and pads partial edge tiles', () => {
    const dense = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 7];
    const t = fromDense([3, 5], dense, parseFormat('bcsr-2', 2));
    // Blocks: rows {0,1} x cols {0,1} holds 1; rows {2} x cols {0,1} nothing; (1,2) holds 5 at (2,1)? no:
    // element (2,1)=0; 5 sits at (2,1)? dense[11] = (2,1) -> block (1,0); 7 at (2,4) -> block (1,2).
    expect(t.levels[0]).toEqual({ format: 'dense', size: 2 });
    expect(Array.from(t.levels[1].pos!)).toEqual([0, 1, 3]);
    expect(Array.from(t.levels[1].crd!)).toEqual([0, 0, 2]);
    expect(Array.from(t.vals)).toEqual([1, 0, 0, 0, /* block (1,0) */ 0, 5, 0, 0, /* block (1,2) */ 7, 0, 0, 0]);
    expect(Array.from(toDense(t))).toEqual(dense);
    expect(nnz(t)).toBe(3);
    expect(storedCount(t)).toBe(4 + 2 + 1);
  });

  it('sums duplicates, keeps explicit zeros and sorts unsorted input', () => {
    const t = fromCoo([2, 3], [[1, 0, 1, 0], [2, 1, 2, 0]], [1, 0, 4, 2], parseFormat('dcsr', 2));
    const coo = toCoo(t);
    expect(Array.from(coo.coords[0])).toEqual([0, 0, 1]);
    expect(Array.from(coo.coords[1])).toEqual([0, 1, 2]);
    expect(Array.from(coo.vals)).toEqual([2, 0, 5]);
    expect(nnz(t)).toBe(2);
    expect(storedCount(t)).toBe(3);
    expect(toCoo(t, { dropZeros: true }).vals.length).toBe(2);
    expect(convert(t, parseFormat('csr', 2), { keepZeros: true }).vals.length).toBe(3);
    expect(convert(t, parseFormat('csr', 2)).vals.length).toBe(2);
  });

  it('handles rank 0 and rank 4', () => {
    const s = fromCoo([], [], [2, 3], parseFormat('dense', 0));
    expect(Array.from(toDense(s))).toEqual([5]);
    const dense = Array.from({ length: 2 * 3 * 2 * 2 }, (_, k) => (k % 5 === 0 ? 0 : k));
    for (const spec of ['dense', 'coo', 'cdcs:3,1,0,2', 'dccc:1,3,2,0', 'cccc@2']) {
      const t = fromDense([2, 3, 2, 2], dense, parseFormat(spec, 4));
      expect(Array.from(toDense(t))).toEqual(dense);
    }
  });

  it('rejects out-of-range coordinates and mismatched lengths', () => {
    expect(() => fromCoo([2, 2], [[0, 2], [0, 0]], [1, 1], parseFormat('csr', 2), 'A')).toThrow(
      /tensor A: coordinate 2 of entry 1 is out of range for mode 0 \(extent 2\)/,
    );
    expect(() => fromCoo([2, 2], [[0], [0, 1]], [1, 1], parseFormat('csr', 2))).toThrow(/mode 0 has 1 entries, expected 2/);
    expect(() => fromDense([2, 2], [1, 2, 3], parseFormat('csr', 2))).toThrow(/3 dense values given for shape \[2,2\]/);
  });

  it('property: any tensor through any format round-trips to the same dense values', () => {
    fc.assert(
      fc.property(arbTensor, ({ shape, dense }) => {
        for (const spec of formatsFor(shape.length)) {
          const f = parseFormat(spec, shape.length);
          const t = fromDense(shape, dense, f);
          expect(Array.from(toDense(t))).toEqual(dense);
          expect(nnz(t)).toBe(dense.filter((v) => v !== 0).length);
        }
      }),
      FC,
    );
  });

  it('property: conversions between any two formats preserve nnz and values', () => {
    fc.assert(
      fc.property(arbTensor, fc.nat(), fc.nat(), ({ shape, dense }, i, j) => {
        const specs = formatsFor(shape.length);
        const fa = parseFormat(specs[i % specs.length], shape.length);
        const fb = parseFormat(specs[j % specs.length], shape.length);
        const a = fromDense(shape, dense, fa);
        const b = convert(a, fb);
        expect(b.format).toEqual(fb);
        expect(nnz(b)).toBe(nnz(a));
        expect(Array.from(toDense(b))).toEqual(dense);
        expect(tensorEquals(a, b, 0, 0)).toBe(true);
      }),
      FC,
    );
  });

  it('property: fromCoo with duplicates equals a naive dense accumulation in every format', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          entries: fc.array(
            fc.tuple(fc.tuple(...shape.map((n) => fc.integer({ min: 0, max: n - 1 }))), fc.integer({ min: 1, max: 9 })),
            { maxLength: 20 },
          ),
        }),
      );
    fc.assert(
      fc.property(arb, ({ shape, entries }) => {
        const coords = shape.map((_, m) => entries.map((e) => e[0][m]));
        const vals = entries.map((e) => e[1]);
        const oracle = denseOf(shape, coords, vals);
        for (const spec of formatsFor(shape.length)) {
          const t = fromCoo(shape, coords, vals, parseFormat(spec, shape.length) as TensorFormat);
          expect(toDense(t)).toEqual(oracle);
        }
      }),
      FC,
    );
  });
});

describe('compareTensors', () => {
  it('reports the first mismatching coordinates and tolerances', () => {
    const e = fromDense([2, 3], [1, 0, 2, 0, 3, 0], parseFormat('csr', 2), 'Y');
    const a = fromDense([2, 3], [1, 0, 2.5, 0, 3, 1e-12], parseFormat('dense', 2), 'Ysim');
    const r = compareTensors(a, e, { rtol: 1e-6, atol: 1e-9 });
    expect(r.equal).toBe(false);
    expect(r.mismatchCount).toBe(1);
    expect(r.mismatches).toEqual([{ coords: [0, 2], actual: 2.5, expected: 2 }]);
    expect(r.maxAbsError).toBeCloseTo(0.5);
    expect(r.message).toMatch(/Ysim vs Y: 1 of \d+ element\(s\) differ.*\(0,2\) got 2.5 expected 2/);
    expect(compareTensors(a, e, { rtol: 0.3 }).equal).toBe(true);
    // Both sparse: only the union of the stored elements is visited.
    const s1 = fromCoo([100, 100], [[5, 7], [9, 3]], [1, 2], parseFormat('dcsr', 2), 'P');
    const s2 = fromCoo([100, 100], [[7, 50], [3, 50]], [2.5, 4], parseFormat('csc', 2), 'Q');
    const rs = compareTensors(s1, s2);
    expect(rs.compared).toBe(3);
    expect(rs.mismatches).toEqual([
      { coords: [5, 9], actual: 1, expected: 0 },
      { coords: [7, 3], actual: 2, expected: 2.5 },
      { coords: [50, 50], actual: 0, expected: 4 },
    ]);
    // checkStored: equal values but a different stored set (an explicit zero) is a mismatch.
    const z1 = fromCoo([2, 2], [[0, 1], [0, 1]], [3, 0], parseFormat('dcsr', 2), 'Z1');
    const z2 = fromCoo([2, 2], [[0], [0]], [3], parseFormat('csr', 2), 'Z2');
    expect(compareTensors(z1, z2).equal).toBe(true);
    const rz = compareTensors(z1, z2, { checkStored: true });
    expect(rz.equal).toBe(false);
    expect(rz.storedDiff).toEqual({ onlyActual: 1, onlyExpected: 0, first: [{ coords: [1, 1], storedIn: 'actual' }] });
    expect(rz.message).toMatch(/stored sets differ: 1 element\(s\) stored only in Z1, 0 only in Z2; first: \(1,1\) only in actual/);
    expect(compareTensors(z1, z1, { checkStored: true }).equal).toBe(true);
    const wrongShape = fromDense([3, 2], [1, 0, 2, 0, 3, 0], parseFormat('dense', 2));
    expect(compareTensors(wrongShape, e).reason).toMatch(/shape \[3,2\] differs from expected \[2,3\]/);
  });
});

describe('elementIndex', () => {
  it('flat arrays (dense enough) and the hash map give the same presence and values, stored zeros included', () => {
    // 4 x 5, 7 stored (>= 1 in 8): the flat-array path by default.
    const coords = [Int32Array.from([0, 0, 1, 2, 2, 3, 3]), Int32Array.from([0, 4, 2, 1, 3, 0, 4])];
    const vals = Float64Array.from([1.5, -2, 0, 3, 4.25, -1, 7]);
    const t = fromCoo([4, 5], coords, vals, parseFormat('dcsr', 2));
    const flat = elementIndex(t);
    const map = elementIndex(t, 0);
    expect(flat.allPresent).toBe(false);
    for (let lin = 0; lin < 20; lin++) {
      expect(flat.present(lin)).toBe(map.present(lin));
      expect(flat.value(lin)).toBe(map.value(lin));
    }
    expect(flat.present(1 * 5 + 2)).toBe(true); // a stored zero stays present
    expect(flat.present(1 * 5 + 3)).toBe(false);
    expect(flat.value(3 * 5 + 4)).toBe(7);
  });
});
