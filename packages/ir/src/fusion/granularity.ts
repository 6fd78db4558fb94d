import { FuseFlowError } from '@fuseflow/kernel';
import type { FusionGroup, Statement, TensorProgram, UnaryOp } from '../program/ast';
import { accessesOf } from '../program/expr-utils';
import { exprTensors } from './expr-utils';
import { inlineGroup, normalizeGroups, producerIndex } from './groups';
import { enumerateLoopOrders } from './loop-order';

/** A grouping as lists of statement names, in program order. */
export type Segmentation = string[][];

/** Activations that end a layer for the per-layer heuristic (softmax's exp deliberately is not one). */
export const LAYER_ACTIVATIONS: readonly UnaryOp[] = ['relu', 'sigmoid', 'tanh'];

/**
 * Data-movement statements (the reference cuts a group at transpose/reshape/slice/concat): here a
 * statement whose right-hand side is a bare access, i.e. a copy, transpose or format conversion.
 */
export function isDataMovement(stmt: Statement): boolean {
  return stmt.rhs.kind === 'access';
}

/** Groups named g0, g1, ... from a segmentation (validated and put in dependency order). */
export function segmentationToGroups(program: TensorProgram, segs: Segmentation): FusionGroup[] {
  return normalizeGroups(
    program,
    segs.map((statements, i) => ({ name: `g${i}`, statements: [...statements] })),
  );
}

/**
 * Split the segments (contiguous runs in program order) until each has one live output: cut right
 * after any statement whose result is a program output, is never read, or is read outside its segment.
 * Cutting only shrinks segments, so this iterates to a fixpoint.
 */
export function splitToSingleOutput(program: TensorProgram, segs: Segmentation): Segmentation {
  producerIndex(program);
  const readers = new Map<string, string[]>();
  for (const s of program.statements) for (const t of exprTensors(s.rhs)) readers.set(t, [...(readers.get(t) ?? []), s.name]);
  const byName = new Map(program.statements.map((s) => [s.name, s]));
  let cur = segs.map((s) => [...s]);
  for (;;) {
    const next: Segmentation = [];
    for (const seg of cur) {
      const inSeg = new Set(seg);
      let run: string[] = [];
      seg.forEach((name, k) => {
        run.push(name);
        const t = byName.get(name)!.lhs.tensor;
        const rs = readers.get(t) ?? [];
        const live = program.outputs.includes(t) || rs.length === 0 || rs.some((r) => !inSeg.has(r));
        if (live && k < seg.length - 1) {
          next.push(run);
          run = [];
        }
      });
      if (run.length > 0) next.push(run);
    }
    if (next.length === cur.length) return next;
    cur = next;
  }
}

/** Whether the segment, fused, has at least one valid loop order (no cycle in its partial order). */
export function hasLoopOrder(program: TensorProgram, seg: string[]): boolean {
  try {
    return enumerateLoopOrders(inlineGroup(program, { name: 'probe', statements: seg }), program, 1).length > 0;
  } catch {
    return false;
  }
}

/**
 * Split segments whose fused statement has no valid loop order (mixing, e.g., a CSC and a CSR view
 * of the same index pair): keep the longest prefix that stays orderable, recurse on the rest.
 * Single statements are left as they are (their own cycle is reported by the loop-order pass).
 */
export function splitToOrderable(program: TensorProgram, segs: Segmentation): Segmentation {
  const out: Segmentation = [];
  const visit = (seg: string[]): void => {
    if (seg.length === 1 || hasLoopOrder(program, seg)) {
      out.push(seg);
      return;
    }
    for (let c = seg.length - 1; c >= 1; c--) {
      const head = splitToSingleOutput(program, [seg.slice(0, c)]);
      if (head.every((h) => h.length === 1 || hasLoopOrder(program, h))) {
        out.push(...head);
        splitToSingleOutput(program, [seg.slice(c)]).forEach(visit);
        return;
      }
    }
    seg.forEach((n) => out.push([n]));
  };
  splitToSingleOutput(program, segs).forEach(visit);
  return out;
}

/** Cut so that every data-movement statement is alone in its segment. */
function cutAtDataMovement(program: TensorProgram, segs: Segmentation, extra: string[] = []): Segmentation {
  const byName = new Map(program.statements.map((s) => [s.name, s]));
  const dm = (n: string): boolean => isDataMovement(byName.get(n)!) || extra.includes(n);
  const out: Segmentation = [];
  for (const seg of segs) {
    let run: string[] = [];
    for (const n of seg) {
      if (dm(n)) {
        if (run.length) out.push(run);
        out.push([n]);
        run = [];
      } else run.push(n);
    }
    if (run.length) out.push(run);
  }
  return out;
}

export interface GranularityOptions {
  /** cut at copies/transposes (bare-access statements) and at these statements too. Default true. */
  cutAtDataMovement?: boolean;
  dataMovement?: string[];
  /** per-layer granularity: explicit layers as statement lists (default: the activation heuristic). */
  layers?: Segmentation;
  /**
   * per-layer granularity: also cut right after a statement whose result is read more than once
   * inside its layer (default true). Inlining would recompute it once per read (e.g. a softmax reads
   * its input row twice), which is full fusion's trade-off, not a layer's.
   */
  cutMultiUse?: boolean;
}

/** Unfused: one statement per group. */
export function unfusedSegmentation(program: TensorProgram): Segmentation {
  return program.statements.map((s) => [s.name]);
}

/** Full fusion: as few groups as legal (one per live output, orderable, cut at data movement). */
export function fullSegmentation(program: TensorProgram, opts: GranularityOptions = {}): Segmentation {
  let segs: Segmentation = [program.statements.map((s) => s.name)];
  if (opts.cutAtDataMovement !== false) segs = cutAtDataMovement(program, segs, opts.dataMovement);
  return splitToOrderable(program, segs);
}

/**
 * Per-layer (partial) fusion. Layers come from `opts.layers` or, by default, end after every
 * statement whose root is an activation (relu/sigmoid/tanh): GCN's A·X·W1+b1,relu | A·H·W2+b2,softmax.
 */
export function layerSegmentation(program: TensorProgram, opts: GranularityOptions = {}): Segmentation {
  let segs: Segmentation;
  if (opts.layers) {
    const names = new Set(program.statements.map((s) => s.name));
    opts.layers.flat().forEach((n) => {
      if (!names.has(n)) throw new FuseFlowError('FF_INPUT_INVALID', `layers: unknown statement '${n}' (statements: ${[...names].join(', ')})`);
    });
    const listed = new Set(opts.layers.flat());
    // Statements no layer mentions become their own group so the grouping stays a partition.
    segs = [...opts.layers.map((l) => [...l]), ...program.statements.filter((s) => !listed.has(s.name)).map((s) => [s.name])];
    return normalizeGroups(
      program,
      segs.map((statements, i) => ({ name: `g${i}`, statements })),
    ).map((g) => g.statements);
  }
  segs = [];
  let run: string[] = [];
  for (const s of program.statements) {
    run.push(s.name);
    if (s.rhs.kind === 'unary' && LAYER_ACTIVATIONS.includes(s.rhs.op)) {
      segs.push(run);
      run = [];
    }
  }
  if (run.length) segs.push(run);
  if (opts.cutMultiUse !== false) segs = cutAfterMultiUse(program, segs);
  if (opts.cutAtDataMovement !== false) segs = cutAtDataMovement(program, segs, opts.dataMovement);
  return splitToOrderable(program, segs);
}

/**
 * Split each segment right after any statement whose result is read more than once by the later
 * statements of the same segment, so that no producer is inlined (recomputed) twice.
 */
export function cutAfterMultiUse(program: TensorProgram, segs: Segmentation): Segmentation {
  const byName = new Map(program.statements.map((s) => [s.name, s]));
  const out: Segmentation = [];
  for (const seg of segs) {
    let run: string[] = [];
    seg.forEach((name, k) => {
      run.push(name);
      const produced = byName.get(name)!.lhs.tensor;
      const reads = seg
        .slice(k + 1)
        .reduce((n, later) => n + accessesOf(byName.get(later)!.rhs).filter((a) => a.tensor === produced).length, 0);
      if (reads > 1 && k < seg.length - 1) {
        out.push(run);
        run = [];
      }
    });
    if (run.length) out.push(run);
  }
  return out;
}

/**
 * Every segmentation of the program order into contiguous runs, each then split to single-output,
 * orderable groups; deduplicated, at most `limit` (2^(n-1) grows fast: callers cap n).
 */
export function contiguousSegmentations(program: TensorProgram, limit = 4096): Segmentation[] {
  const names = program.statements.map((s) => s.name);
  const n = names.length;
  const seen = new Set<string>();
  const out: Segmentation[] = [];
  const total = n <= 1 ? 1 : 2 ** Math.min(n - 1, 30);
  for (let mask = 0; mask < total && out.length < limit; mask++) {
    const segs: Segmentation = [];
    let run: string[] = [];
    names.forEach((nm, k) => {
      run.push(nm);
      if (k === n - 1 || mask & (1 << k)) {
        segs.push(run);
        run = [];
      }
    });
    const split = splitToOrderable(program, segs);
    const key = JSON.stringify(split);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(split);
    }
  }
  return out;
}
