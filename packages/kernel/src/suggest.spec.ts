import { didYouMean, editDistance } from './suggest';

describe('didYouMean', () => {
  it('computes Levenshtein distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('fusion', 'fusion')).toBe(0);
  });
  it('suggests typos and abbreviations, not unrelated names', () => {
    expect(didYouMean('fusoin', ['parallelize', 'fusion', 'lower-sam'])).toBe('fusion');
    expect(didYouMean('opts', ['use', 'options', 'enabled'])).toBe('options');
    expect(didYouMean('systolic', ['rda-sim', 'dense-eval'])).toBeUndefined();
  });
});
