import { FuseFlowError, type IrModule, type Pass, type RunContext } from '@fuseflow/kernel/plugin-api';
import {
  contiguousSegmentations,
  estimateCost,
  normalizeGroups,
  fullSegmentation,
  formatName,
  parseFormat,
  layerSegmentation,
  paretoPrune,
  segmentationToGroups,
  statsFromData,
  statsFromManifest,
  unfusedSegmentation,
  type CostEstimate,
  type FusionGroup,
  type ManifestStats,
  type ProgramModule,
  type ProgramStats,
  type Segmentation,
  type TensorProgram, expectProgramModule } from '@fuseflow/ir';

export type Granularity = 'unfused' | 'full' | 'partial' | 'auto';

export interface FusionOptions {
  /** unfused: one group per statement; full: as few groups as legal; partial: one group per layer; auto: best estimate. */
  granularity: Granularity;
  /** explicit groups as statement-name lists; overrides granularity. */
  groups?: string[][];
  /**
   * kernels as statement-name lists: the groups inside one list are mapped onto the fabric together
   * and run side by side where independent (FusionGroup.kernel), e.g. LayerNorm + the Q, K and V
   * projections as the reference's layernorm_linear kernel.
   */
  kernels?: string[][];
  /** layers for 'partial' (statement-name lists); default: a layer ends at each relu/sigmoid/tanh statement. */
  layers?: string[][];
  /** cut groups around copy/transpose statements (bare-access right-hand sides) and `dataMovement`. */
  cutAtDataMovement: boolean;
  /** 'partial': also cut after a statement read more than once inside its layer (no recompute inside a layer). */
  cutMultiUse: boolean;
  dataMovement?: string[];
  /** sparsity statistics for 'auto' (per tensor density or nnz); default: measured from the bound data. */
  stats?: ManifestStats;
  /** 'auto' score = flops + bytesWeight x bytes (default 0.25: one 4-byte word costs one flop). */
  bytesWeight: number;
  /** 'auto' tries every contiguous grouping when the program has at most this many statements. */
  maxExhaustiveStatements: number;
  /**
   * a value used by several consumers of a group: computed once and broadcast where they iterate
   * it alike ('share'), or once per use as plain inlining does ('recompute', for comparison). Set
   * on each group (FusionGroup.intermediates); lower-sam and the estimator both follow it.
   */
  intermediates: 'share' | 'recompute';
  /**
   * storage of intermediates kept between groups (tensor name -> format, e.g. 'ccc:1,0,2'): the
   * producing group writes its loop order and the stored tensor is re-laid out between the
   * kernels (the reference's reshape of the attention output to sequence-major before the
   * out-projection), so a consumer group can iterate another index outermost. Multi-head GPT-3:
   * the attention output O(h,i,d) stored as (i,h,d) lets the out-projection + LN2 + FFN tail put
   * the sequence index above its head reduction and fuse as one group.
   */
  layouts?: Record<string, string>;
}

export const defaultFusionOptions: FusionOptions = {
  granularity: 'full',
  cutAtDataMovement: true,
  cutMultiUse: true,
  bytesWeight: 0.25,
  maxExhaustiveStatements: 12,
  intermediates: 'share',
};

const stmtLists = { type: 'array', minItems: 1, items: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } };

export const fusionOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    granularity: { enum: ['unfused', 'full', 'partial', 'auto'], default: 'full', description: 'fusion granularity' },
    groups: { ...stmtLists, description: 'explicit fusion groups, e.g. [["s0","s1"],["s2"]]' },
    kernels: { ...stmtLists, description: 'kernels: statement lists whose groups share the fabric and overlap where independent' },
    layers: { ...stmtLists, description: "layers for granularity 'partial'" },
    cutAtDataMovement: { type: 'boolean', default: true },
    cutMultiUse: { type: 'boolean', default: true, description: "'partial': cut after a statement read more than once inside its layer" },
    dataMovement: { type: 'array', items: { type: 'string' } },
    stats: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { density: { type: 'number', minimum: 0, maximum: 1 }, nnz: { type: 'number', minimum: 0 } },
      },
    },
    bytesWeight: { type: 'number', minimum: 0, default: 0.25 },
    maxExhaustiveStatements: { type: 'integer', minimum: 1, maximum: 20, default: 12 },
    intermediates: {
      enum: ['share', 'recompute'],
      default: 'share',
      description: "a value used by several consumers of a fused group: computed once and broadcast ('share') or recomputed per use ('recompute')",
    },
    layouts: {
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      description: "storage format of intermediates between groups, e.g. {\"matmul_4\": \"ccc:1,0,2\"} (sequence-major attention output)",
    },
  },
} as const;

/** One evaluated fusion configuration ('auto' and the DSE searcher rank these). */
export interface FusionCandidate {
  label: string;
  segmentation: Segmentation;
  groups: FusionGroup[];
  flops: number;
  bytes: number;
  estimate: CostEstimate;
}

/** Estimate every candidate grouping (unfused, per layer, full, and all contiguous ones for small programs). */
export function fusionCandidates(program: TensorProgram, stats: ProgramStats, opts: Partial<FusionOptions> = {}): FusionCandidate[] {
  const o = { ...defaultFusionOptions, ...opts };
  const named: Array<[string, Segmentation]> = [
    ['unfused', unfusedSegmentation(program)],
    ['partial', layerSegmentation(program, o)],
    ['full', fullSegmentation(program, o)],
  ];
  if (program.statements.length <= o.maxExhaustiveStatements) {
    for (const s of contiguousSegmentations(program)) named.push([s.map((g) => g.join('+')).join(' | '), s]);
  }
  const seen = new Set<string>();
  const out: FusionCandidate[] = [];
  for (const [label, seg] of named) {
    const key = JSON.stringify(seg);
    if (seen.has(key)) continue;
    seen.add(key);
    const groups = withIntermediates(segmentationToGroups(program, seg), o.intermediates);
    const estimate = estimateCost({ ...program, groups }, stats);
    out.push({ label, segmentation: seg, groups, flops: estimate.flops, bytes: estimate.bytes, estimate });
  }
  return out;
}

/** The candidate 'auto' picks: Pareto-optimal on (flops, bytes), then lowest flops + bytesWeight x bytes. */
export function bestCandidate(cands: FusionCandidate[], bytesWeight: number): FusionCandidate {
  const front = paretoPrune(cands);
  const score = (c: FusionCandidate): number => c.flops + bytesWeight * c.bytes;
  return front.reduce((best, c) => (score(c) < score(best) ? c : best), front[0]);
}

/** Stats for the estimator: manifest `stats` override the ones measured from the bound data. */
export function estimatorStats(program: TensorProgram, data: ProgramModule['data'] | undefined, given?: ManifestStats): ProgramStats {
  return { ...(data ? statsFromData(program, data) : {}), ...(given ? statsFromManifest(program, given) : {}) };
}

/** Group the program's statements per the options; returns the program with `groups` set. */
export function fuseProgram(program: TensorProgram, options: Partial<FusionOptions> = {}, data?: ProgramModule['data']): TensorProgram {
  const o = { ...defaultFusionOptions, ...options };
  let segs: Segmentation;
  if (o.groups) {
    segs = o.groups;
  } else {
    switch (o.granularity) {
      case 'unfused':
        segs = unfusedSegmentation(program);
        break;
      case 'full':
        segs = fullSegmentation(program, o);
        break;
      case 'partial':
        segs = layerSegmentation(program, o);
        break;
      case 'auto':
        segs = bestCandidate(fusionCandidates(program, estimatorStats(program, data, o.stats), o), o.bytesWeight).segmentation;
        break;
      default:
        throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion: granularity must be one of unfused, full, partial, auto (got '${String(o.granularity)}')`);
    }
  }
  const laid = o.layouts ? withLayouts(program, o.layouts) : program;
  const groups = withIntermediates(segmentationToGroups(laid, segs), o.intermediates);
  return { ...laid, groups: o.kernels ? assignKernels(laid, groups, o.kernels) : groups };
}

/**
 * Re-declares the storage format of intermediates. Inputs and outputs keep theirs: their data is
 * bound (or checked) in the declared format.
 */
export function withLayouts(program: TensorProgram, layouts: Record<string, string>): TensorProgram {
  const tensors = { ...program.tensors };
  for (const [name, spec] of Object.entries(layouts)) {
    const decl = tensors[name];
    if (!decl) throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'layouts.${name}': unknown tensor '${name}'`);
    if (decl.role !== 'intermediate') {
      throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'layouts.${name}': '${name}' is an ${decl.role}; only intermediates can be re-laid out (inputs and outputs keep the format of their data)`);
    }
    let format;
    try {
      format = parseFormat(spec, decl.shape.length);
    } catch (e) {
      throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'layouts.${name}': ${(e as Error).message}`);
    }
    if (format.blockShape) throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'layouts.${name}': '${formatName(format)}' is blocked; pass-sparsity-blocking sets block shapes`);
    tensors[name] = { ...decl, format };
  }
  return { ...program, tensors };
}

/** 'share' is the default of FusionGroup.intermediates, so only 'recompute' is written down. */
function withIntermediates(groups: FusionGroup[], mode: FusionOptions['intermediates'] | undefined): FusionGroup[] {
  if (mode === undefined || mode === 'share') return groups;
  if (mode !== 'recompute') throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'intermediates': must be 'share' or 'recompute' (got '${String(mode)}')`);
  return groups.map((g) => ({ ...g, intermediates: mode }));
}

/** Sets `kernel` on every group covered by a kernel list; checks the lists against the grouping. */
export function assignKernels(program: TensorProgram, groups: FusionGroup[], kernels: string[][]): FusionGroup[] {
  const known = new Set(program.statements.map((s) => s.name));
  const kernelOf = new Map<string, string>();
  kernels.forEach((list, k) => {
    for (const s of list) {
      if (!known.has(s)) throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'kernels[${k}]': unknown statement '${s}'`);
      if (kernelOf.has(s)) throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'kernels[${k}]': statement '${s}' is already in ${kernelOf.get(s)}`);
      kernelOf.set(s, `k${k}`);
    }
  });
  const out = groups.map((g) => {
    const ks = new Set(g.statements.map((s) => kernelOf.get(s)));
    if (ks.size > 1) {
      throw new FuseFlowError('FF_OPTIONS_INVALID', `fusion option 'kernels': group '${g.name}' (${g.statements.join(', ')}) is split across kernels; a kernel holds whole groups`);
    }
    const kernel = [...ks][0];
    return kernel ? { ...g, kernel } : g;
  });
  // a kernel occupies the fabric as one unit, so its groups must be consecutive in execution order
  const order = normalizeGroups(program, out);
  const seen = new Set<string>();
  order.forEach((g, i) => {
    if (!g.kernel || order[i - 1]?.kernel === g.kernel) return;
    if (seen.has(g.kernel)) {
      const idx = Number(g.kernel.slice(1));
      throw new FuseFlowError(
        'FF_OPTIONS_INVALID',
        `fusion option 'kernels[${idx}]': its groups are not consecutive in dependency order (group '${g.name}' runs after groups of other kernels); move the statements in between into the kernel or out of the list`,
      );
    }
    seen.add(g.kernel);
  });
  return out;
}

/** The 'fusion' pass: sets program.groups (loop orders are reset: pass-dataflow-order picks them). */
export class FusionPass implements Pass {
  readonly id = 'fusion';
  readonly reads = 'program';
  readonly writes = 'program';
  constructor(private readonly options: Partial<FusionOptions> = {}) {}

  run(ir: IrModule, ctx?: RunContext): IrModule {
    const mod = expectProgramModule(ir, 'fusion');
    const program = fuseProgram(mod.program, this.options, mod.data);
    ctx?.stat?.('groups', program.groups!.length);
    ctx?.stat?.('statements', program.statements.length);
    return { ...mod, program } as unknown as IrModule;
  }
}
