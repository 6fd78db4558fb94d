import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { errorOf } from '@fuseflow/kernel';

const inputErrorOf = (f: () => unknown) => errorOf(f, 'FF_INPUT_INVALID');
import { parseFormat } from '../tensor/format';
import { fromDense, toDense, tensorEquals } from '../tensor/storage';
import { readMatrixMarket, writeMatrixMarket } from './matrix-market';
import { parseTensorJson, readTensorFile, writeTensorFile } from './tensor-file';

describe('readMatrixMarket', () => {
  it('reads a general real coordinate file with comments and blank lines', () => {
    const t = readMatrixMarket(
      ['%%MatrixMarket matrix coordinate real general', '% a comment', '', '3 4 3', '1 1 1.5', '3 2 -2e-1', '2 4 7'].join('\n'),
    );
    expect(t.format).toEqual(parseFormat('dcsr', 2));
    expect(Array.from(toDense(t))).toEqual([1.5, 0, 0, 0, 0, 0, 0, 7, 0, -0.2, 0, 0]);
  });

  it('mirrors symmetric and skew-symmetric files and reads pattern / integer fields', () => {
    const sym = readMatrixMarket('%%MatrixMarket matrix coordinate integer symmetric\n3 3 3\n1 1 4\n3 1 2\n3 2 -1\n', 'csr');
    expect(Array.from(toDense(sym))).toEqual([4, 0, 2, 0, 0, -1, 2, -1, 0]);
    const skew = readMatrixMarket('%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3\n');
    expect(Array.from(toDense(skew))).toEqual([0, -3, 3, 0]);
    const pat = readMatrixMarket('%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n');
    expect(Array.from(toDense(pat))).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('reads array files column-major, including the symmetric packed triangle', () => {
    const a = readMatrixMarket('%%MatrixMarket matrix array real general\n2 3\n1\n4\n2\n5\n3\n6\n');
    expect(a.format).toEqual(parseFormat('dense', 2));
    expect(Array.from(toDense(a))).toEqual([1, 2, 3, 4, 5, 6]);
    const s = readMatrixMarket('%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n');
    expect(Array.from(toDense(s))).toEqual([1, 2, 2, 3]);
  });

  it.each([
    ['%%MatrixMarket tensor coordinate real general\n1 1 0\n', /line 1: expected object 'matrix', found 'tensor'/],
    ['%MatrixMarket matrix coordinate real general\n', /line 1: expected the header '%%MatrixMarket matrix/],
    ['%%MatrixMarket matrix coordinate complex general\n', /line 1: expected field 'real', 'integer' or 'pattern', found 'complex' \(complex matrices are not supported\)/],
    ['%%MatrixMarket matrix coordinate real general\n% c\n2 2\n', /line 3: expected the size line 'rows cols entries' \(3 integers\), found 2 word\(s\)/],
    ['%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n', /line 3: expected 2 entries, found only 1 before the end of the file/],
    ['%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n', /line 3: expected a row index in 1\.\.2, found 3/],
    ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 1\n', /line 3: expected a column index \(an integer\), found 'x'/],
    ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n', /line 3: expected a real value, found 'abc'/],
    ['%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n', /line 3: expected an integer value \(an integer\), found '1.5'/],
    ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n', /line 3: expected 'row col value' \(3 words\), found 2 word\(s\)/],
    ['%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 2 1\n', /line 3: expected a lower-triangle entry \(row >= column\)/],
    ['%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n', /line 2: expected a square matrix for symmetry 'symmetric', found 2 x 3/],
    ['%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 1\n1 1 1\n', /line 4: expected end of file after the declared entries/],
    ['%%MatrixMarket matrix array real general\n2 1\n1\n', /line 3: expected the value of element \(2, 1\), found end of file/],
    ['%%MatrixMarket matrix array pattern general\n1 1\n', /line 1: the 'pattern' field is only allowed with the 'coordinate' layout/],
  ])('reports malformed files with the line: %#', (text, msg) => {
    expect(inputErrorOf(() => readMatrixMarket(text as string, undefined, 'bad.mtx')).message).toMatch(
      new RegExp('^bad\\.mtx: ' + (msg as RegExp).source),
    );
  });
});

describe('writeMatrixMarket', () => {
  it('property: write then read gives the same matrix (coordinate and array layouts)', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
      .chain(([m, n]) =>
        fc.record({
          m: fc.constant(m),
          n: fc.constant(n),
          vals: fc.array(fc.oneof(fc.constant(0), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 })), {
            minLength: m * n,
            maxLength: m * n,
          }),
          fmt: fc.constantFrom('csr', 'csc', 'dcsr', 'coo', 'dense', 'bcsr-2'),
        }),
      );
    fc.assert(
      fc.property(arb, ({ m, n, vals, fmt }) => {
        const t = fromDense([m, n], vals, parseFormat(fmt, 2));
        const back = readMatrixMarket(writeMatrixMarket(t), fmt);
        expect(tensorEquals(back, t, 0, 0)).toBe(true);
        expect(Array.from(toDense(back))).toEqual(Array.from(toDense(t)));
      }),
      { seed: 5, numRuns: 100 },
    );
  });

  it('writes 1-based row-major coordinates with a comment header', () => {
    const t = fromDense([2, 2], [0, 2, 3, 0], parseFormat('csc', 2), 'B');
    expect(writeMatrixMarket(t)).toBe('%%MatrixMarket matrix coordinate real general\n% tensor B\n2 2 2\n1 2 2\n2 1 3\n');
    expect(writeMatrixMarket(t, { field: 'pattern', comment: '' })).toBe('%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n');
    // vectors are written N x 1 (vector-mtx.spec.ts); rank 3 has no MatrixMarket form
    expect(writeMatrixMarket(fromDense([2], [1, 2], parseFormat('dense', 1)))).toBe('%%MatrixMarket matrix array real general\n2 1\n1\n2\n');
    expect(() => writeMatrixMarket(fromDense([1, 1, 2], [1, 2], parseFormat('dense', 3)))).toThrow(/MatrixMarket holds matrices/);
  });
});

describe('tensor files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-ir-'));

  it('reads .mtx and the JSON forms, and writes both', () => {
    const mtx = join(dir, 'A.mtx');
    writeFileSync(mtx, '%%MatrixMarket matrix coordinate real general\n2 2 1\n2 1 5\n');
    const a = readTensorFile(mtx, 'csr');
    expect(a.name).toBe('A');
    expect(Array.from(toDense(a))).toEqual([0, 0, 5, 0]);
    const nested = join(dir, 'X.json');
    writeFileSync(nested, JSON.stringify({ shape: [2, 3], data: [[1, 0, 2], [0, 0, 3]] }));
    expect(Array.from(toDense(readTensorFile(nested)))).toEqual([1, 0, 2, 0, 0, 3]);
    const coo = parseTensorJson(JSON.stringify({ shape: [2, 2, 2], coords: [[1, 0, 1]], vals: [4] }));
    expect(Array.from(toDense(coo))).toEqual([0, 0, 0, 0, 0, 4, 0, 0]);
    const perMode = parseTensorJson(JSON.stringify({ shape: [3], format: 'dense', coords: [[2, 0]], vals: [1, 2] }));
    expect(Array.from(toDense(perMode))).toEqual([2, 0, 1]);
    for (const file of ['out.mtx', 'out.json']) {
      writeTensorFile(join(dir, file), a);
      expect(tensorEquals(readTensorFile(join(dir, file)), a, 0, 0)).toBe(true);
    }
  });

  it('explains bad files', () => {
    expect(() => readTensorFile(join(dir, 'missing.mtx'))).toThrow(/cannot read file .*missing\.mtx/);
    writeFileSync(join(dir, 'bad.txt'), '');
    expect(() => readTensorFile(join(dir, 'bad.txt'))).toThrow(/unknown extension '\.txt' \(expected \.mtx, \.json, \.mtx\.gz or \.json\.gz\)/);
    expect(() => parseTensorJson('{"shape":[2,2],"data":[[1,2],[3]]}', undefined, 'X')).toThrow(/X: data\[1\] should be an array of 2 entries/);
    expect(() => parseTensorJson('{"shape":[2]', undefined, 'X')).toThrow(/X: not valid JSON/);
    expect(() => parseTensorJson('{"shape":[2,2],"coords":[[0,1,1]],"vals":[1]}')).toThrow(/"coords" must be 2 arrays of 1 coordinates/);
  });
});

describe('gzipped tensor files (.mtx.gz)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-ir-gz-'));
  const good = '%%MatrixMarket matrix coordinate real general\n% a comment\n2 3 3\n1 1 1.5\n2 3 -2\n1 2 4\n';
  const gz = (file: string, text: string): string => {
    const p = join(dir, file);
    writeFileSync(p, gzipSync(Buffer.from(text)));
    return p;
  };

  it('reads them like the plain file, named without .mtx.gz', () => {
    const t = readTensorFile(gz('B.mtx.gz', good), 'dense');
    expect(t.name).toBe('B');
    expect(Array.from(toDense(t))).toEqual([1.5, 4, 0, 0, 0, -2]);
    const j = readTensorFile(gz('J.json.gz', '{"shape":[2],"data":[3,4]}'));
    expect(Array.from(toDense(j))).toEqual([3, 4]);
  });

  it('names the file for a truncated gzip stream and for a file that is not gzip', () => {
    const whole = gzipSync(Buffer.from(good));
    const cut = join(dir, 'cut.mtx.gz');
    writeFileSync(cut, whole.subarray(0, whole.length - 12));
    expect(inputErrorOf(() => readTensorFile(cut)).message).toBe(`${cut}: not a valid gzip file: the gzip stream ends early (truncated file)`);
    const plain = join(dir, 'plain.mtx.gz');
    writeFileSync(plain, good);
    expect(inputErrorOf(() => readTensorFile(plain)).message).toMatch(new RegExp(`^${plain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid gzip file: incorrect header check`));
  });

  it('names the file and line for a bad header, an entry out of range and a wrong entry count', () => {
    const header = gz('header.mtx.gz', good.replace('%%MatrixMarket matrix coordinate', '%%MatrixMarket matrix coordinat'));
    expect(inputErrorOf(() => readTensorFile(header)).message).toBe(`${header}: line 1: expected layout 'coordinate' or 'array', found 'coordinat'`);
    const noHeader = gz('noheader.mtx.gz', good.split('\n').slice(1).join('\n'));
    expect(inputErrorOf(() => readTensorFile(noHeader)).message).toMatch(new RegExp(`^${noHeader.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 1: expected the header '%%MatrixMarket`));
    const range = gz('range.mtx.gz', good.replace('2 3 -2', '2 4 -2'));
    expect(inputErrorOf(() => readTensorFile(range)).message).toBe(`${range}: line 5: expected a column index in 1..3, found 4`);
    const fewer = gz('fewer.mtx.gz', good.replace('2 3 3', '2 3 4'));
    expect(inputErrorOf(() => readTensorFile(fewer)).message).toBe(`${fewer}: line 6: expected 4 entries, found only 3 before the end of the file`);
    const more = gz('more.mtx.gz', good.replace('2 3 3', '2 3 2'));
    expect(inputErrorOf(() => readTensorFile(more)).message).toBe(`${more}: line 6: expected end of file after the declared entries, found '1 2 4'`);
  });
});
