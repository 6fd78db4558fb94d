import { FuseFlowError } from '@fuseflow/kernel';
import type { IndexVar, Statement, TensorProgram } from '../program/ast';
import { accessesOf } from '../program/expr-utils';
import { statementIndexVars } from './expr-utils';

/** A partial-order arc: `before` must be iterated outside `after`; `source` names the access that implies it. */
export interface LoopArc {
  before: IndexVar;
  after: IndexVar;
  source: string;
}

/**
 * Arcs of the loop partial order of a (fused) statement: for every access, its level order
 * (format.modeOrder applied to the index list) must be iterated outermost-first, so consecutive
 * levels give an arc. The output does not add arcs (as in the reference compiler).
 */
export function loopIndexArcs(stmt: Statement, program: TensorProgram): LoopArc[] {
  const out: LoopArc[] = [];
  const seen = new Set<string>();
  for (const a of accessesOf(stmt.rhs)) {
    const decl = program.tensors[a.tensor];
    if (!decl) {
      throw new FuseFlowError('FF_INPUT_INVALID', `statement '${stmt.name}' reads undeclared tensor '${a.tensor}'`);
    }
    const mo = decl.format.modeOrder;
    if (mo.length !== a.indices.length) {
      throw new FuseFlowError(
        'FF_INPUT_INVALID',
        `statement '${stmt.name}': '${a.tensor}' has ${mo.length} modes but is accessed with ${a.indices.length} indices (${a.indices.join(',')})`,
      );
    }
    const lv = mo.map((m) => a.indices[m]);
    for (let l = 0; l + 1 < lv.length; l++) {
      if (lv[l] === lv[l + 1]) continue;
      const key = `${lv[l]}\u0000${lv[l + 1]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ before: lv[l], after: lv[l + 1], source: `${a.tensor}(${a.indices.join(',')}) modeOrder [${mo.join(',')}]` });
    }
  }
  return out;
}

/** Arcs [before, after] of the statement's loop partial order (deduplicated, first-appearance order). */
export function loopIndexPartialOrder(stmt: Statement, program: TensorProgram): Array<[IndexVar, IndexVar]> {
  return loopIndexArcs(stmt, program).map((a) => [a.before, a.after]);
}

/**
 * Every valid loop order (topological sort of the partial order) of the statement's index
 * variables, outermost first. Deterministic: candidates are tried in `statementIndexVars` order,
 * so order #0 prefers output variables outermost. At most `limit` orders are returned.
 * A cyclic partial order throws FuseFlowError FF_INPUT_INVALID 'Cycle found, invalid loop order'.
 */
export function enumerateLoopOrders(stmt: Statement, program: TensorProgram, limit = 100000): IndexVar[][] {
  const vars = statementIndexVars(stmt);
  const arcs = loopIndexArcs(stmt, program);
  const pos = new Map(vars.map((v, i) => [v, i]));
  const succ: number[][] = vars.map(() => []);
  const indeg = vars.map(() => 0);
  for (const a of arcs) {
    succ[pos.get(a.before)!].push(pos.get(a.after)!);
    indeg[pos.get(a.after)!]++;
  }
  assertAcyclic(stmt, vars, arcs, succ);

  const out: IndexVar[][] = [];
  const cur: number[] = [];
  const used = vars.map(() => false);
  const rec = (): void => {
    if (out.length >= limit) return;
    if (cur.length === vars.length) {
      out.push(cur.map((i) => vars[i]));
      return;
    }
    for (let v = 0; v < vars.length; v++) {
      if (used[v] || indeg[v] !== 0) continue;
      used[v] = true;
      cur.push(v);
      for (const w of succ[v]) indeg[w]--;
      rec();
      for (const w of succ[v]) indeg[w]++;
      cur.pop();
      used[v] = false;
      if (out.length >= limit) return;
    }
  };
  rec();
  return out;
}

/** Number of valid loop orders, counted up to `limit` (cheaper than materializing them is not needed here). */
export function countLoopOrders(stmt: Statement, program: TensorProgram, limit = 100000): number {
  return enumerateLoopOrders(stmt, program, limit).length;
}

/** Whether `order` is a permutation of the statement's variables that respects every arc. */
export function checkLoopOrder(stmt: Statement, program: TensorProgram, order: IndexVar[]): void {
  const vars = statementIndexVars(stmt);
  const missing = vars.filter((v) => !order.includes(v));
  const extra = order.filter((v) => !vars.includes(v));
  if (missing.length > 0 || extra.length > 0 || new Set(order).size !== order.length) {
    throw new FuseFlowError(
      'FF_INPUT_INVALID',
      `loop order [${order.join(',')}] for '${stmt.name}' must be a permutation of [${vars.join(',')}]` +
        (missing.length ? `; missing ${missing.join(',')}` : '') +
        (extra.length ? `; unknown ${extra.join(',')}` : ''),
    );
  }
  for (const a of loopIndexArcs(stmt, program)) {
    if (order.indexOf(a.before) > order.indexOf(a.after)) {
      throw new FuseFlowError(
        'FF_INPUT_INVALID',
        `loop order [${order.join(',')}] for '${stmt.name}' iterates ${a.after} outside ${a.before}, but ${a.source} stores ${a.before} above ${a.after}`,
      );
    }
  }
}

function assertAcyclic(stmt: Statement, vars: IndexVar[], arcs: LoopArc[], succ: number[][]): void {
  const state = vars.map(() => 0); // 0 new, 1 on stack, 2 done
  const stack: number[] = [];
  const dfs = (v: number): number[] | undefined => {
    state[v] = 1;
    stack.push(v);
    for (const w of succ[v]) {
      if (state[w] === 1) return [...stack.slice(stack.indexOf(w)), w];
      if (state[w] === 0) {
        const c = dfs(w);
        if (c) return c;
      }
    }
    stack.pop();
    state[v] = 2;
    return undefined;
  };
  for (let v = 0; v < vars.length; v++) {
    if (state[v] !== 0) continue;
    const cyc = dfs(v);
    if (cyc) {
      const names = cyc.map((i) => vars[i]);
      const why = names
        .slice(0, -1)
        .map((b, k) => arcs.find((a) => a.before === b && a.after === names[k + 1])!.source)
        .join('; ');
      throw new FuseFlowError(
        'FF_INPUT_INVALID',
        `Cycle found, invalid loop order for '${stmt.name}': ${names.join(' -> ')} (from ${why}); change a tensor's modeOrder`,
      );
    }
  }
}
