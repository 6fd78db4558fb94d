import type { Expr, IndexVar, Statement } from '../program/ast';
import { accessesOf } from '../program/expr-utils';

/** Every index variable occurring in `e` (free and bound), in first-appearance order. */
export function exprIndexVars(e: Expr, out: IndexVar[] = []): IndexVar[] {
  const add = (v: IndexVar): void => {
    if (!out.includes(v)) out.push(v);
  };
  switch (e.kind) {
    case 'access':
      e.indices.forEach(add);
      break;
    case 'const':
      break;
    case 'binary':
      exprIndexVars(e.lhs, out);
      exprIndexVars(e.rhs, out);
      break;
    case 'unary':
      exprIndexVars(e.arg, out);
      break;
    case 'reduce':
      e.indices.forEach(add);
      exprIndexVars(e.arg, out);
      break;
  }
  return out;
}

/** Index variables of a statement: lhs variables first, then rhs variables in first-appearance order. */
export function statementIndexVars(stmt: Statement): IndexVar[] {
  const out: IndexVar[] = [];
  for (const v of stmt.lhs.indices) if (!out.includes(v)) out.push(v);
  return exprIndexVars(stmt.rhs, out);
}

/** Rename index variables everywhere in `e` (free and bound) with `map`; unmapped vars are kept. */
export function renameIndexVars(e: Expr, map: ReadonlyMap<IndexVar, IndexVar>): Expr {
  const r = (v: IndexVar): IndexVar => map.get(v) ?? v;
  switch (e.kind) {
    case 'access':
      return { kind: 'access', tensor: e.tensor, indices: e.indices.map(r) };
    case 'const':
      return { kind: 'const', value: e.value };
    case 'binary':
      return { kind: 'binary', op: e.op, lhs: renameIndexVars(e.lhs, map), rhs: renameIndexVars(e.rhs, map) };
    case 'unary':
      return { kind: 'unary', op: e.op, arg: renameIndexVars(e.arg, map) };
    case 'reduce':
      return { kind: 'reduce', op: e.op, indices: e.indices.map(r), arg: renameIndexVars(e.arg, map) };
  }
}

/** Replace every access for which `f` returns an expression; other nodes are copied. */
export function substituteAccesses(e: Expr, f: (a: Extract<Expr, { kind: 'access' }>) => Expr | undefined): Expr {
  switch (e.kind) {
    case 'access':
      return f(e) ?? { kind: 'access', tensor: e.tensor, indices: [...e.indices] };
    case 'const':
      return { kind: 'const', value: e.value };
    case 'binary':
      return { kind: 'binary', op: e.op, lhs: substituteAccesses(e.lhs, f), rhs: substituteAccesses(e.rhs, f) };
    case 'unary':
      return { kind: 'unary', op: e.op, arg: substituteAccesses(e.arg, f) };
    case 'reduce':
      return { kind: 'reduce', op: e.op, indices: [...e.indices], arg: substituteAccesses(e.arg, f) };
  }
}

/** Tensors read by `e` (deduplicated, first-appearance order). */
export function exprTensors(e: Expr): string[] {
  return [...new Set(accessesOf(e).map((a) => a.tensor))];
}

/** Compact human-readable form used in error messages (the canonical printer lives in program/). */
export function exprToString(e: Expr): string {
  switch (e.kind) {
    case 'access':
      return `${e.tensor}(${e.indices.join(',')})`;
    case 'const':
      return String(e.value);
    case 'binary': {
      const sym: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/' };
      return sym[e.op] ? `(${exprToString(e.lhs)} ${sym[e.op]} ${exprToString(e.rhs)})` : `${e.op}(${exprToString(e.lhs)}, ${exprToString(e.rhs)})`;
    }
    case 'unary':
      return `${e.op}(${exprToString(e.arg)})`;
    case 'reduce':
      return `${e.op}(${e.indices.join(',')}, ${exprToString(e.arg)})`;
  }
}
