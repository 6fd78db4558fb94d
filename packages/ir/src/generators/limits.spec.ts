import { errorOf } from '@fuseflow/kernel';
import * as os from 'node:os';
import { parseFormat } from '../tensor/format';
import { readMatrixMarket } from '../io/matrix-market';
import { parseTensorJson } from '../io/tensor-file';
import { bigbirdMask, blockSparseWeights, denseRandom, powerLawGraph, uniformRandom } from './generators';
import { generateTensor } from './spec';
import { checkTensorBytes, defaultMaxTensorBytes, estimateTensorBytes } from './limits';

describe('tensor size limits', () => {
  it('the default is a quarter of the machine memory', () => {
    expect(defaultMaxTensorBytes()).toBe(Math.floor(os.totalmem() / 4));
  });

  it('estimates COO entries plus the dense value array for dense formats', () => {
    expect(estimateTensorBytes([10, 20], 5, parseFormat('dcsr', 2))).toBe(5 * 16);
    expect(estimateTensorBytes([10, 20], 200, parseFormat('dense', 2))).toBe(200 * 16 + 200 * 8);
    expect(estimateTensorBytes([7], 3, parseFormat('sparse', 1))).toBe(3 * 12);
  });

  it('a 1e9 x 1e9 uniform tensor (1e17 expected nonzeros) fails at once, naming the tensor and the bytes', () => {
    const t0 = process.cpuUsage();
    const e = errorOf(() => generateTensor('uniform:1000000000x1000000000:0.1', undefined, 'B'));
    const cpu = process.cpuUsage(t0);
    expect(e.code).toBe('FF_INPUT_TOO_LARGE');
    expect(e.message).toContain('tensor B');
    expect(e.message).toContain('1.000e+17 nonzeros');
    // 1e17 entries x (8 value + 2 x 4 coordinate bytes)
    expect(e.message).toContain('1.600e+18 bytes');
    expect(e.suggestion).toMatch(/--max-tensor-bytes/);
    // nothing was generated: well under a second of CPU
    expect((cpu.user + cpu.system) / 1e6).toBeLessThan(1);
  });

  it('a dense 1e9 x 1e9 tensor fails before allocating', () => {
    const e = errorOf(() => denseRandom({ shape: [1e9, 1e9], seed: 1, name: 'W' }));
    expect(e.code).toBe('FF_INPUT_TOO_LARGE');
    expect(e.message).toMatch(/tensor W: dense 1000000000x1000000000/);
    expect(e.message).toContain('2.400e+19 bytes');
  });

  it('every generator checks its estimate; an explicit maxBytes raises or lowers the limit', () => {
    // 64x64 at 0.5: 2048 entries x 16 bytes = 32768 bytes
    expect(errorOf(() => uniformRandom({ shape: [64, 64], density: 0.5, seed: 1, name: 'A', maxBytes: 32767 })).message).toContain('3.277e+4 bytes');
    expect(uniformRandom({ shape: [64, 64], density: 0.5, seed: 1, maxBytes: 32768 }).vals.length).toBe(2048);
    expect(errorOf(() => generateTensor('dense:64x64', undefined, 'D', { maxBytes: 1000 })).code).toBe('FF_INPUT_TOO_LARGE');
    expect(generateTensor('dense:64x64', undefined, 'D', { maxBytes: 64 * 64 * 24 }).vals.length).toBe(4096);
    expect(errorOf(() => blockSparseWeights({ shape: [1e9, 1e9], blockSize: 16, density: 0.5, seed: 1, name: 'W' })).code).toBe('FF_INPUT_TOO_LARGE');
    expect(errorOf(() => bigbirdMask({ seqLen: 1e8, blockSize: 64, seed: 1, name: 'M' })).code).toBe('FF_INPUT_TOO_LARGE');
    expect(errorOf(() => powerLawGraph({ nodes: 1e9, edges: 1e12, seed: 1, name: 'G' })).code).toBe('FF_INPUT_TOO_LARGE');
    expect(errorOf(() => generateTensor('powerlaw:1000:5000', undefined, 'G', { maxBytes: 100 })).message).toContain('tensor G: power-law graph with 1000 nodes and 5000 edges');
  });

  it('a file declaring a huge matrix (or one stored densely) fails on its size line', () => {
    const mtx = '%%MatrixMarket matrix coordinate real general\n1000000000 1000000000 1\n1 1 2.5\n';
    const e = errorOf(() => readMatrixMarket(mtx, 'dense', 'B', 'b.mtx'));
    expect(e.code).toBe('FF_INPUT_TOO_LARGE');
    expect(e.message).toContain('b.mtx (1000000000 x 1000000000, 1 entries, stored as dense)');
    // a 100000 x 100000 file is refused stored dense (8e10 value bytes), read stored sparse
    const mid = '%%MatrixMarket matrix coordinate real general\n100000 100000 1\n1 1 2.5\n';
    expect(errorOf(() => readMatrixMarket(mid, 'dense', 'B', 'm.mtx', { maxBytes: 1e10 })).code).toBe('FF_INPUT_TOO_LARGE');
    expect(readMatrixMarket(mid, 'dcsr', 'B', 'm.mtx', { maxBytes: 1e10 }).vals[0]).toBe(2.5);
    expect(errorOf(() => readMatrixMarket('%%MatrixMarket matrix coordinate real general\n10 10 2\n1 1 1\n2 2 2\n', undefined, 'B', 'x.mtx', { maxBytes: 31 })).code).toBe('FF_INPUT_TOO_LARGE');
    expect(errorOf(() => parseTensorJson('{"shape":[100000,100000],"coords":[[0],[0]],"vals":[1]}', 'dense', 'T', 't.json')).code).toBe('FF_INPUT_TOO_LARGE');
  });

  it('checkTensorBytes passes at the limit and fails just above it', () => {
    expect(() => checkTensorBytes('T', 100, 'x', 100)).not.toThrow();
    expect(errorOf(() => checkTensorBytes('T', 101, 'x', 100)).message).toBe('tensor T: x needs about 101 B (1.010e+2 bytes), over the limit of 100 B (100 bytes)');
  });
});
