import { FuseFlowError } from '@fuseflow/kernel';
import { PRIMITIVE_KINDS, type PrimitiveKind } from '@fuseflow/ir';

/** Output latency and initiation interval of one primitive kind, in cycles. */
export interface PrimTiming {
  latency: number;
  ii: number;
}

/**
 * A timing profile: per-primitive latency/II plus the few Comal-specific costs that are not a
 * single per-token number. Block-mode rules (N x N tiles) follow Comal's block entry points.
 */
export interface TimingProfile {
  name: string;
  primitives: Record<PrimitiveKind, PrimTiming>;
  /** cycles a compressed scanner spends loading a fiber (seg reads) per input ref (Comal: 1). */
  compressedScanInputCycles: number;
  /** same for dense (uncompressed) scanners (Comal: 0, they compute crds from the shape). */
  denseScanInputCycles: number;
  /** cycles a reducer spends on an Empty token (Comal: 0). */
  reduceEmptyCycles: number;
}

/** A user-supplied profile: any subset, merged over the base profile (default 'comal'). */
export interface TimingProfileInput {
  name?: string;
  base?: string;
  primitives?: Partial<Record<PrimitiveKind, Partial<PrimTiming>>>;
  compressedScanInputCycles?: number;
  denseScanInputCycles?: number;
  reduceEmptyCycles?: number;
}

function uniform(latency: number, ii: number): Record<PrimitiveKind, PrimTiming> {
  const r = {} as Record<PrimitiveKind, PrimTiming>;
  for (const k of PRIMITIVE_KINDS) r[k] = { latency, ii };
  return r;
}

/** Comal's table (fuseflow-reference.md section 3.2): every primitive latency 1, II 1. */
export const COMAL_PROFILE: TimingProfile = {
  name: 'comal',
  primitives: uniform(1, 1),
  compressedScanInputCycles: 1,
  denseScanInputCycles: 0,
  reduceEmptyCycles: 0,
};

/** An idealised profile: scanners load fibers for free (useful to isolate compute cost). */
export const IDEAL_PROFILE: TimingProfile = {
  name: 'ideal',
  primitives: uniform(1, 1),
  compressedScanInputCycles: 0,
  denseScanInputCycles: 0,
  reduceEmptyCycles: 0,
};

export const TIMING_PROFILES: Record<string, TimingProfile> = { comal: COMAL_PROFILE, ideal: IDEAL_PROFILE };

/** JSON Schema of a profile object (used in the plugin's options schema). */
export const TIMING_PROFILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    base: { type: 'string', enum: Object.keys(TIMING_PROFILES) },
    primitives: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        PRIMITIVE_KINDS.map((k) => [
          k,
          {
            type: 'object',
            additionalProperties: false,
            properties: { latency: { type: 'integer', minimum: 0 }, ii: { type: 'integer', minimum: 0 } },
          },
        ]),
      ),
    },
    compressedScanInputCycles: { type: 'integer', minimum: 0 },
    denseScanInputCycles: { type: 'integer', minimum: 0 },
    reduceEmptyCycles: { type: 'integer', minimum: 0 },
  },
} as const;

/** Resolves a profile name or object (merged over its base) into a full profile. */
export function resolveProfile(p: string | TimingProfileInput | TimingProfile | undefined): TimingProfile {
  if (p === undefined) return COMAL_PROFILE;
  if (typeof p === 'string') {
    const r = TIMING_PROFILES[p];
    if (!r) throw new FuseFlowError('FF_INPUT_INVALID', `unknown timing profile '${p}'`, { suggestion: `known: ${Object.keys(TIMING_PROFILES).join(', ')}` });
    return r;
  }
  const base = resolveProfile((p as TimingProfileInput).base ?? 'comal');
  const prims = { ...base.primitives };
  for (const [k, v] of Object.entries(p.primitives ?? {})) {
    if (!PRIMITIVE_KINDS.includes(k as PrimitiveKind)) throw new FuseFlowError('FF_INPUT_INVALID', `timing profile: unknown primitive '${k}'`);
    const t = { ...prims[k as PrimitiveKind], ...(v ?? {}) };
    if (!(t.latency >= 0 && t.ii >= 0)) throw new FuseFlowError('FF_INPUT_INVALID', `timing profile: ${k} latency/ii must be >= 0`);
    prims[k as PrimitiveKind] = t;
  }
  return {
    name: p.name ?? `${base.name}+custom`,
    primitives: prims,
    compressedScanInputCycles: p.compressedScanInputCycles ?? base.compressedScanInputCycles,
    denseScanInputCycles: p.denseScanInputCycles ?? base.denseScanInputCycles,
    reduceEmptyCycles: p.reduceEmptyCycles ?? base.reduceEmptyCycles,
  };
}
