import type { Expr, Statement, TensorProgram } from './ast';
import { inputError } from '../tensor/errors';
import { validateFormat } from '../tensor/format';
import { printExpr, printStatement } from './print';
import { freeVars, readsOf, RESERVED_NAMES } from './expr-utils';
import { inlineGroup } from '../fusion/groups';
import { statementIndexVars } from '../fusion/expr-utils';

function accessText(a: { tensor: string; indices: string[] }): string {
  return `${a.tensor}(${a.indices.join(',')})`;
}

/**
 * Checks the statement-local rules (declared tensors, ranks, consistent index extents, reduction
 * scoping, output indices used). Returns the extent of every index variable of the statement.
 */
export function verifyStatement(p: TensorProgram, s: Statement): Map<string, number> {
  const where = `statement ${s.name} (${printStatement(s)})`;
  const fail = (msg: string): never => {
    throw inputError(`${where}: ${msg}`);
  };
  const extents = new Map<string, { n: number; by: string }>();
  const bind = (v: string, n: number, by: string): void => {
    const prev = extents.get(v);
    if (prev && prev.n !== n) fail(`index ${v} is bound to extent ${prev.n} by ${prev.by} and to extent ${n} by ${by}`);
    if (!prev) extents.set(v, { n, by });
  };
  const checkAccess = (a: { tensor: string; indices: string[] }, isLhs: boolean): void => {
    const decl = p.tensors[a.tensor];
    if (!decl) {
      const known = Object.keys(p.tensors);
      fail(`unknown tensor ${a.tensor}${known.length ? ` (declared: ${known.join(', ')})` : ''}`);
    }
    if (a.indices.length !== decl.shape.length) {
      fail(`${accessText(a)} has ${a.indices.length} index(es) but ${a.tensor} has rank ${decl.shape.length}`);
    }
    if (isLhs && new Set(a.indices).size !== a.indices.length) fail(`output ${accessText(a)} repeats an index variable`);
    a.indices.forEach((v, m) => bind(v, decl.shape[m], accessText(a)));
  };
  checkAccess(s.lhs, true);
  if (p.tensors[s.lhs.tensor].role === 'input') fail(`writes ${s.lhs.tensor}, which is declared as an input`);
  const outer = new Set(s.lhs.indices);
  const walk = (e: Expr, bound: ReadonlySet<string>): void => {
    switch (e.kind) {
      case 'access':
        checkAccess(e, false);
        break;
      case 'const':
        if (!Number.isFinite(e.value)) fail(`constant ${e.value} is not finite`);
        break;
      case 'unary':
        walk(e.arg, bound);
        break;
      case 'binary':
        walk(e.lhs, bound);
        walk(e.rhs, bound);
        break;
      case 'reduce': {
        if (e.indices.length === 0) fail(`${printExpr(e)} reduces over no index`);
        const argFree = freeVars(e.arg);
        for (const v of e.indices) {
          if (outer.has(v)) fail(`${printExpr(e)} reduces over ${v}, which is an output index`);
          if (bound.has(v)) fail(`${printExpr(e)} reduces over ${v} again inside a reduction over ${v}`);
          if (!argFree.includes(v)) fail(`${printExpr(e)} reduces over ${v}, which its argument does not use`);
        }
        walk(e.arg, new Set([...bound, ...e.indices]));
        break;
      }
    }
  };
  walk(s.rhs, new Set());
  // A reduction variable must not also be a free (Einstein-summed) variable of the statement.
  const free = new Set(freeVars(s.rhs));
  const reduced: string[] = [];
  const collectReduced = (e: Expr): void => {
    if (e.kind === 'reduce') {
      reduced.push(...e.indices);
      collectReduced(e.arg);
    } else if (e.kind === 'unary') collectReduced(e.arg);
    else if (e.kind === 'binary') {
      collectReduced(e.lhs);
      collectReduced(e.rhs);
    }
  };
  collectReduced(s.rhs);
  for (const v of reduced) if (free.has(v)) fail(`index ${v} is reduced by an explicit reduction and also used outside it`);
  for (const v of s.lhs.indices) {
    if (!free.has(v)) fail(`output index ${v} of ${accessText(s.lhs)} does not appear on the right-hand side`);
  }
  return new Map([...extents].map(([v, x]) => [v, x.n]));
}

/**
 * Verifies a whole program; throws FuseFlowError FF_INPUT_INVALID naming the statement (or
 * tensor / group) and the problem.
 */
export function verifyProgram(p: TensorProgram): void {
  const fail = (msg: string): never => {
    throw inputError(`program ${p.name}: ${msg}`);
  };
  for (const [key, t] of Object.entries(p.tensors)) {
    if (t.name !== key) fail(`tensor declared under key ${key} is named ${t.name}`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail(`tensor name '${key}' is not an identifier`);
    if (RESERVED_NAMES.has(key)) fail(`tensor name '${key}' is reserved (a function or keyword of the text form)`);
    t.shape.forEach((n, m) => {
      if (!Number.isInteger(n) || n < 1) fail(`tensor ${key}: extent ${n} of mode ${m} is not a positive integer`);
    });
    if (!['input', 'intermediate', 'output'].includes(t.role)) fail(`tensor ${key}: unknown role '${t.role}'`);
    try {
      validateFormat(t.format, t.shape.length, `tensor ${key} format`);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const names = new Set<string>();
  const writtenBy = new Map<string, string>();
  const varsOf = new Map<string, Set<string>>();
  for (const s of p.statements) {
    if (names.has(s.name)) fail(`statement name ${s.name} is used twice`);
    names.add(s.name);
    const extents = verifyStatement(p, s);
    varsOf.set(s.name, new Set(extents.keys()));
    for (const r of readsOf(s)) {
      const role = p.tensors[r].role;
      if (role === 'input') continue;
      if (r === s.lhs.tensor) {
        throw inputError(`statement ${s.name} (${printStatement(s)}): reads ${r}, which it writes itself (a cycle)`);
      }
      if (!writtenBy.has(r)) {
        const later = p.statements.find((x) => x.lhs.tensor === r);
        throw inputError(
          `statement ${s.name} (${printStatement(s)}): reads ${r} before it is written` +
            (later ? ` (statement ${later.name} writes it later: a cycle or wrong order)` : ' (no statement writes it)'),
        );
      }
    }
    const prev = writtenBy.get(s.lhs.tensor);
    if (prev) throw inputError(`statement ${s.name} (${printStatement(s)}): tensor ${s.lhs.tensor} is already written by statement ${prev}`);
    writtenBy.set(s.lhs.tensor, s.name);
  }
  for (const t of Object.values(p.tensors)) {
    if (t.role !== 'input' && !writtenBy.has(t.name)) fail(`${t.role} tensor ${t.name} is never written by a statement`);
  }
  for (const o of p.outputs) {
    if (!p.tensors[o]) fail(`output ${o} is not a declared tensor`);
    if (!writtenBy.has(o)) fail(`output ${o} is never written by a statement`);
  }
  const grouped = new Map<string, string>();
  const groupNames = new Set<string>();
  const order = new Map(p.statements.map((s, i) => [s.name, i]));
  for (const g of p.groups ?? []) {
    const gfail = (msg: string): never => fail(`group ${g.name}: ${msg}`);
    if (groupNames.has(g.name)) gfail('group name is used twice');
    groupNames.add(g.name);
    if (g.statements.length === 0) gfail('has no statements');
    let last = -1;
    const vars = new Set<string>();
    for (const sn of g.statements) {
      const idx = order.get(sn);
      if (idx === undefined) gfail(`unknown statement ${sn}`);
      if (grouped.has(sn)) gfail(`statement ${sn} is already in group ${grouped.get(sn)}`);
      if (idx! < last) gfail(`statements must be listed in program order (${sn} comes earlier)`);
      last = idx!;
      grouped.set(sn, g.name);
      for (const v of varsOf.get(sn)!) vars.add(v);
    }
    if (g.loopOrder) {
      // A fused group's loop order ranges over its fused statement, whose inlined producers may
      // carry renamed variables (k -> k1, see fusion/inlineGroup).
      if (g.statements.length > 1) {
        try {
          for (const v of statementIndexVars(inlineGroup(p, g))) vars.add(v);
        } catch {
          // an illegal group is reported by pass-fusion / normalizeGroups with a precise message
        }
      }
      const seen = new Set<string>();
      for (const v of g.loopOrder) {
        if (seen.has(v)) gfail(`loop order repeats index ${v}`);
        seen.add(v);
        if (!vars.has(v)) gfail(`loop order names ${v}, which none of its statements use (they use ${[...vars].join(', ')})`);
      }
    }
  }
  const sch = p.schedule;
  if (sch?.blocking) {
    if (!Number.isInteger(sch.blocking.size) || sch.blocking.size < 1) fail(`schedule: block size ${sch.blocking.size} is not a positive integer`);
    for (const t of sch.blocking.tensors ?? []) if (!p.tensors[t]) fail(`schedule: block names unknown tensor ${t}`);
  }
  const allVars = new Set([...varsOf.values()].flatMap((s) => [...s]));
  // before pass-fusion every statement is its own group g<k> (effectiveGroups): a schedule may name those
  if (!p.groups) p.statements.forEach((_, i) => groupNames.add(`g${i}`));
  for (const par of sch?.parallel ?? []) {
    if (!Number.isInteger(par.factor) || par.factor < 1) fail(`schedule: parallel factor ${par.factor} of ${par.index} is not a positive integer`);
    if (par.group !== undefined && !groupNames.has(par.group)) fail(`schedule: parallel ${par.index} names unknown group ${par.group}`);
    if (!allVars.has(par.index)) fail(`schedule: parallel index ${par.index} is not used by any statement`);
  }
}
