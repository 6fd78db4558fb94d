import type { Expr, IndexVar, Statement, TensorProgram } from '../program/ast';
import { freeVars, summedVars } from '../program/expr-utils';
import { effectiveGroups, inlineGroup, normalizeGroups } from '../fusion/groups';
import { enumerateLoopOrders, loopIndexPartialOrder } from '../fusion/loop-order';
import { deriveStats, estimateStatement } from './cost';
import type { ProgramStats } from './stats';

export interface LoopOrderSearchOptions {
  /** score = flops + bytesWeight x (read + write bytes). */
  bytesWeight?: number;
  /** enumerate at most this many orders. */
  limit?: number;
  /** score at most this many enumerated orders (evenly spaced, #0 included); all when there are fewer. */
  maxEstimate?: number;
  /** improve the best `climbFrom` sampled orders by moving one variable at a time while the score drops. */
  climbFrom?: number;
  /** how the fused statement's repeated values are counted (the group's `intermediates`; default 'share'). */
  intermediates?: 'share' | 'recompute';
}

/**
 * Whether a loop order can stream the statement as one loop nest without re-nesting a reduction:
 * a reduction is computed inside the loops above its first reduced index, so an enclosing index
 * placed between that index and the reduction's own deeper free indices, which the reduction does
 * not use, would have to be repeated inside an already reduced stream (lower-sam refuses such an
 * order, or lowers it only after distributing products into the sums, which changes its cost).
 */
export function isStreamableOrder(stmt: Statement, order: IndexVar[]): boolean {
  const pos = new Map(order.map((v, i) => [v, i]));
  const sortByPos = (vs: Iterable<IndexVar>) => [...vs].sort((a, b) => pos.get(a)! - pos.get(b)!);
  const walk = (e: Expr, context: IndexVar[]): boolean => {
    switch (e.kind) {
      case 'const':
      case 'access':
        return true;
      case 'unary':
        return walk(e.arg, context);
      case 'binary':
        return walk(e.lhs, context) && walk(e.rhs, context);
      case 'reduce': {
        const free = new Set(freeVars(e));
        const first = Math.min(...e.indices.map((v) => pos.get(v) ?? Infinity));
        const deepest = Math.max(-1, ...[...free].map((v) => pos.get(v)!));
        if (context.some((v) => !free.has(v) && pos.get(v)! > first && pos.get(v)! < deepest)) return false;
        const levels = context.filter((v) => free.has(v) || pos.get(v)! < first);
        return walk(e.arg, sortByPos(new Set([...levels, ...e.indices])));
      }
    }
  };
  const sums = summedVars(stmt);
  const root: Expr = sums.length > 0 ? { kind: 'reduce', op: 'sum', indices: sums, arg: stmt.rhs } : stmt.rhs;
  return walk(root, sortByPos(stmt.lhs.indices));
}

export interface LoopOrderSearchResult {
  order: IndexVar[];
  score: number;
  flops: number;
  bytes: number;
  /** score of enumerated order #0 (the reference compiler's default), for reporting the gain. */
  firstOrderScore: number;
  /** how many orders were scored. */
  evaluated: number;
  /** whether every valid order was scored (the result is then the exact optimum of the model). */
  exhaustive: boolean;
  /** whether the order streams without re-nesting a reduction (isStreamableOrder); false only when no scored order does. */
  streamable: boolean;
}

/**
 * The loop order of a fused statement with the lowest estimated cost. Fused groups have many
 * orders (a fully fused GCN with softmax: > 10^5) and order #0 can be 10^3-10^4 x worse than the
 * best one (it iterates output variables outside the row statistics, so every statistic is
 * recomputed per output element), so when the enumeration is too large to score, the best sampled
 * orders are refined by hill climbing: move one variable to another valid position while the
 * score improves.
 */
export function searchLoopOrder(stmt: Statement, program: TensorProgram, stats: ProgramStats, options: LoopOrderSearchOptions = {}): LoopOrderSearchResult {
  const bytesWeight = options.bytesWeight ?? 0.25;
  const maxEstimate = options.maxEstimate ?? 500;
  const climbFrom = options.climbFrom ?? 4;
  const orders = enumerateLoopOrders(stmt, program, options.limit ?? 100000);
  const arcs = loopIndexPartialOrder(stmt, program);
  type Scored = { score: number; flops: number; bytes: number; streamable: boolean };
  const cache = new Map<string, Scored>();
  // an order that cannot stream ranks after every one that can
  const better = (a: Scored, b: Scored): boolean => (a.streamable !== b.streamable ? a.streamable : a.score < b.score);
  const score = (order: IndexVar[]): Scored => {
    const key = order.join('\u0000');
    let s = cache.get(key);
    if (!s) {
      const est = estimateStatement(stmt, program, stats, order, { intermediates: options.intermediates });
      const bytes = est.readBytes + est.writeBytes;
      s = { score: est.flops + bytesWeight * bytes, flops: est.flops, bytes, streamable: isStreamableOrder(stmt, order) };
      cache.set(key, s);
    }
    return s;
  };
  const exhaustive = orders.length <= maxEstimate && orders.length < (options.limit ?? 100000);
  const picks = orders.length <= maxEstimate ? orders : [...new Set(Array.from({ length: maxEstimate }, (_, k) => Math.floor((k * orders.length) / maxEstimate)))].map((k) => orders[k]);
  const ranked = picks.map((o) => ({ o, ...score(o) })).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const firstOrderScore = score(orders[0]).score;
  let best = ranked[0];
  if (!exhaustive) {
    const valid = (o: IndexVar[]): boolean => {
      const pos = new Map(o.map((v, i) => [v, i]));
      return arcs.every(([a, b]) => pos.get(a)! < pos.get(b)!);
    };
    for (const start of ranked.slice(0, climbFrom)) {
      let cur = start;
      for (;;) {
        let next = cur;
        for (let from = 0; from < cur.o.length; from++) {
          for (let to = 0; to < cur.o.length; to++) {
            if (to === from) continue;
            const o = [...cur.o];
            const [v] = o.splice(from, 1);
            o.splice(to, 0, v);
            if (!valid(o)) continue;
            const s = score(o);
            if (better(s, next)) next = { o, ...s };
          }
        }
        if (next === cur) break;
        cur = next;
      }
      if (better(cur, best)) best = cur;
    }
  }
  return { order: best.o, score: best.score, flops: best.flops, bytes: best.bytes, firstOrderScore, evaluated: cache.size, exhaustive, streamable: best.streamable };
}

/**
 * The program with the estimator's best loop order set on every fused group (several statements)
 * that has none, ranked with the input statistics `inputStats` (statsFromData / statsFromManifest).
 * lower-sam and the estimate backend both apply it, so an estimate and a simulation of the same
 * configuration describe the same loop nest.
 */
export function orderFusedGroups(program: TensorProgram, inputStats: ProgramStats): { program: TensorProgram; searched: number } {
  if (!program.groups) return { program, searched: 0 };
  const groups = normalizeGroups(program, effectiveGroups(program));
  const todo = groups.filter((g) => g.statements.length > 1 && !g.loopOrder);
  if (todo.length === 0) return { program, searched: 0 };
  const stats = deriveStats(program, inputStats);
  const ordered = groups.map((g) => (todo.includes(g) ? { ...g, loopOrder: searchLoopOrder(inlineGroup(program, g), program, stats, { intermediates: g.intermediates }).order } : g));
  return { program: { ...program, groups: ordered }, searched: todo.length };
}
