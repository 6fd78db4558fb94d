import { derivedMaskMB } from './accelbench';
import { MEMORY_CONFIGS, MEMORY_TYPES, type MemoryType } from './constants';
import type { HardwareDesignSpace } from './deps';
import type { Dataflow } from './systolic';

/** Closest grid value to x (ties go to the smaller value). */
function nearest(grid: readonly number[], x: number): number {
  let best = grid[0];
  for (const g of grid) if (Math.abs(g - x) < Math.abs(best - x)) best = g;
  return best;
}

const pick = <T>(xs: readonly T[], random: () => number): T => xs[Math.min(xs.length - 1, Math.floor(random() * xs.length))];

/** All (memory type, config) pairs: AccelBench enumerates these 11 as one categorical choice. */
const MEMORY_PAIRS: Array<[MemoryType, number]> = MEMORY_TYPES.flatMap((t) => MEMORY_CONFIGS[t].map((_, i) => [t, i + 1] as [MemoryType, number]));

const num = (config: Record<string, unknown>, key: string): number => {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`design-space configuration: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
};

function memTypeOf(config: Record<string, unknown>): MemoryType {
  const t = config.memType;
  if (t === 'RRAM' || t === 'DRAM' || t === 'HBM') return t;
  throw new Error(`design-space configuration: memType must be RRAM, DRAM or HBM, got ${JSON.stringify(t)}`);
}

/** Snaps a (type code, config) pair to a valid memory organisation. */
function decodeMemory(typeCode: number, cfg: number): [MemoryType, number] {
  const type = MEMORY_TYPES[Math.min(2, Math.max(0, Math.round(typeCode) - 1))];
  const n = MEMORY_CONFIGS[type].length;
  return [type, Math.min(n, Math.max(1, Math.round(cfg)))];
}

/** AccelBench's grid (codesign-reference 3.1) with Pif in {1, 16} and Pkx = Pky tied. */
export const ACCELBENCH_GRID = {
  Pib: [1, 2, 3, 4],
  Pif: [1, 16],
  Pix: [1, 2, 3, 4, 5, 6, 7],
  Piy: [1, 2, 3, 4, 5, 6, 7],
  Pof: [1, 2, 3, 4],
  Pk: [1, 3, 5, 7],
  batch: [1, 32, 64, 128, 256, 512],
  bufferMB: [1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24],
} as const;

/**
 * The AccelBench accelerator space. Embedding (13 values, run.py `--embedding` order):
 * [Pib, Pif, Pix, Piy, Pof, Pkx, Pky, batch, actMB, wgtMB, maskMB, memType (1 RRAM, 2 DRAM, 3 HBM), memConfig].
 * Clock and sparsities are not searched: they come from the backend options (`fixed`).
 */
export class AccelBenchDesignSpace implements HardwareDesignSpace {
  readonly dimensions = ['Pib', 'Pif', 'Pix', 'Piy', 'Pof', 'Pkx', 'Pky', 'batch', 'actBufferMB', 'wgtBufferMB', 'maskBufferMB', 'memType', 'memConfig'];

  constructor(private readonly fixed: { clockMHz: number; activationSparsity: number; weightSparsity: number }) {}

  /** Number of configurations in the grid. */
  size(): number {
    const g = ACCELBENCH_GRID;
    return g.Pib.length * g.Pif.length * g.Pix.length * g.Piy.length * g.Pof.length * g.Pk.length * g.batch.length * g.bufferMB.length ** 2 * MEMORY_PAIRS.length;
  }

  sample(n: number, random: () => number): Record<string, unknown>[] {
    const g = ACCELBENCH_GRID;
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const pk = pick(g.Pk, random);
      const [memType, memConfig] = pick(MEMORY_PAIRS, random);
      out.push(
        this.complete({
          Pib: pick(g.Pib, random),
          Pif: pick(g.Pif, random),
          Pix: pick(g.Pix, random),
          Piy: pick(g.Piy, random),
          Pof: pick(g.Pof, random),
          Pkx: pk,
          Pky: pk,
          batch: pick(g.batch, random),
          actBufferMB: pick(g.bufferMB, random),
          wgtBufferMB: pick(g.bufferMB, random),
          memType,
          memConfig,
        }),
      );
    }
    return out;
  }

  private complete(c: Record<string, unknown>): Record<string, unknown> {
    const mask = derivedMaskMB(c as { Pib: number; Pix: number; Piy: number; Pof: number; Pkx: number; Pky: number });
    return { model: 'accelbench', ...c, maskBufferMB: mask, ...this.fixed };
  }

  embed(config: Record<string, unknown>): number[] {
    return [
      num(config, 'Pib'),
      num(config, 'Pif'),
      num(config, 'Pix'),
      num(config, 'Piy'),
      num(config, 'Pof'),
      num(config, 'Pkx'),
      num(config, 'Pky'),
      num(config, 'batch'),
      num(config, 'actBufferMB'),
      num(config, 'wgtBufferMB'),
      typeof config.maskBufferMB === 'number' ? config.maskBufferMB : derivedMaskMB(config as never),
      MEMORY_TYPES.indexOf(memTypeOf(config)) + 1,
      num(config, 'memConfig'),
    ];
  }

  bounds(): Array<[number, number]> {
    const g = ACCELBENCH_GRID;
    const r = (xs: readonly number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
    const maxMask = derivedMaskMB({ Pib: 4, Pix: 7, Piy: 7, Pof: 4, Pkx: 7, Pky: 7 });
    return [r(g.Pib), r(g.Pif), r(g.Pix), r(g.Piy), r(g.Pof), r(g.Pk), r(g.Pk), r(g.batch), r(g.bufferMB), r(g.bufferMB), [0.001, maxMask], [1, 3], [1, 6]];
  }

  decode(v: number[]): Record<string, unknown> {
    if (v.length !== 13) throw new Error(`AccelBench embedding has 13 values, got ${v.length}`);
    const g = ACCELBENCH_GRID;
    const pk = nearest(g.Pk, (v[5] + v[6]) / 2);
    const [memType, memConfig] = decodeMemory(v[11], v[12]);
    return this.complete({
      Pib: nearest(g.Pib, v[0]),
      Pif: nearest(g.Pif, v[1]),
      Pix: nearest(g.Pix, v[2]),
      Piy: nearest(g.Piy, v[3]),
      Pof: nearest(g.Pof, v[4]),
      Pkx: pk,
      Pky: pk,
      batch: nearest(g.batch, v[7]),
      actBufferMB: nearest(g.bufferMB, v[8]),
      wgtBufferMB: nearest(g.bufferMB, v[9]),
      memType,
      memConfig,
    });
  }

  key(config: Record<string, unknown>): string {
    return `accelbench:${this.embed(config).join(',')}`;
  }
}

/** Grid of the systolic-array space. */
export const SYSTOLIC_GRID = {
  array: [4, 8, 16, 32, 64, 128, 256],
  dataflow: ['os', 'ws', 'is'] as Dataflow[],
  sramKB: [16, 32, 64, 128, 256, 512, 1024, 2048],
  bandwidth: [1, 2, 4, 8, 16, 32, 64],
  batch: [1, 2, 4, 8, 16, 32],
} as const;

/**
 * The systolic-array space. Embedding (11 values):
 * [arrayHeight, arrayWidth, dataflow (0 os, 1 ws, 2 is), ifmapSramKB, filterSramKB, ofmapSramKB,
 *  bandwidth, batch, memType (1..3), memConfig, log2(arrayHeight*arrayWidth)].
 * Configurations whose stationary SRAM cannot hold one R x C fold tile are invalid: `sample`
 * never returns them and `decode` grows that SRAM to the smallest grid size that fits.
 */
export class SystolicDesignSpace implements HardwareDesignSpace {
  readonly dimensions = ['arrayHeight', 'arrayWidth', 'dataflow', 'ifmapSramKB', 'filterSramKB', 'ofmapSramKB', 'bandwidth', 'batch', 'memType', 'memConfig', 'log2PEs'];

  constructor(private readonly fixed: { wordBytes: number; clockMHz: number }) {}

  private repair(c: { arrayHeight: number; arrayWidth: number; dataflow: Dataflow; ifmapSramKB: number; filterSramKB: number; ofmapSramKB: number }): void {
    const words = (kb: number) => (kb * 1024) / this.fixed.wordBytes;
    const R = c.arrayHeight;
    const C = c.arrayWidth;
    const stationary = c.dataflow === 'os' ? 'ofmapSramKB' : c.dataflow === 'ws' ? 'filterSramKB' : 'ifmapSramKB';
    for (const key of ['ifmapSramKB', 'filterSramKB', 'ofmapSramKB'] as const) {
      const need = key === stationary ? R * C : Math.max(R, C);
      if (words(c[key]) < need) c[key] = SYSTOLIC_GRID.sramKB.find((kb) => words(kb) >= need) ?? SYSTOLIC_GRID.sramKB[SYSTOLIC_GRID.sramKB.length - 1];
    }
  }

  sample(n: number, random: () => number): Record<string, unknown>[] {
    const g = SYSTOLIC_GRID;
    const out: Record<string, unknown>[] = [];
    while (out.length < n) {
      const [memType, memConfig] = pick(MEMORY_PAIRS, random);
      const c = {
        model: 'systolic',
        arrayHeight: pick(g.array, random),
        arrayWidth: pick(g.array, random),
        dataflow: pick(g.dataflow, random),
        ifmapSramKB: pick(g.sramKB, random),
        filterSramKB: pick(g.sramKB, random),
        ofmapSramKB: pick(g.sramKB, random),
        bandwidth: pick(g.bandwidth, random),
        batch: pick(g.batch, random),
        memType,
        memConfig,
        ...this.fixed,
      };
      const before = JSON.stringify(c);
      this.repair(c);
      // Rejection keeps the sample uniform over the valid configurations.
      if (JSON.stringify(c) === before) out.push(c);
    }
    return out;
  }

  embed(config: Record<string, unknown>): number[] {
    const R = num(config, 'arrayHeight');
    const C = num(config, 'arrayWidth');
    const df = SYSTOLIC_GRID.dataflow.indexOf(config.dataflow as Dataflow);
    if (df < 0) throw new Error(`design-space configuration: dataflow must be os, ws or is, got ${JSON.stringify(config.dataflow)}`);
    return [
      R,
      C,
      df,
      num(config, 'ifmapSramKB'),
      num(config, 'filterSramKB'),
      num(config, 'ofmapSramKB'),
      num(config, 'bandwidth'),
      num(config, 'batch'),
      MEMORY_TYPES.indexOf(memTypeOf(config)) + 1,
      num(config, 'memConfig'),
      Math.log2(R * C),
    ];
  }

  bounds(): Array<[number, number]> {
    const g = SYSTOLIC_GRID;
    const r = (xs: readonly number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
    return [r(g.array), r(g.array), [0, 2], r(g.sramKB), r(g.sramKB), r(g.sramKB), r(g.bandwidth), r(g.batch), [1, 3], [1, 6], [2 * Math.log2(g.array[0]), 2 * Math.log2(g.array[g.array.length - 1])]];
  }

  decode(v: number[]): Record<string, unknown> {
    if (v.length !== 11) throw new Error(`systolic embedding has 11 values, got ${v.length}`);
    const g = SYSTOLIC_GRID;
    const [memType, memConfig] = decodeMemory(v[8], v[9]);
    const c = {
      model: 'systolic',
      arrayHeight: nearest(g.array, v[0]),
      arrayWidth: nearest(g.array, v[1]),
      dataflow: g.dataflow[Math.min(2, Math.max(0, Math.round(v[2])))],
      ifmapSramKB: nearest(g.sramKB, v[3]),
      filterSramKB: nearest(g.sramKB, v[4]),
      ofmapSramKB: nearest(g.sramKB, v[5]),
      bandwidth: nearest(g.bandwidth, v[6]),
      batch: nearest(g.batch, v[7]),
      memType,
      memConfig,
      ...this.fixed,
    };
    this.repair(c);
    return c;
  }

  key(config: Record<string, unknown>): string {
    return `systolic:${this.embed(config).slice(0, 10).join(',')}`;
  }
}
