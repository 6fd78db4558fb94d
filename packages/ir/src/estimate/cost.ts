import { FuseFlowError } from '@fuseflow/kernel';
import type { Expr, FusionGroup, IndexVar, Statement, TensorDecl, TensorProgram } from '../program/ast';
import { exprIndexVars, exprToString, renameIndexVars } from '../fusion/expr-utils';
import { accessesOf, freeVars, summedVars } from '../program/expr-utils';
import { effectiveGroups, inlineGroup, normalizeGroups } from '../fusion/groups';
import { enumerateLoopOrders } from '../fusion/loop-order';
import { existence, projectionPresence, type ProgramStats, type TensorStat } from './stats';
import { paretoFront, type ParetoAxis } from '../pareto';

/** Bytes of one value or coordinate word (f32 / i32, as the reference's "x 4"). */
export const WORD_BYTES = 4;

export interface StatementCost {
  /** arithmetic operations: one per binary/unary evaluation and per reduction accumulate. */
  flops: number;
  /** bytes read from memory: values and compressed-level coordinates of every access, per re-read. */
  readBytes: number;
  /** bytes written: the output's values and coordinates. */
  writeBytes: number;
  /** estimated stored elements of the output. */
  outputNnz: number;
  loopOrder: IndexVar[];
}

export interface GroupCost extends StatementCost {
  group: string;
  statements: string[];
  output: string;
  bytes: number;
}

export interface CostEstimate {
  flops: number;
  bytes: number;
  perGroup: GroupCost[];
}

interface Ctx {
  program: TensorProgram;
  stats: ProgramStats;
  dims: Map<IndexVar, number>;
  order: IndexVar[];
  pos: Map<IndexVar, number>;
}

/** Dimension of every index variable of the statement, from the declared shapes. */
export function indexDims(stmt: Statement, program: TensorProgram): Map<IndexVar, number> {
  const dims = new Map<IndexVar, number>();
  const visit = (tensor: string, idx: IndexVar[], where: string): void => {
    const decl = program.tensors[tensor];
    if (!decl) throw new FuseFlowError('FF_INPUT_INVALID', `${where}: undeclared tensor '${tensor}'`);
    idx.forEach((v, m) => {
      const d = decl.shape[m];
      const prev = dims.get(v);
      if (prev !== undefined && prev !== d) {
        throw new FuseFlowError('FF_INPUT_INVALID', `statement '${stmt.name}': index '${v}' has extent ${prev} and ${d} (${tensor} mode ${m})`);
      }
      dims.set(v, d);
    });
  };
  visit(stmt.lhs.tensor, stmt.lhs.indices, `statement '${stmt.name}'`);
  const walk = (e: Expr): void => {
    if (e.kind === 'access') visit(e.tensor, e.indices, `statement '${stmt.name}'`);
    else if (e.kind === 'binary') (walk(e.lhs), walk(e.rhs));
    else if (e.kind === 'unary' || e.kind === 'reduce') walk(e.arg);
  };
  walk(stmt.rhs);
  return dims;
}

/** Presence fraction of `e` over the points of the variables `vars` (independence model). */
function presence(c: Ctx, e: Expr, vars: ReadonlySet<IndexVar>): number {
  switch (e.kind) {
    case 'access': {
      const decl = c.program.tensors[e.tensor];
      const modes = e.indices.map((v, m) => (vars.has(v) ? m : -1)).filter((m) => m >= 0);
      return projectionPresence(decl, c.stats[e.tensor], modes);
    }
    case 'const':
      return 1;
    case 'binary': {
      const a = presence(c, e.lhs, vars);
      const b = presence(c, e.rhs, vars);
      return e.op === 'mul' || e.op === 'div' ? a * b : 1 - (1 - a) * (1 - b);
    }
    case 'unary':
      return presence(c, e.arg, vars);
    case 'reduce': {
      const missing = e.indices.filter((v) => !vars.has(v));
      if (missing.length === 0) return presence(c, e.arg, vars);
      const inner = new Set([...vars, ...missing]);
      const n = missing.reduce((a, v) => a * (c.dims.get(v) ?? 1), 1);
      return existence(presence(c, e.arg, inner), n);
    }
  }
}

/**
 * Iteration points at which node `e` fires in the fused loop nest: the loop prefix down to the
 * deepest variable indexing e's value, restricted to the variables visible at e (the statement's
 * free variables and those bound by reduces enclosing e; variables reduced elsewhere were
 * eliminated by their reducer/spacc). Visible loop variables of that prefix that e does not use
 * make it fire again for each of their coordinates: that is the recomputation of fused groups.
 */
function points(c: Ctx, e: Expr, siblings: Expr[], visible: ReadonlySet<IndexVar>): number {
  const prefix = new Set(loopPrefix(c, e, visible));
  let n = 1;
  for (const v of prefix) n *= c.dims.get(v) ?? 1;
  n *= presence(c, e, prefix);
  for (const s of siblings) n *= presence(c, s, prefix);
  return n;
}

/** The loop variables (outermost first) whose coordinates make `e` fire again. */
function loopPrefix(c: Ctx, e: Expr, visible: ReadonlySet<IndexVar>): IndexVar[] {
  const free = freeVars(e);
  const depth = free.length === 0 ? -1 : Math.max(...free.map((v) => c.pos.get(v)!));
  return c.order.slice(0, depth + 1).filter((v) => visible.has(v));
}

/** An expression up to the names of its variables: free ones as $0.. and bound ones as #0.. in order of appearance. */
interface Canon {
  text: string;
  free: IndexVar[];
  names: Map<IndexVar, IndexVar>;
}
const canonCache = new WeakMap<Expr, Canon>();

function canon(e: Expr): Canon {
  let k = canonCache.get(e);
  if (!k) {
    const all = exprIndexVars(e);
    const freeSet = new Set(freeVars(e));
    const free = all.filter((v) => freeSet.has(v));
    const bound = all.filter((v) => !freeSet.has(v));
    const map = new Map<IndexVar, IndexVar>([...free.map((v, i): [IndexVar, IndexVar] => [v, `$${i}`]), ...bound.map((v, i): [IndexVar, IndexVar] => [v, `#${i}`])]);
    k = { text: exprToString(renameIndexVars(e, map)), free, names: map };
    canonCache.set(e, k);
  }
  return k;
}

/**
 * The stream `e` produces in the loop nest, up to variable names: the same expression over the
 * same loop positions, restricted by the same sibling operands. Two uses of an inlined producer
 * with equal keys are one stream that the lowering computes once (pass-lower-sam's share.ts);
 * a use under an extra loop (a row statistic repeated over the row) gets another key.
 */
function streamKey(c: Ctx, e: Expr, siblings: Expr[], visible: ReadonlySet<IndexVar>): string {
  const prefix = loopPrefix(c, e, visible);
  const at = (v: IndexVar): string => {
    const p = prefix.indexOf(v);
    return p >= 0 ? String(p) : v;
  };
  const ce = canon(e);
  // Siblings restrict where e fires through their presence over the prefix (as in `points`): the
  // accesses entirely inside it. Two uses of one value are often each other's siblings (the
  // softmax numerator and the denominator's sum), so the siblings' own text would never match.
  const sib = new Set<string>();
  for (const s of siblings) {
    for (const a of accessesOf(s)) if (a.indices.every((v) => prefix.includes(v))) sib.add(`${a.tensor}@${a.indices.map(at).join(',')}`);
  }
  // how e's own loops interleave with each other and with the visible loops around it (a reduction
  // whose loops come after a visible loop it does not use is recomputed per coordinate of that loop)
  const last = Math.max(-1, ...[...ce.names.keys()].map((v) => c.pos.get(v) ?? -1));
  const nest = c.order.slice(0, last + 1).filter((v) => ce.names.has(v) || visible.has(v)).map((v) => ce.names.get(v) ?? '*');
  return `${prefix.length}|${ce.text}@${ce.free.map(at).join(',')}|${nest.join(',')}|${[...sib].sort().join(';')}`;
}

function compressedLevels(decl: TensorDecl): number {
  return decl.format.levels.filter((l) => l !== 'dense').length;
}

/** Options of the estimator that must match the lowering's. */
export interface EstimateOptions {
  /**
   * a value used several times in a fused statement: 'share' (default) counts each distinct
   * stream once (streamKey), as pass-lower-sam computes it once and broadcasts it; 'recompute'
   * counts every use.
   */
  intermediates?: 'share' | 'recompute';
}

/** FLOPs and bytes of one (possibly fused) statement under a loop order (default: order #0). */
export function estimateStatement(stmt: Statement, program: TensorProgram, stats: ProgramStats, loopOrder?: IndexVar[], options: EstimateOptions = {}): StatementCost {
  const order = loopOrder ?? enumerateLoopOrders(stmt, program, 1)[0];
  const c: Ctx = { program, stats, dims: indexDims(stmt, program), order, pos: new Map(order.map((v, i) => [v, i])) };
  for (const v of exprIndexVars(stmt.rhs)) {
    if (!c.pos.has(v)) throw new FuseFlowError('FF_INPUT_INVALID', `loop order [${order.join(',')}] of '${stmt.name}' lacks index '${v}'`);
  }
  const sums = summedVars(stmt);
  const root: Expr = sums.length > 0 ? { kind: 'reduce', op: 'sum', indices: sums, arg: stmt.rhs } : stmt.rhs;
  let flops = 0;
  let readBytes = 0;
  const seen = options.intermediates === 'recompute' ? undefined : new Set<string>();
  // siblings: operands of enclosing intersections (mul/div), which restrict where e fires.
  const walk = (e: Expr, siblings: Expr[], visible: ReadonlySet<IndexVar>): void => {
    if (e.kind === 'const') return;
    if (seen) {
      // a stream already counted (with everything below it) is broadcast, not recomputed; a
      // reduction is identified by its body's stream, which says under which loops it runs
      const key = e.kind === 'reduce' ? `${e.op}(${streamKey(c, e.arg, siblings, new Set([...visible, ...e.indices]))})` : streamKey(c, e, siblings, visible);
      if (seen.has(key)) return;
      seen.add(key);
    }
    switch (e.kind) {
      case 'access': {
        const decl = program.tensors[e.tensor];
        // one value per point plus the coordinates of its compressed levels (upper levels are re-read
        // at most as often as the leaf; charging them at the leaf rate keeps the model monotone).
        readBytes += points(c, e, siblings, visible) * WORD_BYTES * (1 + compressedLevels(decl));
        return;
      }
      case 'binary': {
        flops += points(c, e, siblings, visible);
        const inter = e.op === 'mul' || e.op === 'div';
        walk(e.lhs, inter ? [...siblings, e.rhs] : siblings, visible);
        walk(e.rhs, inter ? [...siblings, e.lhs] : siblings, visible);
        return;
      }
      case 'unary':
        flops += points(c, e, siblings, visible);
        walk(e.arg, siblings, visible);
        return;
      case 'reduce': {
        const inner = new Set([...visible, ...e.indices]);
        flops += points(c, e.arg, siblings, inner);
        walk(e.arg, siblings, inner);
        return;
      }
    }
  };
  const top = new Set(stmt.lhs.indices);
  walk(root, [], top);
  const outDecl = program.tensors[stmt.lhs.tensor];
  const outPoints = points(c, root, [], top);
  const dense = outDecl.format.levels.every((l) => l === 'dense');
  const outputNnz = dense ? outDecl.shape.reduce((a, b) => a * b, 1) : outPoints;
  const writeBytes = outputNnz * WORD_BYTES * (1 + compressedLevels(outDecl));
  return { flops, readBytes, writeBytes, outputNnz, loopOrder: order };
}

/** Statistics the estimator derives for a statement's output (so later groups can read it). */
function derivedStat(stmt: Statement, program: TensorProgram, stats: ProgramStats): TensorStat {
  const decl = program.tensors[stmt.lhs.tensor];
  const dims = indexDims(stmt, program);
  const sums = summedVars(stmt);
  const root: Expr = sums.length > 0 ? { kind: 'reduce', op: 'sum', indices: sums, arg: stmt.rhs } : stmt.rhs;
  const c: Ctx = { program, stats, dims, order: [], pos: new Map() };
  const lv = decl.format.modeOrder.map((m) => stmt.lhs.indices[m]);
  const levelFibers = lv.map((_, l) => {
    const vs = lv.slice(0, l + 1);
    return vs.reduce((a, v) => a * dims.get(v)!, 1) * presence(c, root, new Set(vs));
  });
  const modeNonEmpty = stmt.lhs.indices.map((v) => dims.get(v)! * presence(c, root, new Set([v])));
  return { shape: [...decl.shape], nnz: levelFibers[levelFibers.length - 1] ?? 1, levelFibers, modeNonEmpty };
}

/**
 * FLOPs and bytes moved of the program's fusion configuration (program.groups, or unfused), from
 * dimensions and the nnz statistics of the inputs (statsFromData / statsFromManifest). Each group is
 * one fused statement run under its loopOrder (default: order #0); intermediates between groups are
 * written and read back, intermediates inside a group are computed once per distinct stream
 * (group.intermediates 'share', the default) or once per use ('recompute').
 */
export function estimateCost(program: TensorProgram, stats: ProgramStats): CostEstimate {
  const groups = normalizeGroups(program, effectiveGroups(program));
  const known: ProgramStats = { ...stats };
  return estimateGroups(program, groups, known);
}

/**
 * The input statistics extended with estimated statistics of every group's output (in group
 * order), so one group can be re-estimated under many loop orders with estimateStatement alone.
 */
export function deriveStats(program: TensorProgram, stats: ProgramStats): ProgramStats {
  const known: ProgramStats = { ...stats };
  for (const g of normalizeGroups(program, effectiveGroups(program))) {
    const stmt = inlineGroup(program, g);
    if (!known[stmt.lhs.tensor]) known[stmt.lhs.tensor] = derivedStat(stmt, program, known);
  }
  return known;
}

function estimateGroups(program: TensorProgram, groups: FusionGroup[], known: ProgramStats): CostEstimate {
  const stats = { ...known };
  const perGroup: GroupCost[] = groups.map((g: FusionGroup) => {
    const stmt = inlineGroup(program, g);
    const cost = estimateStatement(stmt, program, known, g.loopOrder, { intermediates: g.intermediates });
    if (!stats[stmt.lhs.tensor]) known[stmt.lhs.tensor] = derivedStat(stmt, program, known);
    return { ...cost, group: g.name, statements: [...g.statements], output: stmt.lhs.tensor, bytes: cost.readBytes + cost.writeBytes };
  });
  return {
    flops: perGroup.reduce((a, g) => a + g.flops, 0),
    bytes: perGroup.reduce((a, g) => a + g.bytes, 0),
    perGroup,
  };
}

/**
 * Drop candidates Pareto-dominated on (flops, bytes): another candidate is no worse on both and
 * better on one. Keeps the survivors in input order (ties: both kept).
 */
export function paretoPrune<T extends { flops: number; bytes: number }>(candidates: T[]): T[] {
  return paretoFront<T>(candidates, COST_AXES);
}

const COST_AXES: ReadonlyArray<ParetoAxis<{ flops: number; bytes: number }>> = [
  { name: 'flops', value: (c) => c.flops, sense: 'min' },
  { name: 'bytes', value: (c) => c.bytes, sense: 'min' },
];
