import { errorOf, FuseFlowError } from './errors';

describe('errorOf', () => {
  it('returns the thrown error with its FuseFlowError fields', () => {
    const e = errorOf(() => {
      throw new FuseFlowError('FF_INPUT_INVALID', 'bad x', { path: '/x', suggestion: 'did you mean "y"?' });
    });
    expect([e.code, e.message, e.path, e.suggestion]).toEqual(['FF_INPUT_INVALID', 'bad x', '/x', 'did you mean "y"?']);
    expect(errorOf(() => JSON.parse('{')).code).toBeUndefined();
  });

  it('fails when nothing is thrown or the code differs, naming what was expected', () => {
    expect(() => errorOf(() => 1)).toThrow('expected an error, but the call returned normally');
    expect(() => errorOf(() => 1, 'FF_X')).toThrow('expected FF_X, but the call returned normally');
    expect(() =>
      errorOf(() => {
        throw new FuseFlowError('FF_OPTIONS_INVALID', 'opt');
      }, 'FF_INPUT_INVALID'),
    ).toThrow('expected FF_INPUT_INVALID, got FF_OPTIONS_INVALID: opt');
  });
});
