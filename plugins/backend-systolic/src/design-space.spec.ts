import { SeededRandom } from '@fuseflow/ir';
import { AccelBenchDesignSpace, SystolicDesignSpace } from './design-space';
import { resolveOptions } from './options';

function rng(seed: number): () => number {
  const g = new SeededRandom(seed);
  return () => g.next();
}

describe('AccelBench design space', () => {
  const space = new AccelBenchDesignSpace({ clockMHz: 700, activationSparsity: 0.5, weightSparsity: 0.5 });

  it('has the grid size of codesign-reference 3.1 times 2 for Pif', () => {
    expect(space.size()).toBe(34978944 * 2);
  });

  it('samples valid configurations whose embeddings lie in bounds and decode to themselves', () => {
    const b = space.bounds();
    for (const c of space.sample(300, rng(1))) {
      expect(() => resolveOptions(c)).not.toThrow();
      const v = space.embed(c);
      expect(v).toHaveLength(13);
      v.forEach((x, i) => {
        expect(x).toBeGreaterThanOrEqual(b[i][0]);
        expect(x).toBeLessThanOrEqual(b[i][1]);
      });
      expect(space.key(space.decode(v))).toBe(space.key(c));
      expect(c.Pkx).toBe(c.Pky);
    }
  });

  it('samples 10,000 accelerators as BOSHCODE does (RANDOM_SAMPLE_ACCEL_DATASET): distinct, every grid value drawn, near-uniform', () => {
    const sample = space.sample(10000, rng(7));
    // 10^4 draws from 7.0e7 points: about 0.7 expected repeats
    expect(new Set(sample.map((c) => space.key(c))).size).toBeGreaterThanOrEqual(9995);
    const dims: Array<[string, readonly unknown[]]> = [['Pib', [1, 2, 3, 4]], ['Pif', [1, 16]], ['Pix', [1, 2, 3, 4, 5, 6, 7]], ['Pkx', [1, 3, 5, 7]], ['batch', [1, 32, 64, 128, 256, 512]], ['actBufferMB', [1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]], ['memType', ['RRAM', 'DRAM', 'HBM']]];
    for (const [d, values] of dims) {
      const counts = new Map<unknown, number>();
      for (const c of sample) counts.set(c[d], (counts.get(c[d]) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...values].sort());
      if (d === 'memType') continue; // (type, config) pairs are uniform, types are not: 6 RRAM, 4 DRAM, 1 HBM of 11
      for (const n of counts.values()) expect(Math.abs(n / (10000 / values.length) - 1)).toBeLessThan(0.15);
    }
  });

  it('is deterministic for a seed', () => {
    expect(space.sample(5, rng(3))).toEqual(space.sample(5, rng(3)));
  });

  it('decodes an arbitrary vector to the nearest valid configuration', () => {
    const c = space.decode([2.4, 9, 7.9, 0, 3.6, 2.2, 4.1, 40, 3.1, 30, 99, 3.7, 4]);
    expect(c).toMatchObject({ Pib: 2, Pif: 16, Pix: 7, Piy: 1, Pof: 4, Pkx: 3, Pky: 3, batch: 32, actBufferMB: 4, wgtBufferMB: 24, memType: 'HBM', memConfig: 1 });
    // mask is derived, not taken from the vector: 2*7*1*4*3*3*32 bits / 2^23 = 0.00192 -> 0.002.
    expect(c.maskBufferMB).toBe(0.002);
  });
});

describe('systolic design space', () => {
  const space = new SystolicDesignSpace({ wordBytes: 1, clockMHz: 700 });

  it('samples only configurations that pass the option checks (stationary tile fits)', () => {
    for (const c of space.sample(300, rng(2))) {
      expect(() => resolveOptions(c)).not.toThrow();
      expect(space.key(space.decode(space.embed(c)))).toBe(space.key(c));
    }
  });

  it('repairs a decoded configuration whose stationary SRAM is too small', () => {
    // 256x256 OS needs 65536 ofmap words = 64 KiB.
    const c = space.decode([256, 256, 0, 16, 16, 16, 8, 1, 2, 1, 16]);
    expect(c).toMatchObject({ arrayHeight: 256, arrayWidth: 256, dataflow: 'os', ofmapSramKB: 64, ifmapSramKB: 16 });
    expect(() => resolveOptions(c)).not.toThrow();
  });
});
