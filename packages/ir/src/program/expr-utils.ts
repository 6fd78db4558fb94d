import type { BinaryOp, Expr, IndexVar, ReduceOp, Statement, UnaryOp } from './ast';
import { UNARY_FNS } from './ops';

export const UNARY_OPS: readonly UnaryOp[] = Object.keys(UNARY_FNS) as UnaryOp[];
export const BINARY_FUNCS: readonly BinaryOp[] = ['max', 'min'];
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max'];
/** Names the text form reserves for functions; tensors may not use them. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...UNARY_OPS,
  'max',
  'min',
  'sum',
  'div',
  'add',
  'sub',
  'mul',
  'program',
  'tensor',
  'group',
  'schedule',
  'outputs',
]);

/** Free index variables of an expression, in order of first appearance (reduce vars are bound). */
export function freeVars(e: Expr): IndexVar[] {
  const out: IndexVar[] = [];
  const walk = (x: Expr, bound: ReadonlySet<string>): void => {
    switch (x.kind) {
      case 'access':
        for (const v of x.indices) if (!bound.has(v) && !out.includes(v)) out.push(v);
        break;
      case 'const':
        break;
      case 'unary':
        walk(x.arg, bound);
        break;
      case 'binary':
        walk(x.lhs, bound);
        walk(x.rhs, bound);
        break;
      case 'reduce':
        walk(x.arg, new Set([...bound, ...x.indices]));
        break;
    }
  };
  walk(e, new Set());
  return out;
}

/** Every tensor access in an expression, in left-to-right order (including inside reductions). */
export function accessesOf(e: Expr): Array<Extract<Expr, { kind: 'access' }>> {
  const out: Array<Extract<Expr, { kind: 'access' }>> = [];
  const walk = (x: Expr): void => {
    if (x.kind === 'access') out.push(x);
    else if (x.kind === 'unary' || x.kind === 'reduce') walk(x.arg);
    else if (x.kind === 'binary') {
      walk(x.lhs);
      walk(x.rhs);
    }
  };
  walk(e);
  return out;
}

/** Index variables iterated by a statement: its output indices, then the summed (Einstein) ones. */
export function statementVars(s: Statement): IndexVar[] {
  const out = [...s.lhs.indices];
  for (const v of freeVars(s.rhs)) if (!out.includes(v)) out.push(v);
  return out;
}

/** Variables of the statement's right-hand side summed at top level (not on the left). */
export function summedVars(s: Statement): IndexVar[] {
  return freeVars(s.rhs).filter((v) => !s.lhs.indices.includes(v));
}

/** Names of the tensors a statement reads. */
export function readsOf(s: Statement): string[] {
  return [...new Set(accessesOf(s.rhs).map((a) => a.tensor))];
}

/** Small constructors so tests and passes can build expressions without the parser. */
export const E = {
  access: (tensor: string, ...indices: IndexVar[]): Expr => ({ kind: 'access', tensor, indices }),
  const: (value: number): Expr => ({ kind: 'const', value }),
  binary: (op: BinaryOp, lhs: Expr, rhs: Expr): Expr => ({ kind: 'binary', op, lhs, rhs }),
  unary: (op: UnaryOp, arg: Expr): Expr => ({ kind: 'unary', op, arg }),
  reduce: (op: ReduceOp, indices: IndexVar[], arg: Expr): Expr => ({ kind: 'reduce', op, indices, arg }),
};
