import { FuseFlowError } from './index';

describe('FuseFlowError', () => {
  it('keeps code, path and suggestion', () => {
    const e = new FuseFlowError('FF_PLUGIN_NOT_FOUND', 'no plugin "fusio"', { path: '/passes/0/use', suggestion: 'fusion' });
    expect(e.code).toBe('FF_PLUGIN_NOT_FOUND');
    expect(e.path).toBe('/passes/0/use');
    expect(e.suggestion).toBe('fusion');
  });
});
