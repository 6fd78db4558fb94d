import fc from 'fast-check';
import { isFuseFlowError } from './errors';
import { formatPassPipeline, parsePassPipeline, type PassEntry } from './pass-pipeline';

describe('parsePassPipeline', () => {
  it('parses the manifest pass structure with typed option values', () => {
    expect(parsePassPipeline('fusion{granularity=full},parallelize{factor=4 level=i}')).toEqual([
      { use: 'fusion', options: { granularity: 'full' } },
      { use: 'parallelize', options: { factor: 4, level: 'i' } },
    ]);
  });

  it('types numbers, booleans, null, quoted strings, lists and dotted keys', () => {
    expect(parsePassPipeline(' lower-sam , blocking{size=16 ratio=-2.5e-1 on off=false n=null name="a b, c" sizes=[1, 2,3] dims=4,8 hbm.channels=8 hbm.gbps=1.5}, ./my/pass.js ')).toEqual([
      { use: 'lower-sam' },
      { use: 'blocking', options: { size: 16, ratio: -0.25, on: true, off: false, n: null, name: 'a b, c', sizes: [1, 2, 3], dims: [4, 8], hbm: { channels: 8, gbps: 1.5 } } },
      { use: './my/pass.js' },
    ]);
    expect(parsePassPipeline('')).toEqual([]);
    expect(parsePassPipeline('@acme/fuseflow-pass-x{}')).toEqual([{ use: '@acme/fuseflow-pass-x', options: {} }]);
  });

  it.each([
    ['fusion{granularity=full', "expected '}' closing the options of 'fusion' at position 23, found end of input"],
    ['fusion,,parallelize', 'expected a pass name at position 7'],
    ['fusion{=4}', 'expected an option name at position 7'],
    ['fusion{a=1 a=2}', "expected a unique option name (duplicate 'a') at position 11"],
    ['fusion{s="abc}', 'expected a closing " for the string opened at position 9'],
    ['fusion parallelize', "expected ',' between passes or end of input at position 7, found 'p'"],
    ['p{x=[1 2]}', "expected ',' or ']' in a list at position 7"],
  ])('reports %s with the character position', (text, msg) => {
    try {
      parsePassPipeline(text);
      throw new Error('expected a parse error');
    } catch (e) {
      expect(isFuseFlowError(e) && e.code).toBe('FF_MANIFEST_INVALID');
      expect((e as Error).message).toContain(msg);
      expect((e as Error).message).toContain(`\n  ${text}\n`);
    }
  });

  it('round-trips through formatPassPipeline (property)', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const scalar = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.string({ maxLength: 6 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
    const value = fc.oneof(scalar, fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 2, maxLength: 4 }));
    const entry = fc.record({ use: word, options: fc.option(fc.dictionary(word, value, { maxKeys: 4 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
        const norm: PassEntry[] = entries.map((e) => (e.options && Object.keys(e.options).length ? { use: e.use, options: e.options } : { use: e.use }));
        const parsed = parsePassPipeline(formatPassPipeline(norm)).map((e) => (e.options && Object.keys(e.options).length ? e : { use: e.use }));
        expect(parsed).toEqual(norm);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
