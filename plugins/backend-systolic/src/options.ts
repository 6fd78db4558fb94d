import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { type AccelConfig, derivedMaskMB } from './accelbench';
import { MEMORY_CONFIGS, type MemoryType } from './constants';
import { FuseFlowError } from './deps';
import type { Dataflow, FoldSkew, SystolicConfig } from './systolic';

/** Options of the 'systolic' backend (flat, so a design-space configuration can override any of them). */
export interface SystolicBackendOptions {
  /** which hardware model evaluates the network. */
  model: 'systolic' | 'accelbench';
  // --- systolic array (SCALE-Sim machine) ---
  arrayHeight: number;
  arrayWidth: number;
  dataflow: Dataflow;
  ifmapSramKB: number;
  filterSramKB: number;
  ofmapSramKB: number;
  /** main-memory bandwidth in words per cycle. */
  bandwidth: number;
  wordBytes: number;
  /** vector-unit lanes for pooling/elementwise layers; 0 = array width. */
  vectorWidth: number;
  /** skew charged to partial folds: 'occupied' rows/columns only, the 'full' array (SCALE-Sim paper), or 'scalesim' (v2 exactly). */
  foldSkew: FoldSkew;
  // --- AccelBench accelerator ---
  Pib: number;
  Pif: 1 | 16;
  Pix: number;
  Piy: number;
  Pof: number;
  Pkx: number;
  Pky: number;
  actBufferMB: number;
  wgtBufferMB: number;
  /** mask buffer (MB); absent = AccelBench's derived size. */
  maskBufferMB?: number;
  activationSparsity: number;
  weightSparsity: number;
  // --- shared ---
  batch: number;
  memType: MemoryType;
  memConfig: number;
  clockMHz: number;
  /** SCALE-Sim topology CSV used as the workload when the IR carries no model (path, relative to the manifest). */
  topology?: string;
  /** SCALE-Sim .cfg whose array/SRAM/dataflow/bandwidth fields override these options. */
  scaleConfig?: string;
  /** write the per-layer chart (SVG + PNG) to the run's output directory. */
  plot: boolean;
}

export const defaultOptions: SystolicBackendOptions = {
  model: 'systolic',
  arrayHeight: 32,
  arrayWidth: 32,
  dataflow: 'os',
  ifmapSramKB: 64,
  filterSramKB: 64,
  ofmapSramKB: 64,
  bandwidth: 10,
  wordBytes: 1,
  vectorWidth: 0,
  foldSkew: 'occupied',
  // AccelBench run.py default embedding [2,16,8,4,8,3,3,1,12,24,4,1,1] (mask 4 MB given explicitly there).
  Pib: 2,
  Pif: 16,
  Pix: 8,
  Piy: 4,
  Pof: 8,
  Pkx: 3,
  Pky: 3,
  actBufferMB: 12,
  wgtBufferMB: 24,
  activationSparsity: 0.5,
  weightSparsity: 0.5,
  batch: 1,
  memType: 'DRAM',
  memConfig: 1,
  clockMHz: 700,
  plot: true,
};

const posInt = (max: number, description: string) => ({ type: 'integer', minimum: 1, maximum: max, description });

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: { enum: ['systolic', 'accelbench'], description: 'hardware model: SCALE-Sim style R x C array, or the AccelBench accelerator' },
    arrayHeight: posInt(65536, 'systolic array rows R (PEs)'),
    arrayWidth: posInt(65536, 'systolic array columns C (PEs)'),
    dataflow: { enum: ['os', 'ws', 'is'], description: 'output-, weight- or input-stationary' },
    ifmapSramKB: { type: 'number', exclusiveMinimum: 0, description: 'ifmap SRAM (KiB)' },
    filterSramKB: { type: 'number', exclusiveMinimum: 0, description: 'filter SRAM (KiB)' },
    ofmapSramKB: { type: 'number', exclusiveMinimum: 0, description: 'ofmap SRAM (KiB)' },
    bandwidth: { type: 'number', exclusiveMinimum: 0, description: 'main-memory bandwidth (words/cycle)' },
    wordBytes: { enum: [1, 2, 4, 8], description: 'bytes per word' },
    vectorWidth: { type: 'integer', minimum: 0, description: 'vector-unit lanes (0 = array width)' },
    foldSkew: { enum: ['occupied', 'full', 'scalesim'], description: "fill/drain skew of partial folds: occupied rows/columns, the full array (SCALE-Sim paper), or SCALE-Sim v2's demand matrices exactly" },
    Pib: posInt(64, 'AccelBench: batch parallelism per PE grid'),
    Pif: { enum: [1, 16], description: 'AccelBench: MACs per MacLane (RTL constants exist for 1 and 16)' },
    Pix: posInt(64, 'AccelBench: x parallelism'),
    Piy: posInt(64, 'AccelBench: y parallelism'),
    Pof: posInt(64, 'AccelBench: output-channel parallelism'),
    Pkx: posInt(11, 'AccelBench: kernel-x parallelism'),
    Pky: posInt(11, 'AccelBench: kernel-y parallelism'),
    actBufferMB: { type: 'number', exclusiveMinimum: 0, description: 'AccelBench activation buffer (MB)' },
    wgtBufferMB: { type: 'number', exclusiveMinimum: 0, description: 'AccelBench weight buffer (MB)' },
    maskBufferMB: { type: 'number', exclusiveMinimum: 0, description: 'AccelBench mask buffer (MB); default derived' },
    activationSparsity: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    weightSparsity: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    batch: posInt(1 << 20, 'inputs per inference batch'),
    memType: { enum: ['RRAM', 'DRAM', 'HBM'], description: 'main-memory technology' },
    memConfig: posInt(6, 'main-memory organisation index (banks/ranks/channels), 1-based per type'),
    clockMHz: { type: 'number', exclusiveMinimum: 0, maximum: 10000 },
    topology: { type: 'string', minLength: 1 },
    scaleConfig: { type: 'string', minLength: 1 },
    plot: { type: 'boolean' },
  },
} as const;

let validator: ValidateFunction | undefined;

function describe(e: ErrorObject): string {
  const key = e.instancePath.replace(/^\//, '') || (e.params as { additionalProperty?: string }).additionalProperty || '(options)';
  if (e.keyword === 'additionalProperties') return `unknown option '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'enum') return `${key} must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  return `${key} ${e.message}`;
}

/**
 * Merges defaults, validates against the schema and the semantic rules, and returns complete
 * options. Throws FuseFlowError FF_OPTIONS_INVALID naming the key. `where` prefixes the path.
 */
export function resolveOptions(partial: Partial<SystolicBackendOptions> | Record<string, unknown>, where = '/backend/options'): SystolicBackendOptions {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(optionsSchema);
  const merged = { ...defaultOptions, ...(partial as object) } as SystolicBackendOptions;
  if (!validator(merged)) {
    const errs = validator.errors ?? [];
    throw new FuseFlowError('FF_OPTIONS_INVALID', `systolic backend options: ${errs.map(describe).join('; ')}`, {
      path: `${where}${errs[0]?.instancePath ?? ''}`,
    });
  }
  checkSemantics(merged, where);
  return merged;
}

function fail(where: string, key: string, message: string): never {
  throw new FuseFlowError('FF_OPTIONS_INVALID', `systolic backend options: ${message}`, { path: `${where}/${key}` });
}

/** Rules a JSON Schema cannot state: cross-field limits of the memory and buffer configuration. */
export function checkSemantics(o: SystolicBackendOptions, where = '/backend/options'): void {
  const configs = MEMORY_CONFIGS[o.memType];
  if (o.memConfig > configs.length) {
    fail(where, 'memConfig', `memConfig ${o.memConfig} is not a ${o.memType} configuration (valid: 1..${configs.length}: ${configs.map((c, i) => `${i + 1}=[banks ${c[0]}, ranks ${c[1]}, channels ${c[2]}]`).join(', ')})`);
  }
  if (o.model === 'systolic') {
    if (o.arrayHeight < 1 || o.arrayWidth < 1) fail(where, 'arrayHeight', `array ${o.arrayHeight}x${o.arrayWidth} has no processing elements`);
    const R = o.arrayHeight;
    const C = o.arrayWidth;
    const words = (kb: number) => Math.floor((kb * 1024) / o.wordBytes);
    // The stationary operand's R x C fold tile must fit its SRAM; the streaming SRAMs must hold
    // at least one array-edge vector.
    const stationary = o.dataflow === 'os' ? 'ofmapSramKB' : o.dataflow === 'ws' ? 'filterSramKB' : 'ifmapSramKB';
    for (const key of ['ifmapSramKB', 'filterSramKB', 'ofmapSramKB'] as const) {
      const need = key === stationary ? R * C : Math.max(R, C);
      if (words(o[key]) < need) {
        fail(
          where,
          key,
          `${key} = ${o[key]} KiB holds ${words(o[key])} words, smaller than one tile: the ${key === stationary ? `${o.dataflow.toUpperCase()} stationary ${R}x${C} fold tile` : `${Math.max(R, C)}-word array-edge vector`} needs ${need} words`,
        );
      }
    }
  } else {
    const mask = derivedMaskMB(o);
    if (o.maskBufferMB !== undefined && o.maskBufferMB + 1e-12 < mask) {
      fail(where, 'maskBufferMB', `mask buffer ${o.maskBufferMB} MB is smaller than one tile's sparsity mask: ${mask} MB (PE*Lane*16*2 bits for PE=${o.Pib * o.Pix * o.Piy}, Lane=${o.Pof * o.Pkx * o.Pky})`);
    }
    const perCycle = (o.Pib * o.Pix * o.Piy * o.Pif * 20) / 8 / 1024 / 1024;
    if (o.actBufferMB < perCycle) fail(where, 'actBufferMB', `activation buffer ${o.actBufferMB} MB cannot hold one cycle's activations (${perCycle.toFixed(6)} MB)`);
  }
}

/** The systolic-array configuration of resolved options. */
export function systolicConfig(o: SystolicBackendOptions): SystolicConfig {
  return {
    arrayHeight: o.arrayHeight,
    arrayWidth: o.arrayWidth,
    dataflow: o.dataflow,
    ifmapSramKB: o.ifmapSramKB,
    filterSramKB: o.filterSramKB,
    ofmapSramKB: o.ofmapSramKB,
    bandwidth: o.bandwidth,
    wordBytes: o.wordBytes,
    batch: o.batch,
    clockMHz: o.clockMHz,
    memType: o.memType,
    memConfig: o.memConfig,
    vectorWidth: o.vectorWidth,
    foldSkew: o.foldSkew,
  };
}

/** The AccelBench configuration of resolved options (mask buffer derived when not given). */
export function accelConfig(o: SystolicBackendOptions): AccelConfig {
  return {
    Pib: o.Pib,
    Pif: o.Pif,
    Pix: o.Pix,
    Piy: o.Piy,
    Pof: o.Pof,
    Pkx: o.Pkx,
    Pky: o.Pky,
    batch: o.batch,
    actBufferMB: o.actBufferMB,
    wgtBufferMB: o.wgtBufferMB,
    maskBufferMB: o.maskBufferMB ?? derivedMaskMB(o),
    memType: o.memType,
    memConfig: o.memConfig,
    clockMHz: o.clockMHz,
    activationSparsity: o.activationSparsity,
    weightSparsity: o.weightSparsity,
  };
}
