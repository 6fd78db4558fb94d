import { errorOf } from '@fuseflow/kernel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readTensorFile } from './tensor-file';
import { readMatrixMarket } from './matrix-market';
import { parseGenerator } from '../generators/spec';

const dir = mkdtempSync(join(tmpdir(), 'ff-nonfinite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const coordinate = (v: string) => `%%MatrixMarket matrix coordinate real general\n% a comment\n2 2 2\n1 1 1.5\n2 2 ${v}\n`;
const array = (v: string) => `%%MatrixMarket matrix array real general\n2 1\n${v}\n3\n`;

describe('non-finite input values: one policy for every reader', () => {
  const bad = ['NaN', 'nan', '-nan', 'Inf', '-Inf', 'inf', 'Infinity', '-infinity', '1e999', '-1e999'];

  it.each(bad)('MatrixMarket (.mtx, coordinate and array, .mtx.gz) refuses %s, naming the file, line and value', (v) => {
    const plain = join(dir, `c-${bad.indexOf(v)}.mtx`);
    writeFileSync(plain, coordinate(v));
    const gz = join(dir, `g-${bad.indexOf(v)}.mtx.gz`);
    writeFileSync(gz, gzipSync(coordinate(v)));
    const arr = join(dir, `a-${bad.indexOf(v)}.mtx`);
    writeFileSync(arr, array(v));
    for (const [file, line] of [[plain, 5], [gz, 5], [arr, 3]] as const) {
      const e = errorOf(() => readTensorFile(file));
      expect(e.code).toBe('FF_INPUT_INVALID');
      expect(e.message).toBe(`${file}: line ${line}: value '${v}' is not a finite number`);
    }
  });

  it('MatrixMarket integer field: a literal too long for a double is refused too', () => {
    const e = errorOf(() => readMatrixMarket(`%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 ${'9'.repeat(400)}\n`, undefined, 'T', 'i.mtx'));
    expect(e.code).toBe('FF_INPUT_INVALID');
    expect(e.message).toMatch(/^i\.mtx: line 3: value '9{400}' is not a finite number$/);
  });

  it('finite values, including large and tiny ones, still read exactly', () => {
    const t = readMatrixMarket(coordinate('-1.7e308'), undefined, 'T');
    expect(Array.from(t.vals)).toEqual([1.5, -1.7e308]);
    expect(Array.from(readMatrixMarket(array('5e-324'), undefined, 'T').vals)).toEqual([5e-324, 3]);
    // a word that is no number at all keeps its own message
    expect(errorOf(() => readMatrixMarket(coordinate('abc'), undefined, 'T', 'w.mtx')).message).toBe("w.mtx: line 5: expected a real value, found 'abc'");
  });

  it('generator specs (--gen) take finite numbers only', () => {
    for (const [spec, word] of [['dense:4:range=0,1e999', '1e999'], ['dense:4:normal=NaN', 'NaN'], ['uniform:4x4:Infinity', 'Infinity'], ['blocksparse:8x8:2:-Inf', '-Inf']]) {
      const e = errorOf(() => parseGenerator(spec));
      expect(e.code).toBe('FF_INPUT_INVALID');
      expect(e.message).toContain(`'${word}' is not a number`);
    }
  });

  it('JSON tensor files (.json, .json.gz; dense data and coords/vals) refuse 1e999 (JSON has no NaN/Inf literal)', () => {
    const cases: Array<[string, string, string]> = [
      ['d.json', '{"shape":[2,2],"data":[[1,2],[3,1e999]]}', 'data entry 3 (row-major)'],
      ['f.json', '{"shape":[3],"data":[1,-1e999,0]}', 'data entry 1 (row-major)'],
      ['s.json', '{"shape":[2,2],"coords":[[0,1],[0,1]],"vals":[2,-1e999]}', 'vals[1]'],
    ];
    for (const [name, text, entry] of cases) {
      for (const gz of [false, true]) {
        const file = join(dir, gz ? `${name}.gz` : name);
        writeFileSync(file, gz ? gzipSync(text) : text);
        const e = errorOf(() => readTensorFile(file));
        expect(e.code).toBe('FF_INPUT_INVALID');
        expect(e.message).toBe(`${file}: ${entry}: value '${entry.startsWith('vals') || name === 'f.json' ? '-Infinity' : 'Infinity'}' is not a finite number`);
      }
    }
  });
});
