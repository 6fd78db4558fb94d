import { parseFormat } from '../tensor/format';
import { fromCoo, fromDense, toDense } from '../tensor/storage';
import { readMatrixMarket, writeMatrixMarket } from './matrix-market';

describe('writeMatrixMarket: vectors as N x 1', () => {
  it('a dense vector is the array layout N x 1, read back as the column', () => {
    const v = fromDense([4], [1.5, 0, -2, 3], parseFormat('dense', 1), 'y');
    const text = writeMatrixMarket(v);
    expect(text).toBe('%%MatrixMarket matrix array real general\n% tensor y\n4 1\n1.5\n0\n-2\n3\n');
    const back = readMatrixMarket(text);
    expect(back.shape).toEqual([4, 1]);
    expect(Array.from(toDense(back))).toEqual([1.5, 0, -2, 3]);
  });

  it('a sparse vector is the coordinate layout N x 1 with its stored entries, rows ascending', () => {
    const v = fromCoo([6], [[4, 1]], [7, -1], parseFormat('sparse', 1), 'y');
    const text = writeMatrixMarket(v, { comment: 'out' });
    expect(text).toBe('%%MatrixMarket matrix coordinate real general\n% out\n6 1 2\n2 1 -1\n5 1 7\n');
    expect(Array.from(toDense(readMatrixMarket(text)))).toEqual([0, -1, 0, 0, 7, 0]);
  });

  it('rank 0 and rank 3 are still refused', () => {
    expect(() => writeMatrixMarket(fromDense([2, 2, 2], new Array(8).fill(1), parseFormat('dense', 3)))).toThrow(/rank 3; MatrixMarket holds matrices \(rank 2\) and vectors/);
  });
});
