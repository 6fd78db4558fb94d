import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { PRIMITIVE_KINDS, type PrimitiveKind } from '@fuseflow/ir';

/** Comal's HBM parameters (fuseflow-reference.md section 3.4). */
export const HBM_PARAMS = { channels: 8, bytesPerRequest: 64, latency: 2, ii: 2, startup: 14 } as const;

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

/** The timing of one node as its primitive uses it (every cost the engines charge comes from here). */
export interface NodeTiming {
  /** output latency (the value's, for a reducer). */
  lat: number;
  ii: number;
  /** reducer: latency of stops and Done. */
  stopLat: number;
  /** scanner: cycles to load a fiber per input ref. */
  loadCycles: number;
  /** reducer: cycles on an Empty token. */
  emptyCycles: number;
}

/**
 * Timing of a node of `kind` under `profile`. Block mode (`blockSize` N > 0, Comal's block entry
 * points): an array loads an N x N tile (latency N^2); a binary ALU computes a tile in N^2, or a
 * tile matmul in 2N-1 with II N; a reducer's value takes N^2 while its stops keep the profile's.
 */
export function nodeTiming(
  profile: TimingProfile,
  kind: PrimitiveKind,
  n: { blockSize?: number; binary?: boolean; matmul?: boolean; levelFormat?: string } = {},
): NodeTiming {
  const t = profile.primitives[kind];
  const N = n.blockSize ?? 0;
  let lat = t.latency;
  let ii = t.ii;
  if (N > 0 && kind === 'array') lat = N * N;
  if (N > 0 && kind === 'alu' && n.binary) {
    if (n.matmul) {
      lat = 2 * N - 1;
      ii = N;
    } else lat = N * N;
  }
  if (N > 0 && kind === 'reduce') lat = N * N;
  return {
    lat,
    ii,
    stopLat: t.latency,
    loadCycles: n.levelFormat === 'dense' ? profile.denseScanInputCycles : profile.compressedScanInputCycles,
    emptyCycles: profile.reduceEmptyCycles,
  };
}
