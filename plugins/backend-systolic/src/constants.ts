/**
 * Per-module RTL and CACTI/NVMain constants of AccelBench (CODEBench, jha-lab/codebench,
 * accelbench/run.py and Hardware.py), as summarised in codesign-reference.md section 3.5.
 * Units: area in um^2, dynamic and leakage power in mW. Dynamic power is quoted at 700 MHz and
 * scales linearly with the clock (so energy per active cycle is clock-independent), except
 * Im2Col whose dynamic power AccelBench does not scale [quirk, kept].
 */
export interface ModuleConst {
  areaUm2: number;
  dynMw: number;
  leakMw: number;
  /** true when dynamic power does not scale with clk/700. */
  unscaled?: boolean;
}

export type ActivationKind = 'relu' | 'silu' | 'both';

/** MacLane constants by MACs per lane (Pif) and the activation units the lane carries. */
export const MACLANE: Record<1 | 16, Record<ActivationKind, ModuleConst>> = {
  16: {
    relu: { areaUm2: 8819.48, dynMw: 4.8926, leakMw: 0.30033 },
    silu: { areaUm2: 9418.67, dynMw: 5.1955, leakMw: 0.31897 },
    both: { areaUm2: 9435.57, dynMw: 5.3176, leakMw: 0.3241 },
  },
  1: {
    relu: { areaUm2: 597.96, dynMw: 0.27561, leakMw: 0.02237 },
    silu: { areaUm2: 1209.96, dynMw: 0.67059, leakMw: 0.04191 },
    both: { areaUm2: 1199.51, dynMw: 0.68967, leakMw: 0.04151 },
  },
};

export const DATAFLOW: ModuleConst = { areaUm2: 75946.98, dynMw: 11.3711, leakMw: 2.7312 };
export const DMA: ModuleConst = { areaUm2: 144.636, dynMw: 0.0335287, leakMw: 0.0063819 };
export const FIFO: ModuleConst = { areaUm2: 484.379, dynMw: 0.0563909, leakMw: 0.0140774 };
export const BATCHNORM: ModuleConst = { areaUm2: 14654.49, dynMw: 8.3914, leakMw: 0.5323004 };
export const IM2COL: ModuleConst = { areaUm2: 14307.18, dynMw: 423.0658, leakMw: 0.396345, unscaled: true };
export const POOLING: ModuleConst = { areaUm2: 3395.05, dynMw: 1.143, leakMw: 0.1281938 };
export const GLOBALAVGPOOL: ModuleConst = { areaUm2: 0, dynMw: 1.2148, leakMw: 0.0848479 };
export const UPSAMPLING: ModuleConst = { areaUm2: 749.7, dynMw: 0.1503713, leakMw: 0.0293699 };
export const PRESPARSITY: ModuleConst = { areaUm2: 6216.9, dynMw: 0.2852968, leakMw: 0.1507329 };
export const POSTSPARSITY: ModuleConst = { areaUm2: 1181.2, dynMw: 0.2613971, leakMw: 0.0324301 };

/** Clock at which the RTL dynamic powers above were characterised (MHz). */
export const RTL_CLOCK_MHZ = 700;

/**
 * CACTI buffer constants: reference size (MB), energy per access at that size (nJ, mean of read
 * and write), leakage (mW per MB after AccelBench's scale factors) and area (mm^2 per MB).
 * Energy per access scales with sqrt(size / ref); leakage and area linearly.
 */
export interface BufferConst {
  refMB: number;
  accessNj: number;
  leakMwPerMB: number;
  areaMm2PerMB: number;
}

export const WEIGHT_BUFFER: BufferConst = { refMB: 24, accessNj: 0.41964, leakMwPerMB: (315.607 * 16) / 24, areaMm2PerMB: 7.05842 / 24 };
export const ACT_BUFFER: BufferConst = { refMB: 12, accessNj: 0.274617, leakMwPerMB: (185.939 * 16) / 12, areaMm2PerMB: 3.63967 / 12 };
export const MASK_BUFFER: BufferConst = { refMB: 4, accessNj: 0.1640135, leakMwPerMB: (119.098 * 8) / 4, areaMm2PerMB: 1.21026 / 4 };

/** Energy of one buffer access (nJ) for a buffer of `mb` megabytes. */
export function bufferAccessNj(b: BufferConst, mb: number): number {
  return b.accessNj * Math.sqrt(mb / b.refMB);
}

export type MemoryType = 'RRAM' | 'DRAM' | 'HBM';
export const MEMORY_TYPES: MemoryType[] = ['RRAM', 'DRAM', 'HBM'];

/** Main-memory organisations per type: [banks, ranks, channels] (index = memConfig - 1). */
export const MEMORY_CONFIGS: Record<MemoryType, Array<[number, number, number]>> = {
  RRAM: [
    [16, 2, 2],
    [8, 2, 4],
    [4, 2, 8],
    [2, 2, 16],
    [32, 2, 1],
    [1, 2, 32],
  ],
  DRAM: [
    [16, 2, 2],
    [8, 2, 4],
    [32, 2, 1],
    [16, 4, 1],
  ],
  HBM: [[32, 1, 4]],
};

/** NVMain main-memory power while transferring (mW), by type and memConfig - 1. Leakage is 0. */
export const MAIN_MEMORY_MW: Record<MemoryType, number[]> = {
  RRAM: [17.321165, 32.655499, 69.3328008, 149.0564671, 8.63281599, 340.9690911],
  DRAM: [69.00706337, 200.2819855, 53.43777522, 38.28777884],
  HBM: [26.5569841],
};

/** AccelBench main-memory bandwidth (MB/s, 1 MB = 2^20 bytes); all memory types share it. */
export const DDR_BANDWIDTH_MBPS = 40000;

/** Main-memory bandwidth in bits per cycle at a given clock (AccelBench: ~479.3 at 700 MHz). */
export function dramBitsPerCycle(clockMHz: number): number {
  return (DDR_BANDWIDTH_MBPS * 1024 * 1024 * 8) / (clockMHz * 1e6);
}

/** AccelBench fixed-point word: IL 4 + FL 16 = 20 bits. */
export const ACCELBENCH_WORD_BITS = 20;
/** AccelBench input tile [Tib, Tix, Tiy, Tif]. */
export const TILE = { b: 4, x: 64, y: 64, c: 64 } as const;
/** Elements per load unit (a 4x4x4 cube for conv, an 8x8 square for matmul). */
export const LOAD_UNIT_ELEMS = 64;
/** AccelBench's compute/memory overlap factor applied to MacLane cycles. */
export const OVERLAP_FACTOR = 0.8;
