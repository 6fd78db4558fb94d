import { FuseFlowError } from '@fuseflow/kernel';
import type { Expr, FusionGroup, IndexVar, Statement, TensorProgram } from '../program/ast';
import { freeVars, summedVars } from '../program/expr-utils';
import { exprIndexVars, exprTensors, renameIndexVars, substituteAccesses } from './expr-utils';

/** One fusion group per statement (the unfused configuration), named g0, g1, ... */
export function defaultGroups(program: TensorProgram): FusionGroup[] {
  return program.statements.map((s, i) => ({ name: `g${i}`, statements: [s.name] }));
}

/** The program's groups, or the unfused default when pass-fusion has not run. */
export function effectiveGroups(program: TensorProgram): FusionGroup[] {
  return program.groups && program.groups.length > 0 ? program.groups : defaultGroups(program);
}

/** Map statement name -> index in program order; throws on duplicate names. */
function statementIndex(program: TensorProgram): Map<string, number> {
  const idx = new Map<string, number>();
  program.statements.forEach((s, i) => {
    if (idx.has(s.name)) throw new FuseFlowError('FF_INPUT_INVALID', `program '${program.name}': statement name '${s.name}' is used twice`);
    idx.set(s.name, i);
  });
  return idx;
}

/** Map tensor -> index of the statement writing it; each tensor must be written once (SSA). */
export function producerIndex(program: TensorProgram): Map<string, number> {
  const prod = new Map<string, number>();
  program.statements.forEach((s, i) => {
    const t = s.lhs.tensor;
    const prev = prod.get(t);
    if (prev !== undefined) {
      throw new FuseFlowError(
        'FF_INPUT_INVALID',
        `program '${program.name}': tensor '${t}' is written by both '${program.statements[prev].name}' and '${s.name}'; fusion needs each tensor written once`,
      );
    }
    prod.set(t, i);
  });
  // A statement reading a tensor produced later would make program order differ from dependency order.
  program.statements.forEach((s, i) => {
    for (const t of exprTensors(s.rhs)) {
      const p = prod.get(t);
      if (p !== undefined && p >= i) {
        throw new FuseFlowError(
          'FF_INPUT_INVALID',
          `program '${program.name}': statement '${s.name}' reads '${t}' which is produced by '${program.statements[p].name}' at or after it; statements must be in dependency order`,
        );
      }
    }
  });
  return prod;
}

function groupStatements(program: TensorProgram, group: FusionGroup): Statement[] {
  const idx = statementIndex(program);
  const picked = group.statements.map((n) => {
    const i = idx.get(n);
    if (i === undefined) {
      throw new FuseFlowError('FF_INPUT_INVALID', `fusion group '${group.name}': unknown statement '${n}' (statements: ${[...idx.keys()].join(', ')})`);
    }
    return i;
  });
  return [...new Set(picked)].sort((a, b) => a - b).map((i) => program.statements[i]);
}

/**
 * Tensors a group must write to memory: results that are a program output, are read by a statement
 * outside the group, or are never read at all. In program order.
 */
export function groupOutputs(program: TensorProgram, group: FusionGroup): string[] {
  const inGroup = new Set(group.statements);
  const stmts = groupStatements(program, group);
  return stmts
    .map((s) => s.lhs.tensor)
    .filter((t) => {
      if (program.outputs.includes(t)) return true;
      const readers = program.statements.filter((s) => exprTensors(s.rhs).includes(t));
      return readers.length === 0 || readers.some((r) => !inGroup.has(r.name));
    });
}

/** Tensors produced and consumed only inside the group: they stream and are never materialized. */
export function groupInternals(program: TensorProgram, group: FusionGroup): string[] {
  const live = new Set(groupOutputs(program, group));
  return groupStatements(program, group)
    .map((s) => s.lhs.tensor)
    .filter((t) => !live.has(t));
}

/**
 * Validate a grouping and return it normalized: statements in program order, groups in a
 * dependency (topological) order. Checks: every statement in exactly one group, no cycle between
 * groups (so each group is contiguous in some dependency order), exactly one live output per group.
 */
export function normalizeGroups(program: TensorProgram, groups: FusionGroup[]): FusionGroup[] {
  const idx = statementIndex(program);
  const prod = producerIndex(program);
  const owner = new Map<string, number>();
  const names = new Set<string>();
  groups.forEach((g, gi) => {
    if (names.has(g.name)) throw new FuseFlowError('FF_INPUT_INVALID', `fusion group name '${g.name}' is used twice`);
    names.add(g.name);
    if (g.statements.length === 0) throw new FuseFlowError('FF_INPUT_INVALID', `fusion group '${g.name}' has no statements`);
    for (const s of g.statements) {
      if (!idx.has(s)) {
        throw new FuseFlowError('FF_INPUT_INVALID', `fusion group '${g.name}': unknown statement '${s}' (statements: ${[...idx.keys()].join(', ')})`);
      }
      const prev = owner.get(s);
      if (prev !== undefined) {
        throw new FuseFlowError('FF_INPUT_INVALID', `statement '${s}' is in two fusion groups: '${groups[prev].name}' and '${g.name}'`);
      }
      owner.set(s, gi);
    }
  });
  const missing = program.statements.filter((s) => !owner.has(s.name)).map((s) => s.name);
  if (missing.length > 0) throw new FuseFlowError('FF_INPUT_INVALID', `statements not in any fusion group: ${missing.join(', ')}`);

  // Quotient graph: group of producer -> group of consumer.
  const succ: Array<Set<number>> = groups.map(() => new Set<number>());
  program.statements.forEach((s) => {
    const gc = owner.get(s.name)!;
    for (const t of exprTensors(s.rhs)) {
      const p = prod.get(t);
      if (p === undefined) continue;
      const gp = owner.get(program.statements[p].name)!;
      if (gp !== gc) succ[gp].add(gc);
    }
  });
  const order = topoSortGroups(groups, succ, program);

  return order.map((gi) => {
    const g = groups[gi];
    const norm: FusionGroup = { ...g, statements: [...g.statements].sort((a, b) => idx.get(a)! - idx.get(b)!) };
    const live = groupOutputs(program, norm);
    if (live.length !== 1) {
      throw new FuseFlowError(
        'FF_INPUT_INVALID',
        `fusion group '${g.name}' has ${live.length} live outputs (${live.join(', ')}); a fused group writes exactly one tensor — split the group after the statement producing ${live[0]}`,
      );
    }
    return norm;
  });
}

/** Kahn's algorithm with the smallest first-statement index first, so the order is deterministic. */
function topoSortGroups(groups: FusionGroup[], succ: Array<Set<number>>, program: TensorProgram): number[] {
  const first = groups.map((g) => Math.min(...g.statements.map((s) => program.statements.findIndex((x) => x.name === s))));
  const indeg = groups.map(() => 0);
  succ.forEach((ss) => ss.forEach((t) => indeg[t]++));
  const ready = groups.map((_, i) => i).filter((i) => indeg[i] === 0);
  const out: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => first[a] - first[b]);
    const g = ready.shift()!;
    out.push(g);
    for (const t of succ[g]) if (--indeg[t] === 0) ready.push(t);
  }
  if (out.length < groups.length) {
    const stuck = groups.filter((_, i) => !out.includes(i)).map((g) => g.name);
    throw new FuseFlowError(
      'FF_INPUT_INVALID',
      `fusion groups form a cycle (${stuck.join(', ')}): a group both feeds and reads another; groups must be contiguous in dependency order`,
    );
  }
  return out;
}

/** Throws FuseFlowError FF_INPUT_INVALID when `groups` is not a legal fusion of `program`. */
export function validateGroups(program: TensorProgram, groups: FusionGroup[]): void {
  normalizeGroups(program, groups);
}

/** A fresh variable name derived from `v` that is not in `used` (k -> k1, k2, ...); records it. */
function freshVar(v: IndexVar, used: Set<IndexVar>): IndexVar {
  const base = v.replace(/\d+$/, '') || v;
  for (let n = 1; ; n++) {
    const cand = `${base}${n}`;
    if (!used.has(cand)) {
      used.add(cand);
      return cand;
    }
  }
}

/**
 * Fuse a group into ONE statement: every internal (streamed) tensor access is replaced by its
 * producer's right-hand side, with the producer's lhs variables unified with the use site's index
 * variables, every other producer variable renamed fresh, and the producer's implicit top-level
 * summation made an explicit `sum` reduce at the use site. The result is named after the group and
 * writes the group's single live output. A producer used twice is inlined twice (recomputation).
 */
export function inlineGroup(program: TensorProgram, group: FusionGroup): Statement {
  const stmts = groupStatements(program, group);
  producerIndex(program);
  const live = groupOutputs(program, group);
  if (live.length !== 1) {
    throw new FuseFlowError(
      'FF_INPUT_INVALID',
      `fusion group '${group.name}' has ${live.length} live outputs (${live.join(', ')}); a fused group writes exactly one tensor — split the group`,
    );
  }
  // tensor -> (lhs vars, fused rhs with the top-level sum made explicit)
  const defs = new Map<string, { lhs: IndexVar[]; rhs: Expr; stmt: string }>();
  let outStmt: Statement | undefined;
  for (const s of stmts) {
    // Names taken in this consumer; a producer's own variables keep their names unless they clash.
    const used = new Set<IndexVar>([...s.lhs.indices, ...exprIndexVars(s.rhs)]);
    const rhs = substituteAccesses(s.rhs, (a) => {
      const d = defs.get(a.tensor);
      if (!d) return undefined;
      if (a.indices.length !== d.lhs.length) {
        throw new FuseFlowError(
          'FF_INPUT_INVALID',
          `statement '${s.name}' accesses '${a.tensor}' with ${a.indices.length} indices but '${d.stmt}' defines it with ${d.lhs.length}`,
        );
      }
      const map = new Map<IndexVar, IndexVar>();
      d.lhs.forEach((v, k) => map.set(v, a.indices[k]));
      for (const v of exprIndexVars(d.rhs)) {
        if (map.has(v)) continue;
        if (used.has(v)) map.set(v, freshVar(v, used));
        else {
          used.add(v);
          map.set(v, v);
        }
      }
      return renameIndexVars(d.rhs, map);
    });
    if (s.lhs.tensor === live[0]) {
      outStmt = { name: group.name, lhs: { tensor: s.lhs.tensor, indices: [...s.lhs.indices] }, rhs };
      continue;
    }
    const lhs = s.lhs.indices;
    if (new Set(lhs).size !== lhs.length) {
      throw new FuseFlowError('FF_INPUT_INVALID', `statement '${s.name}': cannot stream '${s.lhs.tensor}(${lhs.join(',')})' with a repeated lhs index variable`);
    }
    const free = new Set(freeVars(rhs));
    const bound = exprIndexVars(rhs).filter((v) => !free.has(v));
    const shadow = lhs.find((v) => bound.includes(v));
    if (shadow) {
      throw new FuseFlowError('FF_INPUT_INVALID', `statement '${s.name}': lhs index '${shadow}' is also bound by a reduce on the right-hand side`);
    }
    const sums = summedVars({ ...s, rhs });
    defs.set(s.lhs.tensor, {
      lhs: [...lhs],
      rhs: sums.length > 0 ? { kind: 'reduce', op: 'sum', indices: sums, arg: rhs } : rhs,
      stmt: s.name,
    });
  }
  return outStmt!;
}


/** A program in which each group of `program.groups` (or the default) is replaced by its fused statement. */
export function fusedProgram(program: TensorProgram): TensorProgram {
  const groups = normalizeGroups(program, effectiveGroups(program));
  const statements = groups.map((g) => inlineGroup(program, g));
  const keep = new Set(statements.flatMap((s) => [s.lhs.tensor, ...exprTensors(s.rhs)]));
  const tensors = Object.fromEntries(Object.entries(program.tensors).filter(([n]) => keep.has(n) || program.outputs.includes(n)));
  return {
    ...program,
    tensors,
    statements,
    groups: groups.map((g) => ({ name: g.name, statements: [g.name], ...(g.loopOrder ? { loopOrder: g.loopOrder } : {}) })),
  };
}
