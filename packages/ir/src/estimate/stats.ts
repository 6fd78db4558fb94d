import { FuseFlowError } from '@fuseflow/kernel';
import type { TensorDecl, TensorProgram } from '../program/ast';
import type { TensorBindings } from '../stages';
import type { SparseTensorData, TensorFormat } from '../tensor/types';

/**
 * Sparsity statistics of one tensor, enough for the cardinality model: `levelFibers[l]` is the
 * number of stored fibers (present coordinate prefixes) after level l in level order (dense levels
 * count every coordinate); `modeNonEmpty[m]` the number of distinct present coordinates of mode m.
 * Both are optional: missing entries fall back to independence from `nnz`.
 */
export interface TensorStat {
  shape: number[];
  /** stored (present) elements. */
  nnz: number;
  levelFibers?: number[];
  modeNonEmpty?: number[];
}

/** Per-tensor statistics (inputs at least; intermediates are derived by the estimator). */
export type ProgramStats = Record<string, TensorStat>;

/** Manifest form: `{ A: { density: 0.0014 } }` or `{ A: { nnz: 10556 } }` (shape from the program). */
export type ManifestStats = Record<string, { density?: number; nnz?: number; levelFibers?: number[]; modeNonEmpty?: number[] }>;

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

function isAllDense(f: TensorFormat): boolean {
  return f.levels.every((l) => l === 'dense');
}

/** Statistics of one bound tensor, read from its level storage (element granularity). */
export function tensorStat(t: SparseTensorData): TensorStat {
  const f = t.format;
  const rank = t.shape.length;
  const bs = f.blockShape;
  const fibers: number[] = [];
  let parents = 1;
  let blockScale = 1;
  for (let l = 0; l < rank; l++) {
    const lv = t.levels[l];
    const positions = lv.format === 'dense' ? parents * lv.size : (lv.crd?.length ?? 0);
    parents = positions;
    if (bs) blockScale *= bs[f.modeOrder[l]];
    fibers.push(Math.min(positions * blockScale, prod(f.modeOrder.slice(0, l + 1).map((m) => t.shape[m]))));
  }
  const modeNonEmpty = t.shape.map((dim, m) => {
    const l = f.modeOrder.indexOf(m);
    const lv = t.levels[l];
    const upperDense = f.levels.slice(0, l + 1).every((x) => x === 'dense');
    if (upperDense || lv.format === 'dense') return (rank === 0 || fibers[rank - 1] > 0) ? dim : 0;
    const seen = new Set<number>();
    for (const c of lv.crd ?? []) seen.add(c);
    return Math.min(dim, seen.size * (bs ? bs[m] : 1));
  });
  return { shape: [...t.shape], nnz: rank === 0 ? 1 : fibers[rank - 1], levelFibers: fibers, modeNonEmpty };
}

/** Statistics of every tensor bound in `data` that the program declares (units: element counts). */
export function statsFromData(program: TensorProgram, data: TensorBindings): ProgramStats {
  const out: ProgramStats = {};
  for (const [name, t] of Object.entries(data)) if (program.tensors[name]) out[name] = tensorStat(t);
  return out;
}

/** Statistics from a manifest's `stats` option (density or nnz per tensor; shapes from the program). */
export function statsFromManifest(program: TensorProgram, given: ManifestStats): ProgramStats {
  const out: ProgramStats = {};
  for (const [name, s] of Object.entries(given)) {
    const decl = program.tensors[name];
    if (!decl) {
      throw new FuseFlowError('FF_INPUT_INVALID', `stats: unknown tensor '${name}' (tensors: ${Object.keys(program.tensors).join(', ')})`);
    }
    const size = prod(decl.shape);
    const nnz = s.nnz ?? (s.density !== undefined ? s.density * size : undefined);
    if (nnz === undefined || !(nnz >= 0) || nnz > size) {
      throw new FuseFlowError('FF_INPUT_INVALID', `stats.${name}: give 'density' in [0,1] or 'nnz' in [0,${size}]`);
    }
    out[name] = { shape: [...decl.shape], nnz, ...(s.levelFibers ? { levelFibers: s.levelFibers } : {}), ...(s.modeNonEmpty ? { modeNonEmpty: s.modeNonEmpty } : {}) };
  }
  return out;
}

/** P(at least one of n independent trials with probability p succeeds), stable for huge n. */
export function existence(p: number, n: number): number {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return 1;
  return -Math.expm1(n * Math.log1p(-p));
}

/**
 * Fraction of coordinate tuples over the modes `modes` (a subset of the tensor's modes) at which
 * the tensor is present. Dense formats are present everywhere (the evaluator's semantics).
 */
export function projectionPresence(decl: TensorDecl, stat: TensorStat | undefined, modes: number[]): number {
  if (modes.length === 0) return 1;
  const f = decl.format;
  if (isAllDense(f)) return 1;
  const shape = decl.shape;
  const size = prod(shape);
  const nnz = stat?.nnz ?? size;
  const set = new Set(modes);
  // A prefix of the level order whose levels are all dense is present everywhere.
  const depth = Math.max(...modes.map((m) => f.modeOrder.indexOf(m)));
  const isPrefix = set.size === depth + 1;
  if (isPrefix && f.levels.slice(0, depth + 1).every((l) => l === 'dense')) return 1;
  const sub = prod(modes.map((m) => shape[m]));
  if (isPrefix && stat?.levelFibers) return Math.min(1, stat.levelFibers[depth] / sub);
  if (set.size === 1 && stat?.modeNonEmpty) return Math.min(1, stat.modeNonEmpty[modes[0]] / shape[modes[0]]);
  if (set.size === shape.length) return Math.min(1, nnz / size);
  return existence(nnz / size, size / sub);
}
