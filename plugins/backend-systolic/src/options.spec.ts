import { accelConfig, resolveOptions } from './options';

function err(f: () => unknown): { code?: string; message: string; path?: string } {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string; path?: string };
  }
  throw new Error('expected an error');
}

describe('options', () => {
  it('fills defaults and derives the mask buffer', () => {
    const o = resolveOptions({ model: 'accelbench' });
    expect(o.arrayHeight).toBe(32);
    expect(accelConfig(o).maskBufferMB).toBe(0.018);
  });

  it('rejects a zero-size array through the schema, naming the key', () => {
    const e = err(() => resolveOptions({ arrayHeight: 0 }));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toMatch(/arrayHeight must be >= 1/);
    expect(e.path).toBe('/backend/options/arrayHeight');
  });

  it('rejects unknown keys and enum values', () => {
    expect(err(() => resolveOptions({ arrayHieght: 4 } as never)).message).toMatch(/unknown option 'arrayHieght'/);
    expect(err(() => resolveOptions({ dataflow: 'rs' } as never)).message).toMatch(/dataflow must be one of \["os","ws","is"\]/);
  });

  it('rejects a stationary SRAM smaller than one R x C fold tile', () => {
    // 128x128 OS: the ofmap SRAM must hold 16384 words; 8 KiB of 1-byte words is 8192.
    const e = err(() => resolveOptions({ arrayHeight: 128, arrayWidth: 128, dataflow: 'os', ofmapSramKB: 8 }));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toMatch(/ofmapSramKB = 8 KiB holds 8192 words, smaller than one tile: the OS stationary 128x128 fold tile needs 16384 words/);
    expect(e.path).toBe('/backend/options/ofmapSramKB');
    // the same SRAM is fine under WS, where the filter SRAM holds the stationary tile
    expect(() => resolveOptions({ arrayHeight: 128, arrayWidth: 128, dataflow: 'ws', ofmapSramKB: 8, filterSramKB: 16 })).not.toThrow();
  });

  it('rejects an unknown memory configuration for the memory type', () => {
    const e = err(() => resolveOptions({ memType: 'HBM', memConfig: 2 }));
    expect(e.message).toMatch(/memConfig 2 is not a HBM configuration \(valid: 1\.\.1: 1=\[banks 32, ranks 1, channels 4\]\)/);
    expect(() => resolveOptions({ memType: 'RRAM', memConfig: 6 })).not.toThrow();
    expect(err(() => resolveOptions({ memType: 'DRAM', memConfig: 5 })).message).toMatch(/valid: 1\.\.4/);
  });

  it('rejects a mask buffer smaller than the array needs', () => {
    const e = err(() => resolveOptions({ model: 'accelbench', maskBufferMB: 0.01 }));
    expect(e.message).toMatch(/mask buffer 0\.01 MB is smaller than one tile's sparsity mask: 0\.018 MB/);
  });
});
