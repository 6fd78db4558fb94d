import { createHash } from 'node:crypto';
import { FuseFlowError } from '@fuseflow/kernel';
import { SeededRandom } from '@fuseflow/ir';

/** A fusion choice: a granularity name, or explicit groups of statement names. */
export type FusionChoice = string | { name: string; groups: string[][] };

/** One parallelized stream level. */
export interface ParallelLevel {
  index: string;
  factor: number;
}

/**
 * The design space: each dimension lists the values to try. Absent dimensions are not varied
 * (the pass is left out, or the manifest's own value is kept).
 */
export interface SearchSpace {
  fusion?: FusionChoice[];
  /** dataflow order per candidate: index into the valid orders, an explicit order, or 'best-estimate'. */
  order?: Array<number | string | string[]>;
  /** sparsity block size (null = no blocking). */
  blockSize?: Array<number | null>;
  /** parallelization: a list of level sets (null or [] = not parallelized). */
  parallel?: Array<ParallelLevel[] | null>;
  /** backend option variations, e.g. timing profile or HBM on/off. */
  backend?: Array<Record<string, unknown>>;
}

/** One point of the space. */
export interface Candidate {
  fusion?: FusionChoice;
  order?: number | string | string[];
  blockSize?: number | null;
  parallel?: ParallelLevel[] | null;
  backend?: Record<string, unknown>;
}

const DIMENSIONS = ['fusion', 'order', 'blockSize', 'parallel', 'backend'] as const;

/** Every combination of the space's values (dimension order: fusion, order, blockSize, parallel, backend). */
export function gridCandidates(space: SearchSpace): Candidate[] {
  let out: Candidate[] = [{}];
  for (const dim of DIMENSIONS) {
    const values = space[dim] as unknown[] | undefined;
    if (!values) continue;
    if (values.length === 0) throw new FuseFlowError('FF_OPTIONS_INVALID', `space.${dim} is empty: list at least one value or leave the dimension out`);
    out = out.flatMap((c) => values.map((v) => ({ ...c, [dim]: v })));
  }
  return out;
}

/** n distinct candidates drawn uniformly from the grid with a seeded generator (all of them if n >= grid size). */
export function randomCandidates(space: SearchSpace, n: number, seed: number): Candidate[] {
  const grid = gridCandidates(space);
  if (n >= grid.length) return grid;
  const rng = new SeededRandom(seed);
  const idx = grid.map((_, i) => i);
  // Partial Fisher-Yates: the first n slots become a uniform sample without replacement.
  for (let i = 0; i < n; i++) {
    const j = rng.int(i, idx.length - 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n).sort((a, b) => a - b).map((i) => grid[i]);
}

/** Canonical JSON (sorted keys) of a candidate: equal candidates give equal strings. */
export function canonicalCandidate(c: Candidate): string {
  return JSON.stringify(c, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

/** Stable short key of a candidate within a sweep (used for dedup and resume). */
export function candidateKey(c: Candidate, salt = ''): string {
  return createHash('sha256').update(salt).update(canonicalCandidate(c)).digest('hex').slice(0, 16);
}

/** A short human label, e.g. "full/o2/b16/i4". */
export function candidateLabel(c: Candidate): string {
  const parts: string[] = [];
  if (c.fusion !== undefined) parts.push(typeof c.fusion === 'string' ? c.fusion : c.fusion.name);
  if (c.order !== undefined) parts.push(`o${Array.isArray(c.order) ? c.order.join('') : c.order}`);
  if (c.blockSize) parts.push(`b${c.blockSize}`);
  if (c.parallel && c.parallel.length) parts.push(c.parallel.map((p) => `${p.index}${p.factor}`).join('+'));
  if (c.backend && Object.keys(c.backend).length) parts.push(Object.entries(c.backend).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(','));
  return parts.join('/') || 'base';
}

/** The pass list that realizes a candidate (before lowering), for the manifest's pass names. */
export function candidatePasses(c: Candidate, passNames: { fusion: string; order: string; blocking: string; parallel: string }): Array<{ use: string; options: Record<string, unknown> }> {
  const passes: Array<{ use: string; options: Record<string, unknown> }> = [];
  if (c.fusion !== undefined) {
    passes.push({ use: passNames.fusion, options: typeof c.fusion === 'string' ? { granularity: c.fusion } : { groups: c.fusion.groups } });
  }
  if (c.order !== undefined) passes.push({ use: passNames.order, options: { order: c.order } });
  if (c.blockSize) passes.push({ use: passNames.blocking, options: { size: c.blockSize } });
  if (c.parallel && c.parallel.length) passes.push({ use: passNames.parallel, options: { levels: c.parallel } });
  return passes;
}
